"""Student voice, pulse-check polls and emotion-off sessions through the live sockets."""

import pytest
from asgiref.sync import sync_to_async

from classroom.models import ClassSession
from classroom.services import participant_join, session_start
from engagement.models import PollAnswer, Reading, SelfReport
from tests.classroom.conftest import token_for
from tests.live.conftest import fake_jpeg
from tests.live.sockets import joined_student_socket, receive_until, student_socket, teacher_socket

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("no_rate_slack")]


@pytest.mark.parametrize("kind", ["confused", "too_fast", "too_slow", "all_good", "raise_hand"])
async def test_each_self_report_reaches_the_teacher_and_is_stored(layer, analyzer, teacher, student, kind):
    dashboard = await teacher_socket(teacher, student.session_id)
    await receive_until(dashboard, "snapshot")
    browser = await joined_student_socket(student)

    await browser.send_json_to({"type": "self_report", "kind": kind, "text": "  page  12? "})
    assert (await receive_until(browser, "self_report.ack"))["kind"] == kind
    voice = await receive_until(dashboard, "voice")
    assert voice["report"]["kind"] == kind
    assert voice["report"]["name"] == "Mia"
    assert voice["report"]["text"] == "page 12?"
    assert voice["counts"] == {kind: 1}
    tile = await receive_until(
        dashboard, "student.update", where=lambda m: (m["student"]["last_report"] or {}).get("kind") == kind
    )
    assert tile["student"]["name"] == "Mia"
    stored = await sync_to_async(list)(SelfReport.objects.values_list("kind", "text"))
    assert stored == [(kind, "page 12?")]
    await browser.disconnect()
    await dashboard.disconnect()


async def test_voice_counts_each_student_once(layer, analyzer, teacher, student):
    other = await sync_to_async(participant_join)(session=student.session, display_name="Noah")
    dashboard = await teacher_socket(teacher, student.session_id)
    await receive_until(dashboard, "snapshot")
    mia, noah = await student_socket(token_for(student)), await student_socket(token_for(other))
    for browser in (mia, noah):
        await receive_until(browser, "hello")
    await mia.send_json_to({"type": "self_report", "kind": "too_fast"})
    await receive_until(dashboard, "voice")
    await mia.send_json_to({"type": "self_report", "kind": "too_fast"})
    await receive_until(dashboard, "voice")
    await noah.send_json_to({"type": "self_report", "kind": "too_fast"})
    voice = await receive_until(dashboard, "voice", where=lambda m: m["report"]["name"] == "Noah")
    assert voice["counts"] == {"too_fast": 2}
    for communicator in (mia, noah, dashboard):
        await communicator.disconnect()


async def test_a_poll_round_trip(layer, analyzer, teacher, student):
    dashboard = await teacher_socket(teacher, student.session_id)
    await receive_until(dashboard, "snapshot")
    browser = await joined_student_socket(student)

    await dashboard.send_json_to({"type": "poll.start", "question": "Is this clear?"})
    started = await receive_until(browser, "poll.started")
    poll_id = started["poll"]["id"]
    assert started["poll"]["options"] == ["yes", "not_yet"]
    await receive_until(dashboard, "poll.results")

    await browser.send_json_to({"type": "poll.answer", "poll_id": poll_id, "answer": "not_yet"})
    results = await receive_until(dashboard, "poll.results", where=lambda m: m["poll"]["counts"]["not_yet"] == 1)
    assert results["poll"]["open"] is True
    await browser.send_json_to({"type": "poll.answer", "poll_id": poll_id, "answer": "yes"})
    results = await receive_until(dashboard, "poll.results", where=lambda m: m["poll"]["counts"]["yes"] == 1)
    assert results["poll"]["counts"] == {"yes": 1, "not_yet": 0}

    await dashboard.send_json_to({"type": "poll.close", "poll_id": poll_id})
    assert (await receive_until(browser, "poll.closed"))["poll_id"] == poll_id
    closed = await receive_until(dashboard, "poll.results", where=lambda m: not m["poll"]["open"])
    assert closed["poll"]["counts"] == {"yes": 1, "not_yet": 0}
    await browser.send_json_to({"type": "poll.answer", "poll_id": poll_id, "answer": "not_yet"})
    assert (await receive_until(browser, "error"))["code"] == "bad_message"
    assert await sync_to_async(PollAnswer.objects.count)() == 1
    await browser.disconnect()
    await dashboard.disconnect()


async def test_an_emotion_off_session_stores_no_probabilities_and_still_shows_presence(
    layer, analyzer, teacher, course
):
    session = await sync_to_async(session_start)(course=course, emotion_enabled=False, frame_interval_s=1.0)
    assert not session.emotion_enabled
    participant = await sync_to_async(participant_join)(session=session, display_name="Ava")
    dashboard = await teacher_socket(teacher, session.pk)
    snapshot = await receive_until(dashboard, "snapshot")
    assert snapshot["session"]["emotion_enabled"] is False
    browser = await student_socket(token_for(participant))
    hello = await receive_until(browser, "hello")
    assert hello["session"]["emotion_enabled"] is False

    await browser.send_json_to({"type": "attention", "visible": True, "focused": True, "idle_s": 3, "camera": "on"})
    await browser.send_to(bytes_data=fake_jpeg("happy"))
    update = await receive_until(dashboard, "student.update", where=lambda m: m["student"]["status"] == "live")
    assert update["student"]["emotion"] is None
    assert update["student"]["probabilities"] is None
    point = await receive_until(dashboard, "timeline.point")
    assert point["point"]["present"] == 1
    assert point["point"]["shares"] == {}
    assert analyzer.calls == [(1, False)]
    reading = await sync_to_async(Reading.objects.get)()
    assert reading.face and reading.probabilities is None and reading.tab_visible is True
    await browser.disconnect()
    await dashboard.disconnect()


async def test_the_deployment_setting_forces_emotion_off(settings, course):
    settings.EMOTION_INFERENCE = "off"
    session = await sync_to_async(session_start)(course=course, emotion_enabled=True)
    assert session.emotion_enabled is False
    assert await sync_to_async(ClassSession.objects.filter(emotion_enabled=True).count)() == 0


async def test_a_paused_camera_sends_attention_heartbeats_without_frames(layer, analyzer, teacher, student):
    dashboard = await teacher_socket(teacher, student.session_id)
    await receive_until(dashboard, "snapshot")
    browser = await joined_student_socket(student)
    await browser.send_json_to(
        {"type": "attention", "visible": False, "focused": False, "idle_s": 40, "camera": "paused"}
    )
    update = await receive_until(dashboard, "student.update", where=lambda m: m["student"]["status"] == "paused")
    assert update["student"]["attention"]["visible"] is False
    assert analyzer.calls == []
    reading = await sync_to_async(Reading.objects.get)()
    assert reading.camera == "paused" and not reading.face
    await browser.disconnect()
    await dashboard.disconnect()


async def test_a_dark_frame_tells_the_student_how_to_fix_it(layer, analyzer, teacher, student):
    browser = await joined_student_socket(student)
    await browser.send_to(bytes_data=fake_jpeg("dark"))
    quality = await receive_until(browser, "quality")
    assert quality["state"] == "too_dark"
    assert "light" in quality["hint"].lower()
    await browser.disconnect()
