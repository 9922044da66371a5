"""Finding 4 of the attack run (issue 14): every malformed message gets an error code, the socket stays open,
and nothing is logged as a traceback; a replaced socket sends nothing after its close."""

import logging

import pytest

from live import consumers
from tests.classroom.conftest import token_for
from tests.live.sockets import closed_with, joined_student_socket, receive_until, student_socket, teacher_socket

pytestmark = [pytest.mark.django_db(transaction=True)]

MALFORMED = [
    ('{"type": ["attention"]}', "unknown_type"),
    ('{"type": {"a": 1}}', "unknown_type"),
    ('{"type": 7}', "unknown_type"),
    ('{"type": null}', "unknown_type"),
    ("{}", "unknown_type"),
    ("[1, 2]", "bad_json"),
    ('"attention"', "bad_json"),
    ("{not json", "bad_json"),
]


def tracebacks(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


@pytest.mark.parametrize(("text", "code"), MALFORMED)
async def test_a_malformed_student_message_gets_an_error_and_the_socket_stays_open(layer, student, caplog, text, code):
    browser = await joined_student_socket(student)
    await browser.send_to(text_data=text)
    assert (await receive_until(browser, "error"))["code"] == code
    await browser.send_to(text_data='{"type": "self_report", "kind": "confused"}')
    assert (await receive_until(browser, "self_report.ack"))["kind"] == "confused"
    await browser.disconnect()
    assert tracebacks(caplog) == []


@pytest.mark.parametrize(("text", "code"), MALFORMED)
async def test_a_malformed_teacher_message_gets_an_error_and_the_socket_stays_open(
    layer, teacher, student, caplog, text, code
):
    dashboard = await teacher_socket(teacher, student.session_id)
    await receive_until(dashboard, "snapshot")
    await dashboard.send_to(text_data=text)
    assert (await receive_until(dashboard, "error"))["code"] == code
    await dashboard.send_to(text_data='{"type": "settings", "sensitivity": "high"}')
    assert (await receive_until(dashboard, "settings"))["sensitivity"] == "high"
    await dashboard.disconnect()
    assert tracebacks(caplog) == []


async def test_a_replaced_socket_sends_nothing_after_its_close(layer, student, caplog):
    """Under Daphne a send after the close raises autobahn's Disconnected, logged as a traceback."""
    first = await joined_student_socket(student)
    second = await joined_student_socket(student)
    assert await closed_with(first) == consumers.CLOSE_TOO_MANY_SOCKETS
    third = await student_socket(token_for(student))  # tells every older socket again, the closed first included
    await receive_until(third, "hello")
    assert await closed_with(second) == consumers.CLOSE_TOO_MANY_SOCKETS
    assert await first.receive_nothing(timeout=0.3)
    await third.disconnect()
    assert tracebacks(caplog) == []
