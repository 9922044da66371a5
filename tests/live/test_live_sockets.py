"""The live loop through real consumers, the real worker and the channel layer (memory and Redis),
with a fake analyzer in place of the model."""

import pytest
from asgiref.sync import sync_to_async

from classroom.services import participant_join, session_end, session_start
from engagement.models import Reading
from live import consumers
from ops.metrics import sample_total
from tests.classroom.conftest import token_for
from tests.live.conftest import fake_jpeg
from tests.live.sockets import closed_with, joined_student_socket, receive_until, student_socket, teacher_socket

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("no_rate_slack")]


async def test_a_students_snapshot_reaches_the_teacher_dashboard(layer, analyzer, teacher, student):
    dashboard = await teacher_socket(teacher, student.session_id)
    snapshot = await receive_until(dashboard, "snapshot")
    assert [tile["name"] for tile in snapshot["students"]] == ["Mia"]

    browser = await student_socket(token_for(student))
    hello = await receive_until(browser, "hello")
    assert hello["protocol"] == 1 and hello["participant"]["name"] == "Mia"

    await browser.send_to(bytes_data=fake_jpeg("happy"))
    update = await receive_until(dashboard, "student.update", where=lambda m: m["student"]["emotion"] is not None)
    assert update["student"]["name"] == "Mia"
    assert update["student"]["emotion"] == "happy"
    point = await receive_until(dashboard, "timeline.point")
    assert point["point"]["present"] == 1
    assert max(point["point"]["shares"], key=point["point"]["shares"].get) == "happy"
    assert await sync_to_async(Reading.objects.filter(participant=student).count)() == 1
    await browser.disconnect()
    await dashboard.disconnect()


async def test_a_disconnected_student_shows_as_disconnected(layer, analyzer, teacher, student):
    dashboard = await teacher_socket(teacher, student.session_id)
    await receive_until(dashboard, "snapshot")
    browser = await joined_student_socket(student)
    await receive_until(dashboard, "student.update", where=lambda m: m["student"]["status"] != "disconnected")
    await browser.disconnect()
    update = await receive_until(dashboard, "student.update", where=lambda m: m["student"]["status"] == "disconnected")
    assert update["student"]["name"] == "Mia"
    await dashboard.disconnect()


@pytest.mark.parametrize("token", [None, "", "not-a-token", "eyJwIjoxLCJzIjoxfQ:bad:signature"])
async def test_a_wrong_token_is_refused_with_4001(layer, student, token):
    browser = await student_socket(token)
    error = await receive_until(browser, "error")
    assert error["code"] == "not_allowed"
    assert await closed_with(browser) == consumers.CLOSE_UNAUTHORIZED


async def test_an_expired_token_is_refused_with_4001(layer, student, settings):
    settings.PARTICIPANT_TOKEN_MAX_AGE_S = -1
    browser = await student_socket(token_for(student))
    assert (await receive_until(browser, "error"))["code"] == "not_allowed"
    assert await closed_with(browser) == consumers.CLOSE_UNAUTHORIZED


async def test_a_closed_session_refuses_students_with_4004(layer, student):
    await sync_to_async(session_end)(session=student.session)
    browser = await student_socket(token_for(student))
    assert (await receive_until(browser, "error"))["code"] == "not_allowed"
    assert await closed_with(browser) == consumers.CLOSE_NOT_LIVE


async def test_a_teacher_cannot_watch_someone_elses_session(layer, other_teacher, student):
    dashboard = await teacher_socket(other_teacher, student.session_id)
    assert (await receive_until(dashboard, "error"))["code"] == "not_allowed"
    assert await closed_with(dashboard) == consumers.CLOSE_FORBIDDEN


async def test_an_anonymous_dashboard_socket_is_refused(layer, student):
    from django.contrib.auth.models import AnonymousUser

    dashboard = await teacher_socket(AnonymousUser(), student.session_id)
    assert await closed_with(dashboard) == consumers.CLOSE_UNAUTHORIZED


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        (b"GIF89a not a jpeg", "not_jpeg"),
        (b"\xff\xd8\xff" + b"x" * (300 * 1024), "frame_too_large"),
    ],
)
async def test_a_bad_frame_gets_an_error_and_the_socket_stays_up(layer, analyzer, student, payload, code):
    browser = await joined_student_socket(student)
    await browser.send_to(bytes_data=payload)
    assert (await receive_until(browser, "error"))["code"] == code
    await browser.send_to(bytes_data=fake_jpeg("happy"))
    quality = await receive_until(browser, "quality")
    assert quality["state"] == "ok"
    assert analyzer.calls == [(1, True)]
    await browser.disconnect()


async def test_a_corrupt_jpeg_is_reported_and_stores_nothing(layer, analyzer, student):
    browser = await joined_student_socket(student)
    await browser.send_to(bytes_data=fake_jpeg("corrupt"))
    error = await receive_until(browser, "error")
    assert error["code"] == "bad_frame"
    assert await sync_to_async(Reading.objects.count)() == 0
    await browser.disconnect()


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("{not json", "bad_json"),
        ("[1, 2]", "bad_json"),
        ('{"type": "launch.missiles"}', "unknown_type"),
        ('{"type": "self_report", "kind": "sleepy"}', "bad_message"),
        ('{"type": "attention", "camera": "on", "idle_s": -3}', "bad_message"),
        ('{"type": "poll.answer", "poll_id": "x", "answer": "yes"}', "bad_message"),
        ("x" * 5000, "bad_message"),
    ],
)
async def test_bad_messages_get_a_clear_error_code(layer, student, text, code):
    browser = await joined_student_socket(student)
    await browser.send_to(text_data=text)
    assert (await receive_until(browser, "error"))["code"] == code
    await browser.send_to(text_data='{"type": "attention", "visible": true, "focused": true, "camera": "on"}')
    assert await browser.receive_nothing(timeout=0.2)
    await browser.disconnect()


async def test_frames_faster_than_the_interval_are_dropped_and_counted(layer, analyzer, student, monkeypatch):
    monkeypatch.setattr(consumers, "RATE_SLACK", 0.75)
    refused = sample_total("pulse_refused_total", limit="frame_rate")
    browser = await joined_student_socket(student)
    await browser.send_to(bytes_data=fake_jpeg("happy"))
    await browser.send_to(bytes_data=fake_jpeg("sad"))
    assert (await receive_until(browser, "error"))["code"] == "rate_limited"
    assert sample_total("pulse_refused_total", limit="frame_rate") == refused + 1
    await browser.disconnect()


async def test_a_second_socket_replaces_the_first(layer, analyzer, student):
    first = await joined_student_socket(student)
    second = await joined_student_socket(student)
    assert await closed_with(first) == consumers.CLOSE_TOO_MANY_SOCKETS
    await second.disconnect()


async def test_students_of_two_sessions_never_see_each_others_data(layer, analyzer, teacher, course, student):
    other_session = await sync_to_async(session_start)(course=course, title="Other class", frame_interval_s=1.0)
    other_student = await sync_to_async(participant_join)(session=other_session, display_name="Noah")
    dashboard_a = await teacher_socket(teacher, student.session_id)
    dashboard_b = await teacher_socket(teacher, other_session.pk)
    await receive_until(dashboard_a, "snapshot")
    snapshot_b = await receive_until(dashboard_b, "snapshot")
    assert [tile["name"] for tile in snapshot_b["students"]] == ["Noah"]

    mia = await student_socket(token_for(student))
    noah = await student_socket(token_for(other_student))
    await receive_until(mia, "hello")
    await receive_until(noah, "hello")
    await mia.send_to(bytes_data=fake_jpeg("happy"))
    await noah.send_to(bytes_data=fake_jpeg("sad"))
    seen_by_a = await receive_until(dashboard_a, "timeline.point")
    seen_by_b = await receive_until(dashboard_b, "timeline.point")
    assert max(seen_by_a["point"]["shares"], key=seen_by_a["point"]["shares"].get) == "happy"
    assert max(seen_by_b["point"]["shares"], key=seen_by_b["point"]["shares"].get) == "sad"
    for dashboard, other_name in ((dashboard_a, "Noah"), (dashboard_b, "Mia")):
        while not await dashboard.receive_nothing(timeout=0.3):
            message = await dashboard.receive_json_from()
            assert other_name not in str(message)
    for communicator in (mia, noah, dashboard_a, dashboard_b):
        await communicator.disconnect()


async def test_ending_the_session_tells_the_students(layer, analyzer, teacher, student):
    dashboard = await teacher_socket(teacher, student.session_id)
    await receive_until(dashboard, "snapshot")
    browser = await joined_student_socket(student)
    await dashboard.send_json_to({"type": "session.end"})
    await receive_until(browser, "session.ended")
    assert await closed_with(browser) == consumers.CLOSE_NOT_LIVE
    await receive_until(dashboard, "session.ended")
