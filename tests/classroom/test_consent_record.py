"""The consent record: each participant keeps which version of the notice, in which language, they consented to,
and when; the notice says what India's DPDP Act and Rules ask it to say (docs/privacy.md)."""

import hashlib
import html
import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from classroom.models import ClassSession, Course, Participant
from classroom.notice import NOTICE_VERSION, privacy_notice
from classroom.services import session_start

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    page = re.sub(r"<script\b.*?</script>", " ", response.content.decode(), flags=re.S)
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", page).split()))


def join(client: Client, session: ClassSession, name: str = "Mia", **extra: str):
    return client.post(
        reverse("classroom:join"), {"code": session.code, "display_name": name, "consent": "on", **extra}
    )


def choose_language(client: Client, language: str) -> None:
    response = client.post(reverse("set_language"), {"language": language, "next": reverse("classroom:join")})
    assert response.status_code == 302 and response.cookies[settings.LANGUAGE_COOKIE_NAME].value == language


def test_a_participant_keeps_the_notice_version_and_language_they_consented_to_and_when(client, live_session):
    before = timezone.now()
    assert join(client, live_session, "Mia").status_code == 302
    mia = Participant.objects.get(display_name="Mia")
    assert (mia.notice_version, mia.notice_language) == (NOTICE_VERSION, "en")
    assert before <= mia.consented_at <= timezone.now()

    reader = Client()
    choose_language(reader, "hi")
    page = reader.get(reverse("classroom:join_code", args=[live_session.code]))
    assert '<html lang="hi" dir="ltr">' in page.content.decode()
    assert "यह कक्षा क्या जानकारी लेती है" in text_of(page)  # the notice itself, in Hindi
    assert join(reader, live_session, "अनन्या").status_code == 302
    ananya = Participant.objects.get(display_name="अनन्या")
    assert (ananya.notice_version, ananya.notice_language) == (NOTICE_VERSION, "hi")


def test_the_browsers_language_is_the_notices_until_the_reader_chooses(live_session):
    browser = Client(headers={"accept-language": "hi-IN,hi;q=0.9,en;q=0.5"})
    assert "यह कक्षा क्या जानकारी लेती है" in text_of(browser.get(reverse("classroom:join_code", args=[live_session.code])))
    assert join(browser, live_session, "Ravi").status_code == 302
    assert Participant.objects.get(display_name="Ravi").notice_language == "hi"

    choose_language(browser, "en")  # their own choice wins over the browser's
    assert "What this class collects" in text_of(browser.get(reverse("classroom:join_code", args=[live_session.code])))


def test_the_notice_is_itemised_as_the_dpdp_act_asks(client, live_session, settings):
    """DPDP Act s. 5(1), s. 6(3)-(4) and Rules r. 3: what is collected, what for, how to withdraw consent (as
    easily as it was given), how to exercise one's rights, how to complain to the Board, and whom to ask."""
    settings.PRIVACY_CONTACT = "Ms Rao, privacy@school.example"
    page = text_of(client.get(reverse("classroom:join_code", args=[live_session.code])))
    for told in (
        "What is collected",
        "What it is for, and for how long",
        "It is used only to show your teacher how the class is going",
        "You can withdraw your consent at any time, as easily as you gave it",
        "“Leave and delete my data”",
        "To see, correct or delete what is recorded about you, ask Ms Rao, privacy@school.example.",
        "you can complain to the Data Protection Board of India",
    ):
        assert told in page, told


def test_without_a_contact_the_notice_names_the_teacher_or_the_school(client, live_session, settings):
    settings.PRIVACY_CONTACT = ""
    page = text_of(client.get(reverse("classroom:join_code", args=[live_session.code])))
    assert "ask your teacher or your school's office." in page


def test_the_notice_can_be_read_in_every_language_from_the_notice_itself(client, live_session):
    page = client.get(reverse("classroom:join_code", args=[live_session.code])).content.decode()
    switch = re.search(r'<p class="privacy__languages.*?</p>', page, re.S)
    assert switch, "no language choice beside the notice"
    assert 'form="language-switcher"' in switch[0] and 'value="hi"' in switch[0]
    assert re.search(r'<form[^>]+id="language-switcher"[^>]+action="/i18n/setlang/"', page)


# The English notice, for every kind of session, as NOTICE_VERSION names it. When this changes, what students are
# told changed: give the notice a new NOTICE_VERSION (and update this digest), so that consent records name the
# text their students read.
def _notice_text() -> str:
    course = Course(name="Physics", students_are_minors=False)
    minors = Course(name="Physics", students_are_minors=True)
    sessions = [None]
    for emotion in (True, False):
        for snapshots in (True, False):
            sessions.append(ClassSession(course=course, emotion_enabled=emotion, show_snapshots=snapshots))
    sessions.append(ClassSession(course=minors, emotion_enabled=False, frame_interval_s=1.0))
    with translation.override("en"):
        return "\n".join(
            f"{section.title}: {' | '.join(section.items)}"
            for session in sessions
            for section in privacy_notice(session)
        )


def test_a_changed_notice_gets_a_new_version(settings):
    settings.READING_RETENTION_DAYS = 180
    settings.PRIVACY_CONTACT = ""
    settings.EMOTION_INFERENCE = "per-session"
    digest = hashlib.sha256(_notice_text().encode()).hexdigest()[:16]
    assert (NOTICE_VERSION, digest) == ("2026-12", "ab537519e61115fe"), (
        "The privacy notice's text changed: set a new NOTICE_VERSION in classroom/notice.py and pin the new digest "
        f"here ({digest})."
    )


def test_an_old_participant_without_a_versioned_notice_keeps_an_empty_record(live_session):
    """Participants who joined before notices had versions keep "" (the migration's default): never a guess."""
    old = Participant.objects.create(session=live_session, display_name="Old", consented_at=timezone.now())
    assert (old.notice_version, old.notice_language, old.guardian_consent) == ("", "", None)


def test_the_interval_is_said_in_the_readers_numbers(course):
    session = session_start(course=course, frame_interval_s=1.5)
    with translation.override("hi"):
        collected = privacy_notice(session)[0].items
    assert any("हर 1.5 सेकंड में" in item for item in collected)
