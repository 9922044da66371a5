"""Who may open reports and exports: the class's teacher and staff; another teacher gets 404, a student or an
anonymous visitor the login page."""

import pytest
from django.urls import reverse

from classroom.models import ClassSession, Participant
from classroom.services import participant_join, session_start
from engagement.models import Reading
from tests.engagement.conftest import Scripted, ended_session

pytestmark = pytest.mark.django_db

SESSION_PAGES = ["session_report", "readings_csv", "flags_csv", "report_json", "report_print"]


def report_urls(scripted: Scripted) -> list[str]:
    session_id = scripted.session.pk
    return [reverse(f"engagement:{name}", args=[session_id]) for name in SESSION_PAGES]


def delete_urls(scripted: Scripted) -> list[str]:
    session_id = scripted.session.pk
    return [
        reverse("engagement:session_delete", args=[session_id]),
        reverse("engagement:participant_data_delete", args=[session_id, scripted.ana.pk]),
    ]


def history_url(scripted: Scripted) -> str:
    return reverse("engagement:course_history", args=[scripted.session.course_id])


def test_the_teacher_opens_every_report_and_export(client, teacher, scripted):
    client.force_login(teacher)
    for url in [*report_urls(scripted), history_url(scripted)]:
        assert client.get(url).status_code == 200, url


def test_another_teacher_gets_404_everywhere(client, other_teacher, scripted):
    client.force_login(other_teacher)
    for url in [*report_urls(scripted), history_url(scripted)]:
        assert client.get(url).status_code == 404, url
    for url in delete_urls(scripted):
        assert client.post(url).status_code == 404, url
    assert ClassSession.objects.filter(pk=scripted.session.pk).exists()
    assert Participant.objects.filter(pk=scripted.ana.pk).exists()


def test_staff_see_every_class(client, staff, scripted):
    client.force_login(staff)
    for url in [*report_urls(scripted), history_url(scripted)]:
        assert client.get(url).status_code == 200, url


def test_anonymous_visitors_are_sent_to_log_in(client, scripted):
    for url in [*report_urls(scripted), history_url(scripted)]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), url
    for url in delete_urls(scripted):
        assert client.post(url).status_code == 302
    assert Reading.objects.filter(session=scripted.session).exists()


def test_a_student_who_joined_cannot_open_any_report(client, course, scripted):
    live = session_start(course=course, title="Live now")
    response = client.post(reverse("classroom:join"), {"code": live.code, "display_name": "Mia", "consent": "on"})
    assert response.status_code == 302  # joined: the browser holds a participant token, not a login
    live_urls = [reverse(f"engagement:{name}", args=[live.pk]) for name in SESSION_PAGES]
    for url in [*report_urls(scripted), *live_urls, history_url(scripted)]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), url
    assert client.post(reverse("engagement:session_delete", args=[live.pk])).status_code == 302
    assert ClassSession.objects.filter(pk=live.pk).exists()


def test_a_participant_of_another_session_is_404(client, teacher, course, scripted):
    other = participant_join(session=ended_session(course, "Other"), display_name="Eve")
    client.force_login(teacher)
    url = reverse("engagement:participant_data_delete", args=[scripted.session.pk, other.pk])
    assert client.post(url).status_code == 404
    assert Participant.objects.filter(pk=other.pk).exists()


def test_deletes_need_post(client, teacher, scripted):
    client.force_login(teacher)
    for url in delete_urls(scripted):
        assert client.get(url).status_code == 405
    assert client.post(report_urls(scripted)[0]).status_code == 405


def test_unknown_sessions_and_classes_are_404(client, teacher):
    client.force_login(teacher)
    assert client.get(reverse("engagement:session_report", args=[999_999])).status_code == 404
    assert client.get(reverse("engagement:course_history", args=[999_999])).status_code == 404
