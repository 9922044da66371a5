"""Finding 7 of the attack run (issue 14): a teacher's dashboard socket does not outlive their log-out. Logging
out closes every dashboard socket of theirs (4001), and a command on a socket whose log-in is gone is refused."""

import pytest
from asgiref.sync import sync_to_async
from django.test import Client
from django.urls import reverse

from classroom.models import ClassSession
from live import consumers
from tests.live.sockets import closed_with, logged_in, receive_until, teacher_socket

pytestmark = [pytest.mark.django_db(transaction=True)]


async def test_logging_out_closes_the_teachers_dashboard_sockets(layer, teacher, other_teacher, student, course):
    browser = await sync_to_async(logged_in)(teacher)
    first = await teacher_socket(teacher, student.session_id, client=browser)
    second = await teacher_socket(teacher, student.session_id, client=browser)
    other_teacher.is_staff = True  # staff may watch every class: a dashboard of someone else on the same session
    await sync_to_async(other_teacher.save)()
    other = await teacher_socket(other_teacher, student.session_id)
    for dashboard in (first, second, other):
        await receive_until(dashboard, "snapshot")

    await sync_to_async(browser.post)(reverse("logout"))
    assert await closed_with(first) == consumers.CLOSE_UNAUTHORIZED
    assert await closed_with(second) == consumers.CLOSE_UNAUTHORIZED
    await other.send_json_to({"type": "settings", "sensitivity": "high"})
    assert (await receive_until(other, "settings"))["sensitivity"] == "high"  # another teacher's stays
    for dashboard in (first, second, other):
        await dashboard.disconnect()


async def test_a_command_on_a_socket_whose_log_in_is_gone_is_refused(layer, teacher, student):
    """The log-out's message may not reach the socket (another process, the channel layer down): each command
    checks the log-in again."""
    browser = await sync_to_async(logged_in)(teacher)
    dashboard = await teacher_socket(teacher, student.session_id, client=browser)
    await receive_until(dashboard, "snapshot")
    await sync_to_async(browser.session.flush)()  # the session is gone, no signal sent
    await dashboard.send_json_to({"type": "session.end"})
    assert (await receive_until(dashboard, "error"))["code"] == "not_allowed"
    assert await closed_with(dashboard) == consumers.CLOSE_UNAUTHORIZED
    await dashboard.disconnect()
    session = await sync_to_async(ClassSession.objects.get)(pk=student.session_id)
    assert session.status == ClassSession.Status.LIVE


def test_logged_in_makes_a_real_session(teacher):
    browser = logged_in(teacher)
    assert isinstance(browser, Client) and browser.session.session_key
