"""Who may open what: every teacher page, the sockets' origin check, tokens bound to one session, admin for
staff only, the security headers and the production settings. tests/classroom covers the basics (login on
two pages, another teacher on three, wrong/expired tokens, join rate limit); this adds the rest."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth import get_user_model
from django.core import signing
from django.urls import URLPattern, get_resolver, reverse

from classroom.services import participant_join, session_end, session_start
from classroom.tokens import participant_token
from config.middleware import content_security_policy
from live import consumers
from tests.classroom.conftest import token_for
from tests.live.sockets import closed_with, joined_student_socket, receive_until, student_socket

ROOT = Path(__file__).resolve().parents[2]
# Pages a student opens (no login: the join code, then a participant token kept in their own session).
STUDENT_PAGES = {
    "classroom:join",
    "classroom:join_code",
    "classroom:student",
    "classroom:student_leave",
    "classroom:student_data_delete",
}


def teacher_pages() -> dict[str, list[str]]:
    """Every named page of the two apps but the student's, with the URL parameters it takes."""
    pages = {}
    for namespace in ("classroom", "engagement"):
        for pattern in get_resolver().namespace_dict[namespace][1].url_patterns:
            if isinstance(pattern, URLPattern) and pattern.name:
                pages[f"{namespace}:{pattern.name}"] = list(pattern.pattern.converters)
    return {name: params for name, params in pages.items() if name not in STUDENT_PAGES}


def teacher_page_names() -> list[str]:
    return sorted(teacher_pages())


def url_for(name: str, *, course, session, participant) -> str:
    values = {"course_id": course.pk, "session_id": session.pk, "participant_id": participant.pk}
    return reverse(name, kwargs={param: values[param] for param in teacher_pages()[name]})


@pytest.fixture
def ended_session_with_student(course):
    session = session_start(course=course, title="Past")
    participant = participant_join(session=session, display_name="Mia")
    session_end(session=session)
    return session, participant


@pytest.mark.django_db
def test_the_teacher_page_list_is_complete_and_non_trivial():
    names = teacher_page_names()
    assert "classroom:session_live" in names and "engagement:readings_csv" in names
    assert not set(names) & STUDENT_PAGES


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "post"])
def test_every_teacher_page_sends_an_anonymous_visitor_to_log_in(client, course, ended_session_with_student, method):
    session, participant = ended_session_with_student
    for name in teacher_page_names():
        url = url_for(name, course=course, session=session, participant=participant)
        response = getattr(client, method)(url)
        assert response.status_code == 302, (name, method)
        assert response["Location"].startswith(reverse("login")), name


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "post"])
def test_every_teacher_page_is_a_404_for_another_teacher(
    client, course, other_teacher, ended_session_with_student, method
):
    session, participant = ended_session_with_student
    client.force_login(other_teacher)
    for name in teacher_page_names():
        if name in ("classroom:home", "classroom:course_create"):
            continue  # their own pages
        url = url_for(name, course=course, session=session, participant=participant)
        status = getattr(client, method)(url).status_code
        # 405: a page refuses the other method before it looks anything up, so nothing leaks either way.
        assert status in (404, 405), (name, method, status)
    session.refresh_from_db()
    assert session.participants.count() == 1  # nothing was deleted by the other teacher's POSTs


@pytest.mark.django_db
def test_the_owner_gets_their_pages(client, teacher, course, ended_session_with_student):
    """The other side of the 404s above: the same URLs open for the owner (so the test above is not vacuous)."""
    session, participant = ended_session_with_student
    client.force_login(teacher)
    for name in ("classroom:course_detail", "engagement:session_report", "engagement:readings_csv"):
        assert client.get(url_for(name, course=course, session=session, participant=participant)).status_code == 200


# --- admin


@pytest.mark.django_db
def test_admin_pages_need_staff(client, teacher):
    urls = [reverse("admin:index"), reverse("admin:engagement_reading_changelist")]
    for url in urls:
        assert client.get(url)["Location"].startswith(reverse("admin:login"))
    client.force_login(teacher)  # a teacher is not staff
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))
    staff = get_user_model().objects.create_user(username="root", password="x", is_staff=True, is_superuser=True)
    client.force_login(staff)
    assert all(client.get(url).status_code == 200 for url in urls)


# --- student tokens


@pytest.mark.django_db(transaction=True)
async def test_a_token_for_one_session_does_not_open_another(layer, course, student):
    other_session = await sync_to_async(session_start)(course=course, title="Other")
    crossed = participant_token(participant_id=student.pk, session_id=other_session.pk)
    browser = await student_socket(crossed)
    assert (await receive_until(browser, "error"))["code"] == "not_allowed"
    assert await closed_with(browser) == consumers.CLOSE_UNAUTHORIZED


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "forge",
    [
        lambda p: signing.dumps({"p": p.pk, "s": p.session_id}),  # signed, but for another purpose (salt)
        lambda p: signing.dumps({"p": p.pk, "s": p.session_id}, salt="classroom.participant-token", key="guess"),
        lambda p: token_for(p)[:-2] + ("AA" if not token_for(p).endswith("AA") else "BB"),  # tampered signature
        lambda p: signing.dumps({"p": str(p.pk)}, salt="classroom.participant-token"),  # no session in it
    ],
)
async def test_forged_tokens_are_refused(layer, student, forge):
    browser = await student_socket(forge(student))
    assert await closed_with(browser) == consumers.CLOSE_UNAUTHORIZED


@pytest.mark.django_db(transaction=True)
async def test_a_student_who_left_cannot_come_back_with_the_old_token(layer, analyzer, student):
    browser = await joined_student_socket(student)
    await browser.send_json_to({"type": "leave", "delete_my_data": False})
    assert await closed_with(browser) == 1000
    again = await student_socket(token_for(student))
    assert await closed_with(again) == consumers.CLOSE_UNAUTHORIZED


@pytest.mark.django_db
def test_the_student_page_of_another_session_needs_its_own_token(client, course, live_session):
    other = session_start(course=course, title="Other")
    client.post(reverse("classroom:join"), {"code": live_session.code, "display_name": "Mia", "consent": "on"})
    assert client.get(reverse("classroom:student", args=[live_session.pk])).status_code == 200
    assert client.get(reverse("classroom:student", args=[other.pk]))["Location"] == reverse("classroom:join")


# --- origins, headers, CSRF


async def origin_socket(origin: bytes | None, host: bytes | None = b"testserver", **headers: bytes) -> bool:
    from config.asgi import application

    sent = [(b"origin", origin)] if origin is not None else []
    sent += [(b"host", host)] if host is not None else []
    sent += [(name.replace("_", "-").encode(), value) for name, value in headers.items()]
    communicator = WebsocketCommunicator(application, "/ws/student/", headers=sent)
    connected, _ = await communicator.connect()
    await communicator.disconnect()
    return connected


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("origin", "host"),
    [
        (b"http://evil.example", b"testserver"),
        (b"http://127.0.0.1.evil.example", b"127.0.0.1"),
        (None, b"testserver"),
        (b"http://testserver", None),
        (b"http://127.0.0.1:9999", b"127.0.0.1:8000"),  # another port of the same host
        (b"http://127.0.0.1", b"127.0.0.1:8000"),
        (b"https://testserver", b"testserver"),  # another scheme: this server is plain http here
        (b"http://evil.example", b"evil.example"),  # a host not in ALLOWED_HOSTS (DNS rebinding)
        (b"null", b"testserver"),
    ],
)
async def test_websockets_from_a_foreign_origin_are_refused(layer, origin, host):
    assert await origin_socket(origin, host) is False


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("origin", "host"),
    [
        (b"http://testserver", b"testserver"),
        (b"http://127.0.0.1:8000", b"127.0.0.1:8000"),
        (b"http://LOCALHOST:8000", b"localhost:8000"),
    ],
)
async def test_websockets_from_the_sites_own_origin_reach_the_consumer(layer, origin, host):
    # It connects (to say "not allowed" and close with 4001: no token), unlike a foreign origin.
    assert await origin_socket(origin, host) is True


@pytest.mark.django_db(transaction=True)
async def test_behind_a_tls_proxy_only_the_https_origin_is_the_sites(layer, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    host = b"pulse.example.org"
    settings.ALLOWED_HOSTS = [host.decode()]
    assert await origin_socket(b"https://pulse.example.org", host, x_forwarded_proto=b"https") is True
    assert await origin_socket(b"http://pulse.example.org", host, x_forwarded_proto=b"https") is False
    assert await origin_socket(b"https://pulse.example.org:8443", host, x_forwarded_proto=b"https") is False
    assert await origin_socket(b"https://pulse.example.org", host) is False  # the proxy did not say https


@pytest.mark.django_db(transaction=True)
async def test_an_origin_in_csrf_trusted_origins_is_accepted(layer, settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://pulse.example.org"]
    assert await origin_socket(b"https://pulse.example.org", b"10.0.0.5:8001") is True
    assert await origin_socket(b"https://pulse.example.org:444", b"10.0.0.5:8001") is False


@pytest.mark.django_db
def test_pages_carry_a_strict_csp_and_refuse_framing(client, live_session):
    response = client.get(reverse("classroom:join_code", args=[live_session.code]))
    directives = dict(d.strip().split(" ", 1) for d in response["Content-Security-Policy"].split(";"))
    assert response["Content-Security-Policy"] == content_security_policy("testserver")
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in directives["script-src"] and "unsafe-eval" not in directives["script-src"]
    assert directives["frame-ancestors"] == "'none'" and directives["default-src"] == "'self'"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_sockets_may_go_to_this_host_only(client, settings):
    """connect-src once allowed `ws: wss:`, any host: a script injected into a page could have sent what it read
    anywhere over a socket."""
    settings.ALLOWED_HOSTS = ["pulse.example.org"]
    response = client.get(reverse("classroom:join"), HTTP_HOST="pulse.example.org")
    directives = dict(d.strip().split(" ", 1) for d in response["Content-Security-Policy"].split(";"))
    assert directives["connect-src"].split() == ["'self'", "ws://pulse.example.org", "wss://pulse.example.org"]


def test_no_template_has_an_inline_script_or_handler():
    """The CSP forbids them; a template that had one would silently break in the browser."""
    offenders = []
    for template in (ROOT / "templates").rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        for line_no, line in enumerate(text.splitlines(), 1):
            lowered = line.lower()
            if ("<script" in lowered and "src=" not in lowered and 'type="application/json"' not in lowered) or (
                " onclick=" in lowered or " onload=" in lowered or " onsubmit=" in lowered
            ):
                offenders.append(f"{template.relative_to(ROOT)}:{line_no}")
    assert offenders == []


@pytest.mark.django_db
def test_posts_need_a_csrf_token(live_session, teacher):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    joined = client.post(reverse("classroom:join"), {"code": live_session.code, "display_name": "M", "consent": "on"})
    assert joined.status_code == 403
    client.force_login(teacher)
    assert client.post(reverse("classroom:session_end", args=[live_session.pk])).status_code == 403
    live_session.refresh_from_db()
    assert live_session.is_live


# --- production settings (fresh interpreters: settings are read at import)


def django_in_subprocess(code: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL")}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n" + code],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_with_the_default_secret_key():
    result = django_in_subprocess("print('started')", DEBUG="false")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "SECRET_KEY" in result.stderr
    assert "started" not in result.stdout


def test_production_sets_secure_cookies_and_hsts():
    code = """
import json
from django.conf import settings
from django.test import Client
response = Client().get("/join/", secure=True)
print(json.dumps({
    "session_secure": settings.SESSION_COOKIE_SECURE,
    "csrf_secure": settings.CSRF_COOKIE_SECURE,
    "hsts": response.headers.get("Strict-Transport-Security"),
    "proxy_header": settings.SECURE_PROXY_SSL_HEADER,
}))
"""
    result = django_in_subprocess(code, DEBUG="false", SECRET_KEY="a-real-secret-" + "x" * 40)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["session_secure"] is True and found["csrf_secure"] is True
    assert found["hsts"] == "max-age=31536000; includeSubDomains"
    assert found["proxy_header"] == ["HTTP_X_FORWARDED_PROTO", "https"]


# --- join-code guessing


@pytest.mark.django_db
def test_guessing_codes_through_the_join_link_is_rate_limited_too(client, live_session, settings):
    """GET /join/<code>/ shows the class's title for a right code, so wrong guesses there count like POSTs."""
    settings.JOIN_ATTEMPTS_PER_MINUTE = 3
    statuses = [client.get(reverse("classroom:join_code", args=[f"ZZZZZ{i + 2}"])).status_code for i in range(3)]
    assert statuses == [200, 200, 200]
    right = client.get(reverse("classroom:join_code", args=[live_session.code]))
    assert right.status_code == 429 and live_session.title not in right.content.decode()


@pytest.mark.django_db
def test_a_whole_class_behind_one_address_can_join(client, live_session, settings):
    """Right codes don't count towards the limit: 30 students behind one school NAT join in the same minute."""
    settings.JOIN_ATTEMPTS_PER_MINUTE = 5
    statuses = [
        client.post(
            reverse("classroom:join"), {"code": live_session.code, "display_name": f"S{i}", "consent": "on"}
        ).status_code
        for i in range(30)
    ]
    assert statuses == [302] * 30
    assert live_session.participants.count() == 30


# --- the threat model names real tests


def test_every_test_named_in_security_md_exists():
    text = (ROOT / "SECURITY.md").read_text(encoding="utf-8")
    prefixes = {
        "S/": "tests/security/",
        "C/": "tests/classroom/",
        "L/": "tests/live/",
        "E/": "tests/engagement/",
        "I/": "tests/inference/",
        "B/": "tests/e2e/",
    }
    named = re.findall(r"`([SCLEIB]/[a-z_]+\.py)::([a-z0-9_]+)`", text)
    assert len(named) >= 40
    missing = []
    for short_path, test_name in named:
        path = ROOT / (prefixes[short_path[:2]] + short_path[2:])
        source = path.read_text(encoding="utf-8") if path.exists() else ""
        if f"def {test_name}(" not in source:
            missing.append(f"{short_path}::{test_name}")
    assert missing == []
