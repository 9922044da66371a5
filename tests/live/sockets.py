"""Helpers to drive the live sockets in tests."""

import asyncio
from typing import Any

from asgiref.sync import sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.test import Client

from live.routing import websocket_urlpatterns
from tests.classroom.conftest import token_for

sockets = URLRouter(websocket_urlpatterns)


async def student_socket(token: str | None) -> WebsocketCommunicator:
    path = "/ws/student/" + (f"?token={token}" if token is not None else "")
    communicator = WebsocketCommunicator(sockets, path)
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def joined_student_socket(participant: Any) -> WebsocketCommunicator:
    """The socket of `participant`'s page, connected and past the server's hello."""
    communicator = await student_socket(token_for(participant))
    await receive_until(communicator, "hello")
    return communicator


def logged_in(user: Any) -> Client:
    """A browser logged in as `user` (none for an anonymous one), with a real Django session (the dashboard socket
    checks it on commands)."""
    client = Client()
    if user.is_authenticated:
        client.force_login(user)
    return client


async def teacher_socket(user: Any, session_id: int, *, client: Client | None = None) -> WebsocketCommunicator:
    """A dashboard socket of `user`, with the session of `client` (a browser logged in as them) or a new one."""
    if client is None:
        client = await sync_to_async(logged_in)(user)
    communicator = WebsocketCommunicator(sockets, f"/ws/teacher/sessions/{session_id}/")
    communicator.scope["user"] = user
    communicator.scope["session"] = await sync_to_async(lambda: client.session)()
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def receive_until(
    communicator: WebsocketCommunicator, message_type: str, *, timeout: float = 5.0, where=None
) -> dict:
    """Reads JSON messages until one of `message_type` (matching `where`, if given) arrives.

    A batch's `students.update` is read as one `student.update` per tile, so a test waiting for a student's
    tile doesn't care whether it came alone or with its batch.
    """
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        remaining = deadline - asyncio.get_running_loop().time()
        if remaining <= 0:
            raise AssertionError(f"no {message_type!r} message within {timeout} s")
        message = await communicator.receive_json_from(timeout=remaining)
        for one in per_tile(message) if message_type == "student.update" else [message]:
            if one.get("type") == message_type and (where is None or where(one)):
                return one


def per_tile(message: dict) -> list[dict]:
    if message.get("type") != "students.update":
        return [message]
    return [{"type": "student.update", "student": tile} for tile in message["students"]]


async def closed_with(communicator: WebsocketCommunicator, *, timeout: float = 2.0) -> int:
    """Skips remaining text messages and returns the close code."""
    while True:
        output = await communicator.receive_output(timeout=timeout)
        if output["type"] == "websocket.close":
            return output.get("code", 1000)
