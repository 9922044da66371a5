"""What students are told is what happens: the consent text, the camera as a separate choice, the paused camera,
leaving, the ended class and Back after leaving."""

import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from classroom.models import Participant
from classroom.services import session_end, session_start

pytestmark = pytest.mark.django_db

STUDENT_JS = (Path(__file__).resolve().parents[2] / "static" / "js" / "student.js").read_text()


def join(client: Client, session, *, camera: bool = False, name: str = "Mia") -> Participant:
    form = {"code": session.code, "display_name": name, "consent": "on"} | ({"camera": "on"} if camera else {})
    response = client.post(reverse("classroom:join"), form)
    assert response["Location"] == reverse("classroom:student", args=[session.pk])
    return Participant.objects.get(session=session, display_name=name)


def text_of(response) -> str:
    """The words a student reads: the page without its tags and without its scripts' data."""
    page = re.sub(r"<script\b.*?</script>", " ", response.content.decode(), flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())


def test_the_consent_text_says_what_the_teacher_sees_keeps_and_does_not_do(client, live_session, settings):
    settings.READING_RETENTION_DAYS = 30
    page = text_of(client.get(reverse("classroom:join_code", args=[live_session.code])))
    for told in (
        "Your teacher sees your name",
        "Happy, Neutral or Sad next to your name",
        "an engagement score from 0 to 100 next to your name",
        "Confused, Bored, Away or Tab hidden",
        "a report of this class that names you",
        "download it as spreadsheets (CSV)",
        "The detailed readings are kept for 30 days",
        "until your teacher deletes it",
        "Nothing here is a grade",
        "With the camera on, paused or off, the page also tells the server whether this tab is visible",
        "never saved",
        "your name included",
    ):
        assert told in page, told


def test_without_emotion_estimates_the_consent_text_names_no_emotion_label(client, course):
    session = session_start(course=course, title="Quiet", emotion_enabled=False)
    page = text_of(client.get(reverse("classroom:join_code", args=[session.code])))
    assert "No emotion is estimated" in page and "Bored, Away or Tab hidden" in page
    assert "Happy" not in page and "Confused, Bored" not in page


def test_the_camera_is_a_separate_optional_choice(client, live_session):
    form = client.get(reverse("classroom:join_code", args=[live_session.code])).context["form"]
    assert form.fields["consent"].required and not form.fields["camera"].required
    assert "camera" not in form.fields["consent"].label.lower()  # joining is not agreeing to the camera

    without = Client()
    join(without, live_session, name="Noor")
    page = without.get(reverse("classroom:student", args=[live_session.pk]))
    assert 'data-camera-start="false"' in page.content.decode()
    assert "without it you still take part" in text_of(page)


def test_choosing_the_camera_when_joining_starts_it_once(client, live_session):
    join(client, live_session, camera=True)
    url = reverse("classroom:student", args=[live_session.pk])
    assert 'data-camera-start="true"' in client.get(url).content.decode()
    assert 'data-camera-start="false"' in client.get(url).content.decode()  # a reload does not start it again


def test_the_paused_camera_says_what_is_still_sent(client, live_session):
    join(client, live_session)
    page = text_of(client.get(reverse("classroom:student", args=[live_session.pk])))
    assert "Nothing is being sent" not in page
    assert "No snapshots are sent. Your teacher still sees whether this tab is open and in use." in page
    # What the page sends while paused: the attention signals, every interval (sendHeartbeat).
    assert "nothing is being sent" not in STUDENT_JS.lower()
    heartbeat = STUDENT_JS[STUDENT_JS.index("function attentionMessage") :][:400]
    assert all(signal in heartbeat for signal in ("visible:", "focused:", "idle_s:", "camera:"))


def test_leaving_ends_on_a_page_that_says_so_and_still_offers_deletion(client, live_session):
    mia = join(client, live_session)
    response = client.post(reverse("classroom:student_leave", args=[live_session.pk]))
    assert response["Location"] == reverse("classroom:student", args=[live_session.pk])
    mia.refresh_from_db()
    assert mia.left_at is not None

    page = client.get(response["Location"])  # also what Back shows: asked again, never from a cache
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    assert "You have left the class" in text_of(page)
    delete_url = reverse("classroom:student_data_delete", args=[live_session.pk])
    assert delete_url in page.content.decode()

    client.post(delete_url)
    assert not Participant.objects.filter(pk=mia.pk).exists()
    assert "Your data from this class was deleted" in text_of(client.get(response["Location"]))


def test_the_ended_class_page_keeps_delete_my_data(client, live_session):
    mia = join(client, live_session)
    live_page = client.get(reverse("classroom:student", args=[live_session.pk])).content.decode()
    assert 'id="ended-delete-form"' in live_page  # the live page's own "class ended" panel offers it too
    session_end(session=live_session)

    page = client.get(reverse("classroom:student", args=[live_session.pk]))
    assert "The class has ended" in text_of(page)
    delete_url = reverse("classroom:student_data_delete", args=[live_session.pk])
    assert delete_url in page.content.decode()
    client.post(delete_url)
    assert not Participant.objects.filter(pk=mia.pk).exists()


def test_leaving_needs_this_browsers_own_token(client, student, live_session):
    response = client.post(reverse("classroom:student_leave", args=[live_session.pk]))
    assert response["Location"] == reverse("classroom:join")
    student.refresh_from_db()
    assert student.left_at is None


def test_the_optional_note_comes_before_the_buttons_it_is_sent_with(client, live_session):
    join(client, live_session)
    page = client.get(reverse("classroom:student", args=[live_session.pk])).content.decode()
    assert page.index('id="voice-text"') < page.index('class="voice-buttons"')
