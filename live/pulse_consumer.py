"""What both live sockets share (`PulseConsumer`) and their close codes. Protocol: docs/protocol.md (version 1)."""

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError

from classroom.broadcast import LAYER_ERRORS
from live import protocol
from live.dispatch import DirectDispatch
from live.limits import CommandBucket, Verdict
from live.protocol import ProtocolError
from ops import metrics

log = logging.getLogger(__name__)

CLOSE_UNAUTHORIZED = 4001
CLOSE_FORBIDDEN = 4003
CLOSE_NOT_LIVE = 4004
CLOSE_TOO_MANY_SOCKETS = 4029
# Commands kept coming far faster than the sustained rate: 4000 + 1008 ("policy violation"), since autobahn, under
# Daphne, refuses to send any close code but 1000 and 3000-4999.
CLOSE_FLOODING = 4008
CLOSE_TRY_AGAIN = 1013  # the channel layer is briefly unreachable: reconnect with backoff


def flood_key(who: str) -> str:
    return f"pulse:flooded:{who}"


class PulseConsumer(DirectDispatch, AsyncWebsocketConsumer):
    """What both live sockets share: JSON in and out, errors as messages, never tracebacks."""

    closed = False  # this side closed the socket: nothing more goes out on it
    unread: asyncio.Queue | None = None  # what the server read from the socket and this consumer has not handled

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        # Daphne (and Channels' test communicator) hand a socket's messages over through an asyncio.Queue, read as
        # fast as the client sends: a flood piles up there faster than the consumer, one message per turn of the
        # event loop, can refuse it one by one (measured: docs/benchmarks.md, "Flood").
        queue = getattr(receive, "__self__", None)
        self.unread = queue if isinstance(queue, asyncio.Queue) else None
        await super().__call__(scope, receive, send)

    async def send(self, text_data: str | None = None, bytes_data: bytes | None = None, close: bool = False) -> None:
        # Under Daphne a send after our own close raises autobahn's Disconnected (a traceback in the log): group
        # messages still reach a closed socket until its disconnect has left the groups.
        if self.closed:
            return
        await super().send(text_data=text_data, bytes_data=bytes_data, close=close)

    async def close(self, code: int | bool | None = None, reason: str | None = None) -> None:
        if self.closed:
            return
        self.closed = True
        await super().close(code=code, reason=reason)

    async def send_json(self, message: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps(message, separators=(",", ":")))

    async def send_error(self, code: str, message: str) -> None:
        await self.send_json({"type": "error", "code": code, "message": message})

    async def refuse(self, close_code: int, error_code: str, message: str) -> None:
        """Accepts only to say why, then closes with a close code the page can act on."""
        await self.accept()
        await self.send_error(error_code, message)
        await self.close(code=close_code)

    # The JSON commands a client may send: `type` -> the method that handles it. Every text message (a malformed
    # one too) and every binary snapshot of the student passes through `run_command`, the one place where every
    # command is metered.
    commands: ClassVar[dict[str, Callable[[Any, Any], Awaitable[None]]]] = {}

    async def receive_command(self, text_data: str) -> None:
        if not self.closed:  # Daphne still hands over what a closed socket had sent: it is not read
            await self.run_command("text", PulseConsumer.command_parsed, text_data)

    async def command_parsed(self, text_data: str) -> None:
        """Parses a text message and runs its command (run_command answers a ProtocolError)."""
        if len(text_data) > settings.MAX_TEXT_MESSAGE_BYTES:
            metrics.refused("message_too_long")
            raise ProtocolError("bad_message", "Message too long.")
        command = protocol.parse_command(text_data, self.commands)
        await self.commands[command["type"]](self, command)

    async def run_command(self, kind: str, handler: Callable[[Any, Any], Awaitable[None]], payload: Any) -> None:
        """Runs one client command (`kind`: "text" for a JSON message, "frame" for a snapshot); errors go back as
        messages.

        Every text message (parsed or not: parsing costs too) spends a token of the socket's bucket; a snapshot has
        the session's frame interval instead.
        """
        if not await self.command_allowed(frame=kind == "frame"):
            return
        try:
            if not await self.may_run_commands():
                return
            await handler(self, payload)
        except ProtocolError as exc:
            await self.send_error(exc.code, str(exc))
        except (*LAYER_ERRORS, DatabaseError) as exc:
            metrics.message_lost("command")
            log.warning("%s command lost: %s unavailable", type(self).__name__, type(exc).__name__)
            await self.send_error("overloaded", "The server is busy; please try again in a moment.")

    async def may_run_commands(self) -> bool:
        """Whether the socket's user may still send commands (it may close the socket if not)."""
        return True

    async def command_allowed(self, *, frame: bool = False) -> bool:
        """Spends a token (a frame spends none: it has the session's frame interval); False when the command is
        refused, or the socket is closed for flooding: the bucket's refusals pile up, or more than
        MAX_UNREAD_MESSAGES of its messages wait unread."""
        if not hasattr(self, "bucket"):
            self.bucket = CommandBucket(
                burst=settings.COMMAND_BURST,
                per_second=settings.COMMANDS_PER_SECOND,
                flood_refusals=settings.COMMAND_FLOOD_REFUSALS,
                flood_window_s=settings.COMMAND_FLOOD_WINDOW_S,
            )
        verdict = Verdict.RUN if frame else self.bucket.take(time.monotonic())
        if self.unread is not None and self.unread.qsize() > settings.MAX_UNREAD_MESSAGES:
            verdict = Verdict.CLOSE
        if verdict is Verdict.RUN:
            return True
        metrics.refused("commands")
        await self.send_error("too_many_commands", "Too many messages: this one was ignored. Slow down.")
        if verdict is Verdict.CLOSE:
            log.warning("%s closed: commands kept coming too fast", type(self).__name__)
            await self.close(code=CLOSE_FLOODING)
            try:
                await database_sync_to_async(cache.set)(flood_key(self.flooder()), 1, timeout=settings.FLOOD_COOLDOWN_S)
            except LAYER_ERRORS:  # the shared cache (Redis) is down: no cool-down this time
                log.warning("shared cache unavailable: no cool-down for a flooding socket")
        return False

    def flooder(self) -> str:
        """Who this socket is (a student, a teacher), for the cool-down after a flood."""
        raise NotImplementedError

    async def cooling_down(self, who: str) -> bool:
        """Whether `who` was closed for flooding within FLOOD_COOLDOWN_S: the connect is then turned away before
        anything else is done (a flooder reconnecting at once would otherwise get a fresh socket to flood)."""
        try:
            if not await database_sync_to_async(cache.get)(flood_key(who)):
                return False
        except LAYER_ERRORS:  # Redis down: the connect goes on, and meets the channel layer's own check
            return False
        metrics.refused("flood_cooldown")
        await self.close(code=CLOSE_FLOODING)  # before accepting: the handshake is refused (HTTP 403)
        return True

    async def refuse_layer_down(self) -> None:
        metrics.message_lost("connect")
        log.warning("channel layer unavailable, %s refused with %d", type(self).__name__, CLOSE_TRY_AGAIN)
        await self.refuse(CLOSE_TRY_AGAIN, "overloaded", "The server is busy; reconnecting shortly.")

    async def session_ended(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "session.ended"})
        await self.close(code=CLOSE_NOT_LIVE)
