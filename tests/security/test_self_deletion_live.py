"""Finding 3 of the attack run (issue 14), the live part: a student's own deletion clears their live record in
the shared cache at once and takes their tile off an open dashboard; a self-report or poll answer sent after it
gets a clear error and stores nothing. On both channel layers and caches; on SQLite and PostgreSQL."""

import pytest
from channels.db import database_sync_to_async
from django.core.cache import cache

from classroom.services import participant_leave
from engagement.models import PollAnswer, SelfReport
from engagement.services import poll_open
from live.records import student_key
from tests.live.conftest import fake_jpeg
from tests.live.sockets import (
    closed_with,
    joined_student_socket,
    per_tile,
    receive_until,
    teacher_socket,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("no_rate_slack")]


async def test_deleting_clears_the_live_record_and_the_tile_at_once(layer, analyzer, teacher, student):
    dashboard = await teacher_socket(teacher, student.session_id)
    await receive_until(dashboard, "snapshot")
    browser = await joined_student_socket(student)
    await browser.send_to(bytes_data=fake_jpeg("happy"))
    await browser.send_json_to({"type": "self_report", "kind": "confused", "text": "my private note"})
    await receive_until(dashboard, "student.update", where=lambda m: m["student"]["last_report"] is not None)
    assert (await database_sync_to_async(cache.get)(student_key(student.pk)))["name"] == "Mia"

    await browser.send_json_to({"type": "leave", "delete_my_data": True})
    removed = await receive_until(dashboard, "student.removed")
    assert removed == {"type": "student.removed", "participant_id": student.pk}
    assert await closed_with(browser) == 1000
    await browser.disconnect()  # the socket's end reaches the worker: it must not bring the record or tile back
    while not await dashboard.receive_nothing(timeout=0.5):
        message = await dashboard.receive_json_from()
        assert all(tile["student"]["id"] != student.pk for tile in per_tile(message) if "student" in tile), message
    assert await database_sync_to_async(cache.get)(student_key(student.pk)) is None
    await dashboard.disconnect()


@pytest.mark.parametrize("command", ["self_report", "poll.answer"])
async def test_a_command_sent_after_deletion_gets_a_clear_error_and_stores_nothing(layer, analyzer, student, command):
    """Deleted from another tab: no close has reached this socket yet."""
    poll = await database_sync_to_async(poll_open)(session_id=student.session_id, question="Clear?")
    browser = await joined_student_socket(student)
    await database_sync_to_async(participant_leave)(participant_id=student.pk, delete_data=True)
    if command == "self_report":
        await browser.send_json_to({"type": "self_report", "kind": "confused", "text": "still here?"})
    else:
        await browser.send_json_to({"type": "poll.answer", "poll_id": poll["id"], "answer": "yes"})
    assert (await receive_until(browser, "error"))["code"] == "left"
    assert await closed_with(browser) == 1000
    await browser.disconnect()
    assert await database_sync_to_async(SelfReport.objects.count)() == 0
    assert await database_sync_to_async(PollAnswer.objects.count)() == 0
