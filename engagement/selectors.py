"""Reads for the live dashboard."""

from typing import Any

from django.core.cache import cache
from django.utils import timezone

from classroom.models import ClassSession, Participant
from engagement.models import Flag, MoodPoint, Poll, SelfReport
from engagement.services import poll_dict, report_dict, voice_counts
from live import ingest as live

RECENT_VOICE = 20


def timeline_points(session_id: int) -> list[dict[str, Any]]:
    return [
        {
            "t": point.t.timestamp(),
            "shares": point.shares,
            "present": point.present,
            "connected": point.connected,
            "engagement": point.engagement,
            "attention": point.attention,
        }
        for point in MoodPoint.objects.filter(session_id=session_id)
    ]


def dashboard_snapshot(session_id: int) -> dict[str, Any]:
    """Everything the teacher dashboard shows, for the `snapshot` message."""
    session = ClassSession.objects.select_related("course").get(pk=session_id)
    participants = list(Participant.objects.filter(session_id=session_id, left_at__isnull=True))
    records = live.records_load([p.pk for p in participants])
    students = [live.tile(records.get(p.pk) or live.new_record(p.pk, p.display_name)) for p in participants]
    names = {p.pk: p.display_name for p in participants}
    active_flags = Flag.objects.filter(session_id=session_id, cleared_at__isnull=True).select_related("participant")
    recent = (
        SelfReport.objects.filter(session_id=session_id).select_related("participant").order_by("-t")[:RECENT_VOICE]
    )
    alert = cache.get(f"pulse:session:{session_id}:alert") or {}
    return {
        "session": {
            "id": session.pk,
            "title": session.display_title,
            "code": session.code,
            "status": session.status,
            "emotion_enabled": session.emotion_enabled,
            "show_snapshots": session.show_snapshots,
            "sensitivity": session.sensitivity,
            "frame_interval_ms": int(session.frame_interval_s * 1000),
            "started_at": session.started_at.timestamp(),
        },
        "students": students,
        "timeline": timeline_points(session_id),
        "flags": [live.flag_message(flag, names.get(flag.participant_id, "")) for flag in active_flags],
        "alert": alert.get("alert"),
        "voice": {
            "counts": voice_counts(session_id, since=timezone.now() - timezone.timedelta(minutes=5)),
            "recent": [report_dict(r, r.participant.display_name) for r in reversed(recent)],
        },
        "polls": [poll_dict(poll) for poll in Poll.objects.filter(session_id=session_id)],
    }
