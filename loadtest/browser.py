"""One simulated browser: the stdlib HTTP client (never through a proxy) with its own cookie jar, the join
flow a student goes through, and the teacher's dashboard socket."""

from __future__ import annotations

import asyncio
import html
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from http.cookiejar import CookieJar
from typing import Any
from urllib.error import HTTPError
from urllib.parse import urlencode, urljoin, urlsplit
from urllib.request import HTTPCookieProcessor, ProxyHandler, Request, build_opener

_TOKEN_IN_PAGE = re.compile(r"/ws/student/\?token=([A-Za-z0-9_\-:.]+)")
_CSRF_IN_FORM = re.compile(r'name="csrfmiddlewaretoken"\s+value="([^"]+)"')
_STUDENT_PAGE = re.compile(r"/sessions/(\d+)/student/")


class JoinError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class Browser:
    """A cookie jar and the stdlib HTTP client, with no proxy (the simulator talks to loopback)."""

    def __init__(self, base_url: str, *, timeout_s: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.jar = CookieJar()
        self.opener = build_opener(ProxyHandler({}), HTTPCookieProcessor(self.jar))
        self.timeout_s = timeout_s

    def request(self, path: str, form: dict[str, str] | None = None) -> tuple[int, str, str]:
        """(status, final URL after redirects, body text); HTTP errors are returned, not raised."""
        data = urlencode(form).encode() if form is not None else None
        request = Request(urljoin(self.base_url + "/", path.lstrip("/")), data=data)
        try:
            with self.opener.open(request, timeout=self.timeout_s) as response:
                return response.status, response.url, response.read().decode(errors="replace")
        except HTTPError as exc:
            return exc.code, exc.url, exc.read().decode(errors="replace")

    def cookie(self, name: str) -> str | None:
        return next((c.value for c in self.jar if c.name == name), None)

    def csrf(self, page: str) -> str:
        found = _CSRF_IN_FORM.search(page)
        token = found[1] if found else self.cookie("csrftoken")
        if not token:
            raise JoinError("no_csrf", "no CSRF token in the form or cookies")
        return token

    def login(self, username: str, password: str) -> None:
        _, _, page = self.request("/accounts/login/")
        form = {"username": username, "password": password, "csrfmiddlewaretoken": self.csrf(page), "next": "/"}
        status, url, _ = self.request("/accounts/login/", form)
        if urlsplit(url).path.startswith("/accounts/login") or self.cookie("sessionid") is None:
            raise JoinError("login_failed", f"teacher login as {username!r} failed (HTTP {status})")


@dataclass(frozen=True)
class Joined:
    base_url: str
    session_id: int
    token: str


def student_join(
    base_url: str, code: str, name: str, *, token_lookup: Callable[[str, int], str | None] | None = None
) -> Joined:
    """The join flow a browser goes through; returns the socket token. Raises JoinError.

    GET /join/<code>/ (CSRF cookie), POST /join/ (code, name, consent), follow the redirect to the
    student page and read the token from its `ws/student/?token=` path. If that page cannot be read,
    `token_lookup(session cookie, session id)` may find the token in the server's session store.
    """
    browser = Browser(base_url)
    _, _, page = browser.request(f"/join/{code}/")
    form = {"code": code, "display_name": name, "consent": "on", "csrfmiddlewaretoken": browser.csrf(page)}
    status, url, page = browser.request("/join/", form)
    if status == 429:
        raise JoinError("join_rate_limited", "the server's JOIN_ATTEMPTS_PER_MINUTE limit was hit")
    on_student_page = _STUDENT_PAGE.search(urlsplit(url).path)
    if on_student_page is None:
        raise JoinError("join_refused", f"the join form was refused (HTTP {status})")
    session_id = int(on_student_page[1])
    found = _TOKEN_IN_PAGE.search(html.unescape(page)) if status == 200 else None
    token = found[1] if found else None
    session_key = browser.cookie("sessionid")
    if token is None and token_lookup is not None and session_key:
        token = token_lookup(session_key, session_id)
    if token is None:
        raise JoinError("no_token", f"no socket token on the student page (HTTP {status})")
    return Joined(base_url, session_id, token)


def ws_url(base_url: str, path: str) -> str:
    parts = urlsplit(base_url)
    return f"{'wss' if parts.scheme == 'https' else 'ws'}://{parts.netloc}{path}"


def origin_of(base_url: str) -> str:
    parts = urlsplit(base_url)
    return f"{parts.scheme}://{parts.netloc}"


async def teacher_snapshot(base_url: str, teacher: tuple[str, str], session_id: int) -> dict[str, Any]:
    """The dashboard `snapshot` a teacher who opens the live page on `base_url` gets now."""
    from websockets.asyncio.client import connect

    browser = Browser(base_url)
    await asyncio.to_thread(browser.login, *teacher)
    cookies = "; ".join(f"{c.name}={c.value}" for c in browser.jar)
    url = ws_url(base_url, f"/ws/teacher/sessions/{session_id}/")
    async with connect(url, origin=origin_of(base_url), additional_headers={"Cookie": cookies}, proxy=None) as ws:  # type: ignore[arg-type]
        while True:
            message = json.loads(await asyncio.wait_for(ws.recv(), timeout=30))
            if message.get("type") in ("snapshot", "error"):
                return message
