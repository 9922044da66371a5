import pytest
from django.urls import reverse

from classroom.models import ClassSession, Participant
from classroom.services import session_end

pytestmark = pytest.mark.django_db


def test_teacher_pages_need_login(client, live_session):
    for url in (reverse("classroom:home"), reverse("classroom:session_live", args=[live_session.pk])):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_teacher_creates_a_class_and_starts_a_session(client, teacher):
    client.force_login(teacher)
    response = client.post(reverse("classroom:course_create"), {"name": "Biology 7A", "students_are_minors": "False"})
    course_url = response["Location"]
    assert client.get(course_url).status_code == 200
    course_id = int(course_url.rstrip("/").split("/")[-1])
    response = client.post(
        reverse("classroom:session_start", args=[course_id]),
        {"title": "Cells", "frame_interval_s": "2", "emotion_enabled": "on", "sensitivity": "normal"},
    )
    session = ClassSession.objects.get(course_id=course_id)
    assert response["Location"] == reverse("classroom:session_live", args=[session.pk])
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert session.code in page.content.decode()
    assert page.context["join_url"].endswith(f"/join/{session.code}/")


def test_a_teacher_cannot_open_another_teachers_session(client, other_teacher, live_session):
    client.force_login(other_teacher)
    assert client.get(reverse("classroom:session_live", args=[live_session.pk])).status_code == 404
    assert client.get(reverse("classroom:course_detail", args=[live_session.course_id])).status_code == 404
    assert client.post(reverse("classroom:session_end", args=[live_session.pk])).status_code == 404


def test_a_student_joins_with_the_code_and_consent(client, live_session):
    response = client.post(
        reverse("classroom:join"),
        {"code": live_session.code.lower(), "display_name": "  Mia  Lopez ", "consent": "on"},
    )
    assert response["Location"] == reverse("classroom:student", args=[live_session.pk])
    participant = Participant.objects.get(session=live_session)
    assert participant.display_name == "Mia Lopez"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert page.context["ws_path"].startswith("/ws/student/?token=")


def test_joining_without_consent_is_refused(client, live_session):
    response = client.post(reverse("classroom:join"), {"code": live_session.code, "display_name": "Mia"})
    assert response.status_code == 400
    assert not Participant.objects.exists()


def test_a_wrong_join_code_gets_a_clear_error(client, live_session):
    response = client.post(reverse("classroom:join"), {"code": "ZZZZZZ", "display_name": "Mia", "consent": "on"})
    assert response.status_code == 400
    assert "No live class with that code" in response.content.decode()


def test_an_ended_session_cannot_be_joined(client, live_session):
    session_end(session=live_session)
    response = client.post(reverse("classroom:join"), {"code": live_session.code, "display_name": "M", "consent": "on"})
    assert response.status_code == 400


def test_join_attempts_are_rate_limited(client, live_session, settings):
    settings.JOIN_ATTEMPTS_PER_MINUTE = 3
    statuses = [
        client.post(reverse("classroom:join"), {"code": "ZZZZZ2", "display_name": "x", "consent": "on"}).status_code
        for _ in range(5)
    ]
    assert statuses[:3] == [400, 400, 400]
    assert statuses[3:] == [429, 429]


def test_the_student_page_without_joining_sends_you_to_join(client, live_session):
    response = client.get(reverse("classroom:student", args=[live_session.pk]))
    assert response["Location"] == reverse("classroom:join")


def test_the_join_page_says_what_is_collected(client, live_session):
    page = client.get(reverse("classroom:join_code", args=[live_session.code])).content.decode()
    assert "never saved" in page


@pytest.mark.parametrize(("detector", "told"), [("blazeface", True), ("haar", False)])
def test_students_are_told_about_the_head_pose_exactly_when_it_is_estimated(
    client, live_session, settings, detector: str, told: bool
):
    settings.FACE_DETECTOR = detector
    page = client.get(reverse("classroom:join_code", args=[live_session.code])).content.decode()
    assert ("estimates which way your head is turned" in page) is told
