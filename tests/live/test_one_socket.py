"""Finding 5 of the attack run (issue 14): "one live socket per student" is atomic. Concurrent connects with one
token leave exactly one socket open (on the in-memory layer and cache, and on Redis), and the readings of the
student are not doubled."""

import asyncio

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from engagement.models import Reading
from live import consumers
from tests.classroom.conftest import token_for
from tests.live.conftest import fake_jpeg
from tests.live.sockets import receive_until, sockets, teacher_socket

pytestmark = [pytest.mark.django_db(transaction=True)]


async def close_code(communicator: WebsocketCommunicator, timeout: float) -> int | None:
    """The close code the socket got within `timeout`, or None while it stays open (and keeps running: a
    timed-out `receive_output` would cancel it)."""
    while not await communicator.receive_nothing(timeout=timeout):
        output = await communicator.receive_output()
        if output["type"] == "websocket.close":
            return output.get("code", 1000)
    return None


async def test_ten_concurrent_connects_with_one_token_leave_exactly_one_open(layer, analyzer, teacher, student):
    dashboard = await teacher_socket(teacher, student.session_id)
    await receive_until(dashboard, "snapshot")
    token = token_for(student)
    browsers = [WebsocketCommunicator(sockets, f"/ws/student/?token={token}") for _ in range(10)]
    await asyncio.gather(*(browser.connect() for browser in browsers))
    codes = await asyncio.gather(*(close_code(browser, timeout=1.5) for browser in browsers))
    assert codes.count(None) == 1, codes
    assert set(codes) - {None} == {consumers.CLOSE_TOO_MANY_SOCKETS}

    for browser in browsers:  # every one of them tries: only the open one is heard
        await browser.send_to(bytes_data=fake_jpeg("happy"))
    await receive_until(dashboard, "student.update", where=lambda m: m["student"]["last_seen"] is not None)
    await asyncio.sleep(0.3)  # time for a second reading to be stored, were there one
    assert await sync_to_async(Reading.objects.count)() == 1
    for browser in browsers:
        await browser.disconnect()
    await dashboard.disconnect()


async def test_the_newest_socket_stays_connected_on_the_dashboard(layer, analyzer, teacher, student):
    """An older socket's connect or disconnect handled after the newer one's does not mark the student gone."""
    token = token_for(student)
    browsers = [WebsocketCommunicator(sockets, f"/ws/student/?token={token}") for _ in range(5)]
    await asyncio.gather(*(browser.connect() for browser in browsers))
    codes = await asyncio.gather(*(close_code(browser, timeout=1.5) for browser in browsers))
    for browser, code in zip(browsers, codes, strict=True):
        if code is not None:
            await browser.disconnect()
    await asyncio.sleep(0.3)
    dashboard = await teacher_socket(teacher, student.session_id)
    snapshot = await receive_until(dashboard, "snapshot")
    assert [tile["status"] for tile in snapshot["students"]] == ["waiting"]
    for browser, code in zip(browsers, codes, strict=True):
        if code is None:
            await browser.disconnect()
    await dashboard.disconnect()
