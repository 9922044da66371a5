"""Session reports and exports: thin queries that feed stored data to the same engagement.core functions the live
dashboard uses (mood_timeline, student_summary, most_confused_windows, engagement_curve, self_report_agreement).

Every builder here runs a fixed number of queries, whatever the number of students.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import connections
from django.db.models import Avg, Count
from django.utils import timezone

from classroom.models import ClassSession, Course, Participant
from engagement.core.history import engagement_curve, self_report_agreement, student_summary
from engagement.core.moments import most_confused_windows
from engagement.core.rules import rules_for
from engagement.core.timeline import MoodPoint as CorePoint
from engagement.core.timeline import mood_timeline
from engagement.core.types import FLAG_KINDS, REPORT_KINDS, FlagEvent
from engagement.core.types import Reading as CoreReading
from engagement.core.types import SelfReport as CoreReport
from engagement.explanations import explanation_text
from engagement.models import Flag, MoodPoint, Reading, ReadingPurge, SelfReport
from engagement.rows import (
    READING_COLUMNS,
    as_datetime,
    epoch,
    flag_events_of,
    flag_explanation,
    point_of,
    readings_from_values,
)

REPORT_VERSION = 1
CONFUSED_WINDOWS = 3
CONFUSED_WINDOW_S = 60.0
CURVE_SMOOTH_S = 60.0


@dataclass(frozen=True)
class SessionData:
    """What is stored about one session, as core dataclasses."""

    names: dict[int, str]
    readings: list[CoreReading]
    flags: list[Flag]
    flag_events: list[FlagEvent]
    reports: list[CoreReport]
    stored_points: list[CorePoint]
    purge: ReadingPurge | None


def session_readings(session_id: int, *, start: float | None = None, end: float | None = None) -> list[CoreReading]:
    """The session's readings as core Readings, oldest first, those with start <= t < end when given (one query on
    the (session, t) index)."""
    query = Reading.objects.filter(session_id=session_id)
    if start is not None:
        query = query.filter(t__gte=as_datetime(start))
    if end is not None:
        query = query.filter(t__lt=as_datetime(end))
    values = query.order_by("t", "pk").values_list(*READING_COLUMNS)
    sql, params = values.query.sql_with_params()
    # A raw fetch of the same SQL: Django's per-value converters would cost more than the query itself at 100k rows.
    with connections[values.db].cursor() as cursor:
        cursor.execute(sql, params)
        return readings_from_values(cursor.fetchall())


def stored_timeline(session_id: int) -> list[CorePoint]:
    return [point_of(point) for point in MoodPoint.objects.filter(session_id=session_id).order_by("t")]


def session_data_load(session: ClassSession) -> SessionData:
    """Seven queries, whatever the number of students or readings."""
    names = dict(Participant.objects.filter(session_id=session.pk).values_list("pk", "display_name"))
    readings = session_readings(session.pk)
    flags = list(Flag.objects.filter(session_id=session.pk).order_by("raised_at", "pk"))
    reports = [
        CoreReport(participant_id=pid, t=t.timestamp(), kind=kind, text=text)
        for pid, t, kind, text in SelfReport.objects.filter(session_id=session.pk)
        .order_by("t", "pk")
        .values_list("participant_id", "t", "kind", "text")
    ]
    purge = ReadingPurge.objects.filter(session_id=session.pk).first()
    return SessionData(
        names=names,
        readings=readings,
        flags=flags,
        flag_events=flag_events_of(flags),
        reports=reports,
        stored_points=stored_timeline(session.pk),
        purge=purge,
    )


def session_end_time(session: ClassSession, readings: list[CoreReading]) -> float | None:
    """When the session ended; for a live one, its latest reading."""
    if session.ended_at is not None:
        return session.ended_at.timestamp()
    return readings[-1].t if readings else None


def student_summaries(session: ClassSession, data: SessionData, *, end: float | None) -> dict[int, dict[str, Any]]:
    """participant id -> student_summary, for every participant (and anyone else with readings, flags or
    reports)."""
    rules = rules_for(session.sensitivity)
    readings_by: dict[int, list[CoreReading]] = defaultdict(list)
    for reading in data.readings:
        readings_by[reading.participant_id].append(reading)
    flags_by: dict[int, list[FlagEvent]] = defaultdict(list)
    for event in data.flag_events:
        flags_by[event.participant_id].append(event)
    reports_by: dict[int, list[CoreReport]] = defaultdict(list)
    for report in data.reports:
        reports_by[report.participant_id].append(report)
    ids = set(data.names) | set(readings_by) | set(flags_by) | set(reports_by)
    return {
        pid: student_summary(readings_by[pid], flags_by[pid], reports_by[pid], participant_id=pid, end=end, rules=rules)
        for pid in sorted(ids)
    }


def report_timeline(data: SessionData) -> list[CorePoint]:
    """The session's timeline built from its readings, flags and taps, for sessions without a stored one. The live
    path builds its points with the default rules (live.refresh.session_refresh), and so does this."""
    return mood_timeline(
        data.readings, flags=data.flag_events, reports=data.reports, bucket_s=settings.TIMELINE_BUCKET_S
    )


def confused_moments(session: ClassSession, data: SessionData) -> list[dict[str, Any]]:
    """The report's most confused moments: judged from the readings, or as judged before they were purged."""
    if not data.readings and data.purge is not None:
        return list(data.purge.confused_windows)
    return most_confused_windows(
        data.readings,
        data.reports,
        k=CONFUSED_WINDOWS,
        window_s=CONFUSED_WINDOW_S,
        rules=rules_for(session.sensitivity),
    )


def _mean(values: list[float]) -> float | None:
    return math.fsum(values) / len(values) if values else None


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def session_report(session: ClassSession, *, now: datetime | None = None) -> dict[str, Any]:
    """The whole report of one session, JSON-ready; times are epoch seconds, shares 0-1, scores 0-100.

    {"version", "session": {...}, "raw_readings": {"count", "purged_at", "purged_count"},
    "summary": {"students", "average_engagement", "average_attention", "flags": {kind: n}, "peak_present"},
    "timeline": [MoodPoint.to_dict()], "engagement_curve": [[t, v]], "attention_curve": [[t, v]],
    "flags": [{"id", "participant_id", "name", "kind", "cause", "raised_at", "cleared_at", "explanation" (in the
    reader's language), "explanation_messages", "dismissed"}],
    "students": [student_summary + {"name"}], "confused_windows": most_confused_windows(...) ([] when nothing
    stood out; after a purge, as judged before it),
    "agreement": self_report_agreement(...), "voice": {"counts": {kind: taps}, "students": {kind: students},
    "reports": [{"participant_id", "name", "kind", "text", "t"}]}}.
    """
    data = session_data_load(session)
    end = session_end_time(session, data.readings)
    summaries = student_summaries(session, data, end=end)
    # The timeline the live dashboard stored and showed; built from the readings only when none was stored.
    points = data.stored_points or report_timeline(data)
    if not data.readings and data.purge is not None:  # the raw readings are gone: summaries were kept at purge time
        summaries.update({int(pid): summary for pid, summary in data.purge.students.items()})
    students = [
        {**summary, "name": data.names.get(pid, f"Student {pid}")}
        for pid, summary in sorted(summaries.items(), key=lambda item: data.names.get(item[0], "").lower())
        if pid in data.names
    ]
    stop = session.ended_at or now or timezone.now()
    flags_count = Counter(flag.kind for flag in data.flags)
    voice_counts = Counter(report.kind for report in data.reports)
    voice_students = {kind: len({r.participant_id for r in data.reports if r.kind == kind}) for kind in REPORT_KINDS}
    return {
        "version": REPORT_VERSION,
        "session": {
            "id": session.pk,
            "title": session.display_title,
            "course": session.course.name,
            "course_id": session.course_id,
            "status": session.status,
            "started_at": session.started_at.timestamp(),
            "ended_at": epoch(session.ended_at),
            "duration_s": max(0.0, (stop - session.started_at).total_seconds()),
            "emotion_enabled": session.emotion_enabled,
            "sensitivity": session.sensitivity,
            "bucket_s": settings.TIMELINE_BUCKET_S,
        },
        "raw_readings": {
            "count": len(data.readings),
            "purged_at": epoch(data.purge.purged_at) if data.purge else None,
            "purged_count": data.purge.readings_deleted if data.purge else 0,
        },
        "summary": {
            "students": len(data.names),
            "average_engagement": _round(_mean([p.engagement for p in points if p.engagement is not None])),
            "average_attention": _round(_mean([p.attention for p in points if p.attention is not None])),
            "flags": {kind: flags_count.get(kind, 0) for kind in FLAG_KINDS},
            "peak_present": max((p.present for p in points), default=0),
        },
        "timeline": [point.to_dict() for point in points],
        "engagement_curve": engagement_curve(points, smooth_s=CURVE_SMOOTH_S),
        "attention_curve": engagement_curve(points, smooth_s=CURVE_SMOOTH_S, field="attention"),
        "flags": [
            {
                "id": flag.pk,
                "participant_id": flag.participant_id,
                "name": data.names.get(flag.participant_id, ""),
                "kind": flag.kind,
                "cause": flag.cause,
                "raised_at": flag.raised_at.timestamp(),
                "cleared_at": epoch(flag.cleared_at),
                "explanation": explanation_text(flag_explanation(flag)),
                "explanation_messages": flag_explanation(flag),
                "dismissed": flag.dismissed_at is not None,
            }
            for flag in data.flags
        ],
        "students": students,
        "confused_windows": confused_moments(session, data),
        "agreement": self_report_agreement(data.flag_events, data.reports),
        "voice": {
            "counts": {kind: voice_counts.get(kind, 0) for kind in REPORT_KINDS},
            "students": voice_students,
            "reports": [
                {**report.to_dict(), "name": data.names.get(report.participant_id, "")} for report in data.reports
            ],
        },
    }


# --- the class history


def course_history(course: Course) -> list[dict[str, Any]]:
    """The class's sessions, newest first: [{"session", "started_at", "ended_at", "duration_s" (None while live),
    "students", "flags", "average_engagement" (mean of the stored timeline points, None without any),
    "purged"}]. Four queries, whatever the number of sessions."""
    sessions = list(course.sessions.order_by("-started_at"))
    ids = [s.pk for s in sessions]
    students = dict(
        Participant.objects.filter(session_id__in=ids)
        .values("session_id")
        .annotate(n=Count("pk"))
        .values_list("session_id", "n")
    )
    flags = dict(
        Flag.objects.filter(session_id__in=ids)
        .values("session_id")
        .annotate(n=Count("pk"))
        .values_list("session_id", "n")
    )
    engagement = dict(
        MoodPoint.objects.filter(session_id__in=ids, engagement__isnull=False)
        .values("session_id")
        .annotate(mean=Avg("engagement"))
        .values_list("session_id", "mean")
    )
    purged = set(ReadingPurge.objects.filter(session_id__in=ids).values_list("session_id", flat=True))
    return [
        {
            "session": session,
            "started_at": session.started_at,
            "ended_at": session.ended_at,
            "duration_s": (session.ended_at - session.started_at).total_seconds() if session.ended_at else None,
            "students": students.get(session.pk, 0),
            "flags": flags.get(session.pk, 0),
            "average_engagement": _round(engagement.get(session.pk)),
            "purged": session.pk in purged,
        }
        for session in sessions
    ]


def course_comparison(history: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The comparison chart's data, oldest first: [{"id", "title", "t", "engagement", "flags_per_student",
    "students"}]."""
    return [
        {
            "id": row["session"].pk,
            "title": row["session"].display_title,
            "t": row["started_at"].timestamp(),
            "engagement": row["average_engagement"],
            "flags_per_student": round(row["flags"] / row["students"], 2) if row["students"] else None,
            "students": row["students"],
        }
        for row in reversed(history)
    ]
