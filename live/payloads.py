"""What the teacher's dashboard is sent: the `snapshot` at connect, tiles and flags (docs/protocol.md)."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from classroom.models import ClassSession, Participant
from engagement.core import student_tile as core_tile
from engagement.explanations import explanation_text
from engagement.models import Flag, MoodPoint, Poll, SelfReport
from engagement.rows import POINT_FIELDS, flag_explanation
from engagement.services import poll_dict, report_dict, voice_counts
from live.records import StudentRecord, alert_key, records_load

RECENT_VOICE = 20


@dataclass(frozen=True)
class Outgoing:
    """A channel-layer message: to a group (`group_send`) or to one socket's channel (`send`)."""

    target: str
    message: dict[str, Any]
    to_group: bool = True


def tile(record: StudentRecord, *, snapshot: bytes | None = None) -> dict[str, Any]:
    """The protocol's tile for one student."""
    state = record.state
    base: dict[str, Any] = core_tile(state) if state is not None else {"status": "waiting"}
    flags = [
        {
            **flag,
            "id": record.flag_ids.get(flag["kind"]),
            "participant_id": record.participant_id,
            "explanation": explanation_text(flag["explanation_messages"]),
        }
        for flag in base.get("flags", [])
    ]
    status = base.get("status", "waiting") if record.connected else "disconnected"
    result = {
        "quality": None,
        "quality_hint": "",
        "emotion": None,
        "confidence": None,
        "probabilities": None,
        "sparkline": [],
        "attention": {"visible": None, "focused": None, "idle_s": None},
        "last_seen": None,
        **base,
        "id": record.participant_id,
        "name": record.name,
        "status": status,
        "flags": flags,
        "last_report": record.last_report,
    }
    if snapshot is not None:
        result["snapshot"] = "data:image/jpeg;base64," + base64.b64encode(snapshot).decode()
    return result


def flag_message(flag: Flag, name: str) -> dict[str, Any]:
    """A flag for the dashboard. explanation_messages are rendered by the page in its reader's language and clock
    (static/js/explanations.js); explanation is the same in the site's language, as stored."""
    return {
        "id": flag.pk,
        "participant_id": flag.participant_id,
        "name": name,
        "kind": flag.kind,
        "cause": flag.cause,
        "raised_at": flag.raised_at.timestamp(),
        "cleared_at": flag.cleared_at.timestamp() if flag.cleared_at else None,
        "explanation": flag.explanation,
        "explanation_messages": flag_explanation(flag),
        "dismissed": flag.dismissed_at is not None,
    }


def timeline_points(session_id: int) -> list[dict[str, Any]]:
    rows = MoodPoint.objects.filter(session_id=session_id).values("t", *POINT_FIELDS)
    return [{**row, "t": row["t"].timestamp()} for row in rows]


def session_fields(session: ClassSession) -> dict[str, Any]:
    return {
        "id": session.pk,
        "title": session.display_title,
        "code": session.code,
        "status": session.status,
        "ended": session.status != ClassSession.Status.LIVE,
        "emotion_enabled": session.emotion_enabled,
        "show_snapshots": session.show_snapshots,
        "sensitivity": session.sensitivity,
        "frame_interval_ms": int(session.frame_interval_s * 1000),
        "started_at": session.started_at.timestamp(),
        "ended_at": session.ended_at.timestamp() if session.ended_at else None,
        "report_url": reverse("engagement:session_report", args=[session.pk]),
    }


def ended_snapshot(session: ClassSession) -> dict[str, Any]:
    """An ended session's dashboard: it says so and carries no live numbers (no tiles, scores, timeline, flags or
    alert, which would read as the class now); the report has the session's numbers."""
    return {
        "session": session_fields(session),
        "students": [],
        "timeline": [],
        "flags": [],
        "alert": None,
        "voice": {"counts": {}, "recent": []},
        "polls": [],
    }


def dashboard_snapshot(session_id: int) -> dict[str, Any]:
    """Everything the teacher dashboard shows, for the `snapshot` message (ended_snapshot once the session ended)."""
    session = ClassSession.objects.select_related("course").get(pk=session_id)
    if session.status != ClassSession.Status.LIVE:
        return ended_snapshot(session)
    participants = list(Participant.objects.filter(session_id=session_id, left_at__isnull=True))
    records = records_load([p.pk for p in participants])
    students = [tile(records.get(p.pk) or StudentRecord(p.pk, p.display_name)) for p in participants]
    names = {p.pk: p.display_name for p in participants}
    active_flags = Flag.objects.filter(session_id=session_id, cleared_at__isnull=True).select_related("participant")
    recent = (
        SelfReport.objects.filter(session_id=session_id).select_related("participant").order_by("-t")[:RECENT_VOICE]
    )
    alert = cache.get(alert_key(session_id)) or {}
    return {
        "session": session_fields(session),
        "students": students,
        "timeline": timeline_points(session_id),
        "flags": [flag_message(flag, names.get(flag.participant_id, "")) for flag in active_flags],
        "alert": alert.get("alert"),
        "voice": {
            "counts": voice_counts(session_id, since=timezone.now() - timezone.timedelta(minutes=5)),
            "recent": [report_dict(r, r.participant.display_name) for r in reversed(recent)],
        },
        "polls": [poll_dict(poll) for poll in Poll.objects.filter(session_id=session_id)],
    }
