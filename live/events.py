"""Student events in (joined, left, tapped a voice button, flag dismissed by the teacher): records, flags and
tiles updated, the dashboard told.

`STUDENT_EVENTS` is the one table of what the inference workers do with each event a socket sends them:
adding an event type is one entry here and the `to_engine` call in the consumer that sends it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from classroom.broadcast import LAYER_ERRORS
from classroom.groups import teachers_group
from classroom.models import ClassSession, Participant
from classroom.selectors import participants_present_locked
from engagement import core
from engagement.models import Flag
from live.flags import flag_events_store
from live.payloads import Outgoing, tile
from live.records import StudentRecord, record_forget, records_load, records_save, students_locked

log = logging.getLogger(__name__)


def _sensitivity(session_id: int) -> str:
    return ClassSession.objects.filter(pk=session_id).values_list("sensitivity", flat=True).first() or "normal"


def _record_for(participant_id: int, name: str = "") -> StudentRecord:
    record = records_load([participant_id]).get(participant_id)
    if record is None:
        if not name:
            name = Participant.objects.filter(pk=participant_id).values_list("display_name", flat=True).first() or ""
        record = StudentRecord(participant_id, name)
    return record


def _has_left(participant_id: int) -> bool:
    return not participants_present_locked([participant_id])


def _erased(participant_id: int) -> bool:
    """The student deleted their data (the row is gone): nothing of theirs is kept or shown, not even a tile."""
    return not Participant.objects.filter(pk=participant_id).exists()


def _tile_update(session_id: int, record: StudentRecord) -> Outgoing:
    return Outgoing(teachers_group(session_id), {"type": "student.update", "student": tile(record)})


def participant_connected(message: dict[str, Any]) -> list[Outgoing]:
    session_id, pid = message["session_id"], message["participant_id"]
    with students_locked([pid]), transaction.atomic():
        if _has_left(pid):  # a connect still on its way when they left
            return []
        record = _record_for(pid, message.get("name", ""))
        if message.get("socket", 0) < record.socket:
            return []  # a replaced socket's connect, handled after its successor's
        record.connected, record.channel, record.socket = True, message["reply"], message.get("socket", 0)
        records_save([record])
    return [_tile_update(session_id, record)]


def participant_disconnected(message: dict[str, Any]) -> list[Outgoing]:
    session_id, pid = message["session_id"], message["participant_id"]
    with students_locked([pid]), transaction.atomic():
        if _has_left(pid) and _erased(pid):
            return []
        record = _record_for(pid)
        if record.channel not in (None, message["reply"]):
            return []  # an older socket closing after a newer one took over
        record.connected, record.channel = False, None
        out: list[Outgoing] = []
        if _has_left(pid):  # nothing more is recorded about them, not even "absent"
            record.state, record.flag_ids = None, {}
        if record.state is not None:
            record.state, events = core.student_disconnect(record.state, message["t"])
            out += flag_events_store(session_id, record, events)
        records_save([record])
    return [*out, _tile_update(session_id, record)]


def self_reported(message: dict[str, Any]) -> list[Outgoing]:
    session_id, pid = message["session_id"], message["participant_id"]
    with students_locked([pid]), transaction.atomic():
        if _has_left(pid):
            return []
        record = _record_for(pid)
        report = core.SelfReport(participant_id=pid, t=message["t"], kind=message["kind"], text=message.get("text", ""))
        rules = core.rules_for(_sensitivity(session_id))
        record.state, events = core.student_self_report(record.state, report, rules=rules)
        record.last_report = {"kind": report.kind, "text": report.text, "t": report.t}
        out = flag_events_store(session_id, record, events)
        records_save([record])
    return [*out, _tile_update(session_id, record)]


def flag_dismissed(message: dict[str, Any]) -> list[Outgoing]:
    flag = Flag.objects.filter(pk=message["flag_id"], session_id=message["session_id"], cleared_at__isnull=True).first()
    if flag is None:
        return []
    with students_locked([flag.participant_id]):
        record = _record_for(flag.participant_id)
        if record.state is None:
            return []
        record.flag_ids.setdefault(flag.kind, flag.pk)
        rules = core.rules_for(_sensitivity(flag.session_id))
        record.state, events = core.student_dismiss(record.state, flag.kind, message["t"], rules=rules)
        out = flag_events_store(flag.session_id, record, events, dismissed_by=message.get("user_id"))
        records_save([record])
    return [*out, _tile_update(flag.session_id, record)]


def student_forget(*, participant_id: int, session_id: int) -> None:
    """After a student's own deletion (committed): their live record goes, and their tile leaves open dashboards
    (`student.removed`). Events of theirs still on the way find them erased and keep nothing (above)."""
    with students_locked([participant_id]):
        record_forget(participant_id)
    message = {"type": "student.removed", "participant_id": participant_id}
    try:
        async_to_sync(get_channel_layer().group_send)(teachers_group(session_id), message)
    except LAYER_ERRORS:
        log.warning("channel layer unavailable: a deleted student's tile stays on open dashboards until reload")


STUDENT_EVENTS: dict[str, Callable[[dict[str, Any]], list[Outgoing]]] = {
    "participant.connect": participant_connected,
    "participant.disconnect": participant_disconnected,
    "self.report": self_reported,
    "flag.dismiss": flag_dismissed,
}


def events_process(messages: list[dict[str, Any]]) -> list[Outgoing]:
    """Handles a batch of student events (on the engine thread), each by its entry in STUDENT_EVENTS; an event
    that fails is logged and the others go on. A student's tile changed by several events goes out once."""
    out: list[Outgoing] = []
    for message in messages:
        handler = STUDENT_EVENTS.get(message.get("type") or "")
        if handler is None:
            log.warning("dropped a message of unknown type %r", message.get("type"))
            continue
        try:
            out += handler(message)
        except Exception:
            log.exception("could not handle %s", message.get("type"))
    return _latest_tiles(out)


def _latest_tiles(out: list[Outgoing]) -> list[Outgoing]:
    """`out` with only the last `student.update` of each student (in the place of the last)."""
    last = {
        (item.target, item.message["student"]["id"]): i
        for i, item in enumerate(out)
        if item.message.get("type") == "student.update"
    }
    return [
        item
        for i, item in enumerate(out)
        if item.message.get("type") != "student.update" or last[(item.target, item.message["student"]["id"])] == i
    ]
