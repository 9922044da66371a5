"""Live sockets. Thin: parse, authorize, delegate. Protocol: docs/protocol.md (version 1).

Each consumer has three sections: socket handlers, commands from the client, and channel-layer events.
"""

import logging
import time
from importlib import import_module
from typing import Any
from urllib.parse import parse_qs

from channels.auth import get_user
from channels.db import database_sync_to_async
from django.conf import settings

from classroom import selectors, services
from classroom.broadcast import LAYER_ERRORS, session_ended_broadcast
from classroom.groups import participant_group, students_group, teacher_dashboards_group, teachers_group
from classroom.ratelimit import rate_limit_hit
from classroom.tokens import InvalidToken, participant_claim
from engagement import services as engagement_services
from live import protocol
from live.payloads import dashboard_snapshot
from live.polls import poll_results_soon
from live.protocol import ProtocolError
from live.pulse_consumer import (  # noqa: F401 (the close codes are the protocol's, named here too)
    CLOSE_FLOODING,
    CLOSE_FORBIDDEN,
    CLOSE_NOT_LIVE,
    CLOSE_TOO_MANY_SOCKETS,
    CLOSE_TRY_AGAIN,
    CLOSE_UNAUTHORIZED,
    PulseConsumer,
)
from live.records import socket_claim, socket_is_newest
from live.thumbnails import ThumbnailPolicy, thumbnails_request
from live.worker import ensure_embedded_worker
from ops import logs, metrics

log = logging.getLogger(__name__)

JPEG_MAGIC = b"\xff\xd8\xff"
# A frame may come this much sooner than the session's interval (browser timers jitter).
RATE_SLACK = 0.75


class StudentConsumer(PulseConsumer):
    # --- socket handlers

    async def connect(self) -> None:
        ensure_embedded_worker()
        self.participant_id: int | None = None
        token = parse_qs(self.scope.get("query_string", b"").decode()).get("token", [None])[0]
        try:
            claim = participant_claim(token)
        except InvalidToken as exc:
            await self.refuse(CLOSE_UNAUTHORIZED, "not_allowed", f"Cannot join: {exc}. Join again with the code.")
            return
        if await self.cooling_down(f"participant:{claim.participant_id}"):
            return
        info = await database_sync_to_async(selectors.student_socket_info)(claim.participant_id, claim.session_id)
        if info is None:
            await self.refuse(CLOSE_UNAUTHORIZED, "not_allowed", "You are not a participant of this session.")
            return
        if info["session"]["status"] != "live":
            await self.refuse(CLOSE_NOT_LIVE, "not_allowed", "This class has ended.")
            return
        self.participant_id = claim.participant_id
        self.session_id = claim.session_id
        logs.bind(session_id=self.session_id)
        self.session_info = info["session"]
        self.min_frame_gap_s = info["session"]["frame_interval_ms"] / 1000 * RATE_SLACK
        self.last_frame_at = 0.0
        self.attention: dict[str, Any] = {"camera": "off"}
        try:
            # One live socket per student: a newer one (a reload, a second tab) replaces the older ones. Each
            # socket takes a number; once in the student's group it tells the group its number, and any socket
            # with a lower one closes. A socket that joined the group after a newer one's message finds the
            # newer number in the shared cache and closes itself, so of sockets connecting at once one stays.
            self.socket_number = await database_sync_to_async(socket_claim)(self.participant_id)
            for group in (students_group(self.session_id), participant_group(self.participant_id)):
                await self.channel_layer.group_add(group, self.channel_name)
            await self.channel_layer.group_send(
                participant_group(self.participant_id), {"type": "socket.replaced", "number": self.socket_number}
            )
            newest = await database_sync_to_async(socket_is_newest)(self.participant_id, self.socket_number)
        except LAYER_ERRORS:
            self.participant_id = None
            await self.refuse_layer_down()
            return
        if not newest:
            await self.groups_leave()
            self.participant_id = None
            await self.refuse(CLOSE_TOO_MANY_SOCKETS, "not_allowed", "This class was opened in another tab or device.")
            return
        await self.accept()
        metrics.socket_opened("student")
        await self.send_json({"type": "hello", "protocol": protocol.VERSION, **info})
        await self.to_engine(
            {"type": "participant.connect", "name": info["participant"]["name"], "socket": self.socket_number}
        )

    async def disconnect(self, code: int) -> None:
        if self.participant_id is None:
            return
        metrics.socket_closed("student")
        await self.groups_leave()
        await self.to_engine({"type": "participant.disconnect"})

    def flooder(self) -> str:
        return f"participant:{self.participant_id}"

    async def groups_leave(self) -> None:
        assert self.participant_id is not None
        try:
            for group in (students_group(self.session_id), participant_group(self.participant_id)):
                await self.channel_layer.group_discard(group, self.channel_name)
        except LAYER_ERRORS:
            log.warning("channel layer unavailable while a student socket closed")  # group entries expire

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.participant_id is None or self.closed:
            return
        if bytes_data is not None:
            await self.run_command("frame", StudentConsumer.receive_frame, bytes_data)
        elif text_data is not None:
            await self.receive_command(text_data)

    async def receive_frame(self, jpeg: bytes) -> None:
        if len(jpeg) > settings.MAX_FRAME_BYTES:
            metrics.refused("frame_too_large")
            await self.send_error("frame_too_large", f"Snapshots must be under {settings.MAX_FRAME_BYTES} bytes.")
            return
        if not jpeg.startswith(JPEG_MAGIC):
            await self.send_error("not_jpeg", "Snapshots must be JPEG images.")
            return
        now = time.monotonic()
        if now - self.last_frame_at < self.min_frame_gap_s:
            metrics.refused("frame_rate")
            await self.send_error("rate_limited", "Snapshot dropped: sent faster than the class allows.")
            return
        self.last_frame_at = now
        await self.to_engine({"type": "frame.analyze", "jpeg": jpeg, "attention": {**self.attention, "camera": "on"}})

    async def to_engine(self, message: dict[str, Any]) -> None:
        """Hands a message to the inference/engagement workers; a full queue drops it and says so."""
        message.update(
            session_id=self.session_id, participant_id=self.participant_id, t=time.time(), reply=self.channel_name
        )
        metrics.snapshot_sent(message)
        try:
            await self.channel_layer.send(settings.INFERENCE_CHANNEL, message)
        except LAYER_ERRORS as exc:
            metrics.send_failed(message)
            if message["type"] == "frame.analyze":
                await self.send_error("overloaded", "The server is busy; this snapshot was skipped.")
            else:
                log.warning(
                    "engine queue unavailable (%s), %s for participant %s lost",
                    type(exc).__name__,
                    message["type"],
                    self.participant_id,
                )

    # --- commands

    async def command_attention(self, command: dict[str, Any]) -> None:
        self.attention = protocol.attention_signals(command)
        if self.attention["camera"] != "on":
            # No frames while paused: the attention signals are the heartbeat, under the same rate limit.
            now = time.monotonic()
            if now - self.last_frame_at >= self.min_frame_gap_s:
                self.last_frame_at = now
                await self.to_engine({"type": "frame.analyze", "jpeg": None, "attention": self.attention})

    async def command_self_report(self, command: dict[str, Any]) -> None:
        kind, text = protocol.self_report(command)
        if await database_sync_to_async(rate_limit_hit)(
            key=f"self_report:{self.participant_id}", limit=settings.SELF_REPORTS_PER_MINUTE
        ):
            metrics.refused("self_reports")
            await self.send_error("too_many_reports", "Too many notes this minute: this one was not sent.")
            return
        report = await database_sync_to_async(engagement_services.self_report_record)(
            participant_id=self.participant_id, kind=kind, text=text
        )
        if report is None:  # they left from the page ("delete my data") while this socket was open
            await self.said_left()
            return
        await self.channel_layer.group_send(teachers_group(self.session_id), {"type": "voice.report", **report})
        await self.to_engine({"type": "self.report", "kind": kind, "text": text})
        await self.send_json({"type": "self_report.ack", "kind": kind})

    async def command_poll_answer(self, command: dict[str, Any]) -> None:
        poll_id, answer = protocol.poll_answer(command)
        poll = await database_sync_to_async(engagement_services.poll_answer_record)(
            session_id=self.session_id, participant_id=self.participant_id, poll_id=poll_id, answer=answer
        )
        if poll is None:
            if await database_sync_to_async(selectors.participant_in_session)(self.participant_id, self.session_id):
                await self.send_error("bad_message", "That poll is closed.")
            else:
                await self.said_left()
            return
        await poll_results_soon(self.channel_layer, self.session_id, poll_id)

    async def said_left(self) -> None:
        await self.send_error("left", "You have left this class: nothing more is recorded.")
        await self.close(code=1000)

    async def command_leave(self, command: dict[str, Any]) -> None:
        await database_sync_to_async(services.participant_leave)(
            participant_id=self.participant_id, delete_data=bool(command.get("delete_my_data"))
        )
        await self.close(code=1000)

    commands = {
        "attention": command_attention,
        "self_report": command_self_report,
        "poll.answer": command_poll_answer,
        "leave": command_leave,
    }

    # --- channel-layer events

    async def frame_quality(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "quality", "state": event["state"], "hint": event["hint"]})

    async def frame_error(self, event: dict[str, Any]) -> None:
        await self.send_error("bad_frame", f"That snapshot could not be read: {event['message']}")

    async def poll_started(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "poll.started", "poll": event["poll"]})

    async def poll_closed(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "poll.closed", "poll_id": event["poll_id"]})

    async def participant_left(self, event: dict[str, Any]) -> None:
        """The student left from the page (e.g. "delete my data" without a live socket)."""
        await self.close(code=1000)

    async def socket_replaced(self, event: dict[str, Any]) -> None:
        if event["number"] > self.socket_number:
            await self.send_error("not_allowed", "This class was opened in another tab or device.")
            await self.close(code=CLOSE_TOO_MANY_SOCKETS)


class TeacherConsumer(PulseConsumer):
    # --- socket handlers

    async def connect(self) -> None:
        ensure_embedded_worker()
        self.session_id = int(self.scope["url_route"]["kwargs"]["session_id"])
        logs.bind(session_id=self.session_id)
        self.watching = False
        self.thumbnails = ThumbnailPolicy()
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.refuse(CLOSE_UNAUTHORIZED, "not_allowed", "Please log in.")
            return
        if await self.cooling_down(f"user:{user.pk}"):
            return
        if not await database_sync_to_async(selectors.teacher_may_watch_id)(user, self.session_id):
            await self.refuse(CLOSE_FORBIDDEN, "not_allowed", "This is not your session.")
            return
        self.user_id = user.pk
        try:
            for group in self.groups_watched():
                await self.channel_layer.group_add(group, self.channel_name)
        except LAYER_ERRORS:
            await self.refuse_layer_down()
            return
        self.watching = True
        metrics.socket_opened("teacher")
        await self.accept()
        snapshot = await database_sync_to_async(dashboard_snapshot)(self.session_id)
        await self.send_json({"type": "snapshot", **snapshot})

    async def disconnect(self, code: int) -> None:
        if self.watching:
            metrics.socket_closed("teacher")
            try:
                for group in self.groups_watched():
                    await self.channel_layer.group_discard(group, self.channel_name)
            except LAYER_ERRORS:
                log.warning("channel layer unavailable while a dashboard socket closed")  # group entries expire

    def flooder(self) -> str:
        return f"user:{self.user_id}"

    def groups_watched(self) -> tuple[str, str]:
        return teachers_group(self.session_id), teacher_dashboards_group(self.user_id)

    async def may_run_commands(self) -> bool:
        """Whether the teacher is still logged in (the socket's Django session still names them): a log-out whose
        message did not reach this socket must not leave it able to end the session."""
        session = self.scope.get("session")
        if session is not None and session.session_key is not None:
            fresh = import_module(settings.SESSION_ENGINE).SessionStore(session.session_key)
            if (await get_user({"session": fresh})).pk == self.user_id:
                return True
        await self.logged_out({})
        return False

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if not self.watching or self.closed:
            return
        if bytes_data is not None:
            await self.run_command("text", TeacherConsumer.binary_refused, bytes_data)
        elif text_data is not None:
            await self.receive_command(text_data)

    # --- commands

    async def binary_refused(self, data: bytes) -> None:
        raise ProtocolError("bad_message", "The teacher socket takes JSON only.")

    async def command_session_end(self, command: dict[str, Any]) -> None:
        if await database_sync_to_async(services.session_end_by_id)(self.session_id):
            await session_ended_broadcast(self.session_id)

    async def command_flag_dismiss(self, command: dict[str, Any]) -> None:
        flag_id = protocol.positive_int(command, "flag_id")
        await self.channel_layer.send(
            settings.INFERENCE_CHANNEL,
            {
                "type": "flag.dismiss",
                "session_id": self.session_id,
                "flag_id": flag_id,
                "user_id": self.user_id,
                "t": time.time(),
            },
        )

    async def command_poll_start(self, command: dict[str, Any]) -> None:
        question = protocol.poll_question(command)
        poll = await database_sync_to_async(engagement_services.poll_open)(
            session_id=self.session_id, question=question
        )
        await self.channel_layer.group_send(students_group(self.session_id), {"type": "poll.started", "poll": poll})
        await self.channel_layer.group_send(teachers_group(self.session_id), {"type": "poll.results", "poll": poll})

    async def command_poll_close(self, command: dict[str, Any]) -> None:
        poll_id = protocol.positive_int(command, "poll_id")
        poll = await database_sync_to_async(engagement_services.poll_close)(session_id=self.session_id, poll_id=poll_id)
        if poll is None:
            await self.send_error("bad_message", "No open poll with that id.")
            return
        await self.channel_layer.group_send(
            students_group(self.session_id), {"type": "poll.closed", "poll_id": poll_id}
        )
        await self.channel_layer.group_send(teachers_group(self.session_id), {"type": "poll.results", "poll": poll})

    async def command_settings(self, command: dict[str, Any]) -> None:
        sensitivity = protocol.sensitivity(command)
        await database_sync_to_async(services.session_set_sensitivity)(
            session_id=self.session_id, sensitivity=sensitivity
        )
        await self.send_json({"type": "settings", "sensitivity": sensitivity})

    async def command_thumbnails(self, command: dict[str, Any]) -> None:
        self.thumbnails.choose(*thumbnails_request(command))

    commands = {
        "thumbnails": command_thumbnails,
        "session.end": command_session_end,
        "flag.dismiss": command_flag_dismiss,
        "poll.start": command_poll_start,
        "poll.close": command_poll_close,
        "settings": command_settings,
    }

    # --- channel-layer events

    async def logged_out(self, event: dict[str, Any]) -> None:
        """The teacher logged out (live/apps.py): their dashboards close."""
        await self.send_error("not_allowed", "You logged out.")
        await self.close(code=CLOSE_UNAUTHORIZED)

    # --- channel-layer events forwarded to the dashboard as they are

    async def forward(self, event: dict[str, Any]) -> None:
        await self.send_json(event)

    async def students_update(self, event: dict[str, Any]) -> None:
        await self.send_json(self.thumbnails.outgoing(event, time.monotonic()))

    student_update = students_update
    timeline_point = forward
    flag_raised = forward
    flag_cleared = forward
    class_alert = forward
    poll_results = forward
    student_removed = forward

    async def voice_report(self, event: dict[str, Any]) -> None:
        report = {k: v for k, v in event.items() if k != "type" and k != "counts"}
        await self.send_json({"type": "voice", "report": report, "counts": event.get("counts", {})})
