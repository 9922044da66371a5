"""Finding 2 of the attack run (issue 14): every command of a socket passes a token bucket; a flood is refused
with a clear code, counted, and closed after a while; self-reports are bounded per student per minute; poll
results reach the teacher coalesced."""

import asyncio

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.core.cache import cache

from classroom.services import participant_join
from engagement.models import PollAnswer, SelfReport
from live import consumers
from ops import metrics
from tests.classroom.conftest import token_for
from tests.live.sockets import joined_student_socket, receive_until, sockets, student_socket, teacher_socket

pytestmark = [pytest.mark.django_db(transaction=True)]

ATTENTION = {"type": "attention", "visible": True, "focused": True, "idle_s": 0, "camera": "on"}


def refused(limit: str) -> float:
    return metrics.REFUSED.labels(limit)._value.get()


@pytest.fixture
def small_bucket(settings):
    """Five commands at once, then (for the length of a test) none: what a flood meets, without the wait."""
    settings.COMMAND_BURST = 5
    settings.COMMANDS_PER_SECOND = 0.001
    settings.COMMAND_FLOOD_REFUSALS = 50


async def errors_and_close(communicator, n: int) -> tuple[list[str], int | None]:
    """The error codes of the next `n` answers, and the close code if the socket closed meanwhile."""
    codes: list[str] = []
    while len(codes) < n:
        output = await communicator.receive_output(timeout=3)
        if output["type"] == "websocket.close":
            return codes, output.get("code", 1000)
        if '"error"' in output.get("text", ""):
            codes.append(output["text"].split('"code":"')[1].split('"')[0])
    return codes, None


async def test_a_student_flood_is_refused_with_a_clear_code_counted_then_closed(layer, small_bucket, student):
    before = refused("commands")
    browser = await joined_student_socket(student)
    for _ in range(10):
        await browser.send_json_to(ATTENTION)
    codes, close = await errors_and_close(browser, 5)
    assert codes == ["too_many_commands"] * 5 and close is None
    assert refused("commands") - before == 5
    assert await browser.receive_nothing(timeout=0.1)  # still open: a refusal is an answer, not a close

    for _ in range(60):
        await browser.send_json_to(ATTENTION)
    codes, close = await errors_and_close(browser, 60)
    assert close == consumers.CLOSE_FLOODING
    assert set(codes) == {"too_many_commands"} and len(codes) == 50 - 5  # the last one is said, then closed


async def test_a_teacher_flood_is_refused_the_same_way(layer, small_bucket, teacher, student):
    dashboard = await teacher_socket(teacher, student.session_id)
    await receive_until(dashboard, "snapshot")
    for _ in range(8):
        await dashboard.send_json_to({"type": "settings", "sensitivity": "high"})
    answers = [await dashboard.receive_json_from(timeout=3) for _ in range(8)]
    assert [a["type"] for a in answers].count("settings") == 5
    assert [a.get("code") for a in answers if a["type"] == "error"] == ["too_many_commands"] * 3
    await dashboard.disconnect()


async def test_self_reports_are_bounded_per_student_per_minute(layer, settings, teacher, student):
    settings.SELF_REPORTS_PER_MINUTE = 4
    browser = await joined_student_socket(student)
    for _ in range(7):
        await browser.send_json_to({"type": "self_report", "kind": "confused", "text": "x" * 200})
    answers = [await receive_until(browser, "self_report.ack", where=None) for _ in range(4)]
    assert len(answers) == 4
    assert [(await receive_until(browser, "error"))["code"] for _ in range(3)] == ["too_many_reports"] * 3
    assert await sync_to_async(SelfReport.objects.count)() == 4
    await browser.disconnect()


async def test_poll_results_reach_the_teacher_coalesced(layer, teacher, student):
    others = [await sync_to_async(participant_join)(session=student.session, display_name=f"S{i}") for i in range(4)]
    dashboard = await teacher_socket(teacher, student.session_id)
    await receive_until(dashboard, "snapshot")
    browsers = [await student_socket(token_for(p)) for p in (student, *others)]
    for browser in browsers:
        await receive_until(browser, "hello")
    await dashboard.send_json_to({"type": "poll.start", "question": "Clear?"})
    poll_id = (await receive_until(browsers[0], "poll.started"))["poll"]["id"]
    await receive_until(dashboard, "poll.results")

    for round_ in range(5):  # 25 answers, each student changing their mind
        for browser in browsers:
            await browser.send_json_to(
                {"type": "poll.answer", "poll_id": poll_id, "answer": "yes" if round_ % 2 == 0 else "not_yet"}
            )
    results = []
    while not await dashboard.receive_nothing(timeout=1.0):
        message = await dashboard.receive_json_from()
        if message["type"] == "poll.results":
            results.append(message["poll"]["counts"])
    assert results[-1] == {"yes": 5, "not_yet": 0}  # the last answers count, once per student
    assert len(results) <= 4, results  # not one message per answer
    assert await sync_to_async(PollAnswer.objects.count)() == 5
    for browser in browsers:
        await browser.disconnect()
    await dashboard.disconnect()
    await asyncio.sleep(0)


async def test_a_socket_whose_messages_pile_up_unread_is_closed_at_once(layer, settings, student):
    """A client sending faster than the consumer can even refuse (measured under Daphne: docs/benchmarks.md)."""
    settings.MAX_UNREAD_MESSAGES = 50
    browser = await joined_student_socket(student)
    for _ in range(200):  # all read by the server before the consumer's next turn
        await browser.send_json_to(ATTENTION)
    codes, close = await errors_and_close(browser, 200)
    assert close == consumers.CLOSE_FLOODING
    assert codes == ["too_many_commands"]  # the first message handled saw the pile, and the rest are not read


async def test_a_flooder_cannot_reconnect_during_the_cool_down(layer, settings, student):
    settings.MAX_UNREAD_MESSAGES = 50
    browser = await joined_student_socket(student)
    for _ in range(200):
        await browser.send_json_to(ATTENTION)
    assert (await errors_and_close(browser, 200))[1] == consumers.CLOSE_FLOODING
    await browser.disconnect()
    again = WebsocketCommunicator(sockets, f"/ws/student/?token={token_for(student)}")
    connected, code = await again.connect()
    assert (connected, code) == (False, consumers.CLOSE_FLOODING)  # turned away at the handshake
    await database_sync_to_async(cache.clear)()  # the cool-down over
    after = await joined_student_socket(student)
    await after.disconnect()
