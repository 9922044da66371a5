"""The class timeline and alert are recomputed at most once per SESSION_REFRESH_S, and a put-off refresh
still reaches the teacher once it is due."""

import pytest
from asgiref.sync import sync_to_async

from classroom.services import participant_join
from live import consumers
from live.engine import engine
from tests.classroom.conftest import token_for
from tests.live.conftest import fake_jpeg
from tests.live.sockets import receive_until, student_socket, teacher_socket

pytestmark = [pytest.mark.django_db(transaction=True)]


async def test_a_refresh_within_the_interval_is_put_off_then_delivered(
    layer, analyzer, settings, monkeypatch, teacher, student
):
    settings.SESSION_REFRESH_S = 1
    settings.TIMELINE_BUCKET_S = 10**9  # both snapshots in one bucket, whatever the clock says
    monkeypatch.setattr(consumers, "RATE_SLACK", 0.0)
    second = await sync_to_async(participant_join)(session=student.session, display_name="Noah")
    dashboard = await teacher_socket(teacher, student.session_id)
    await receive_until(dashboard, "snapshot")
    first_browser = await student_socket(token_for(student))
    second_browser = await student_socket(token_for(second))
    await receive_until(first_browser, "hello")
    await receive_until(second_browser, "hello")

    await first_browser.send_to(bytes_data=fake_jpeg("happy"))
    first_point = await receive_until(dashboard, "timeline.point")
    assert first_point["point"]["present"] == 1
    await second_browser.send_to(bytes_data=fake_jpeg("sad"))
    # Noah's tile from his snapshot (his join's tile may come later than Mia's snapshot: events are batched).
    await receive_until(
        dashboard, "student.update", where=lambda m: m["student"]["name"] == "Noah" and m["student"]["last_seen"]
    )
    assert engine().refreshes.is_pending(student.session_id)  # refreshed less than a second ago: put off, not dropped
    later_point = await receive_until(dashboard, "timeline.point", timeout=5)
    assert later_point["point"]["present"] == 2
    assert set(later_point["point"]["shares"]) >= {"happy", "sad"}
    assert not engine().refreshes.is_pending(student.session_id)
    for communicator in (first_browser, second_browser, dashboard):
        await communicator.disconnect()
