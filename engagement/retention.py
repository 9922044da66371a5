"""Retention and deletion: purging raw readings while keeping the session's aggregates, erasing one student's
data from a session, erasing a session."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from asgiref.sync import async_to_sync
from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone

from classroom.broadcast import session_ended_broadcast
from classroom.models import ClassSession, Participant
from classroom.services import session_end
from engagement.core.timeline import MoodPoint as CorePoint
from engagement.models import MoodPoint, Reading, ReadingPurge, SelfReport
from engagement.reports import (
    confused_moments,
    report_timeline,
    session_data_load,
    session_end_time,
    student_summaries,
)
from engagement.rows import point_row, point_values
from engagement.services import participant_data_delete


@dataclass(frozen=True)
class PurgedSession:
    session_id: int
    readings: int


def retention_cutoff(*, days: int | None = None, now: datetime | None = None) -> datetime:
    """Readings of sessions that started before this moment are due for purging."""
    keep = settings.READING_RETENTION_DAYS if days is None else days
    return (now or timezone.now()) - timedelta(days=keep)


def sessions_due_for_purge(cutoff: datetime) -> list[PurgedSession]:
    """Ended sessions that started before cutoff and still hold raw readings, with how many, in id order. Live
    sessions are left alone: their readings are still being written (end them first)."""
    rows = (
        Reading.objects.filter(session__started_at__lt=cutoff)
        .exclude(session__status=ClassSession.Status.LIVE)
        .values("session_id")
        .annotate(n=Count("pk"))
        .order_by("session_id")
    )
    return [PurgedSession(row["session_id"], row["n"]) for row in rows]


def _timeline_replace(session_id: int, points: list[CorePoint]) -> None:
    MoodPoint.objects.filter(session_id=session_id).delete()
    MoodPoint.objects.bulk_create(point_row(session_id, point_values(point)) for point in points)


def report_timeline_store(*, session: ClassSession) -> int:
    """Rebuilds the session's stored timeline from its readings (as the report computes it), replacing the
    points the live path wrote; returns how many points were stored. Does nothing without readings."""
    data = session_data_load(session)
    if not data.readings:
        return 0
    points = report_timeline(data)
    with transaction.atomic():
        _timeline_replace(session.pk, points)
    return len(points)


def session_readings_purge(*, session: ClassSession, now: datetime | None = None) -> int:
    """Deletes the session's raw readings after storing what the report needs without them: each student's
    summary, and the timeline when the live path stored none (built from the readings, as the report would).
    Returns how many readings were deleted."""
    with transaction.atomic():
        data = session_data_load(session)
        if not data.readings:
            return 0
        summaries = student_summaries(session, data, end=session_end_time(session, data.readings))
        if not data.stored_points:
            _timeline_replace(session.pk, report_timeline(data))
        purge, _ = ReadingPurge.objects.get_or_create(
            session_id=session.pk, defaults={"purged_at": now or timezone.now()}
        )
        purge.purged_at = now or timezone.now()
        purge.readings_deleted += len(data.readings)
        purge.students = {**purge.students, **{str(pid): summary for pid, summary in summaries.items()}}
        purge.confused_windows = confused_moments(session, data)
        purge.save()
        deleted, _ = Reading.objects.filter(session_id=session.pk).delete()
    return deleted


def live_sessions_skipped(cutoff: datetime) -> int:
    """Sessions still marked live that started before cutoff (the purge skips them)."""
    return ClassSession.objects.filter(started_at__lt=cutoff, status=ClassSession.Status.LIVE).count()


def readings_purge(*, cutoff: datetime, dry_run: bool = False) -> list[PurgedSession]:
    """Purges the raw readings of every ended session that started before cutoff (one transaction per session);
    returns the sessions and how many readings each had (or has, on a dry run)."""
    due = sessions_due_for_purge(cutoff)
    if dry_run:
        return due
    done = []
    for item in due:
        session = ClassSession.objects.select_related("course").get(pk=item.session_id)
        done.append(PurgedSession(session.pk, session_readings_purge(session=session)))
    return done


def session_last_activity(session: ClassSession) -> datetime:
    """When a student's socket last showed itself in the session: its latest reading (every open student page
    sends a snapshot or an attention heartbeat each interval, each stored as one), join, or voice tap; the
    session's start when there is none of these."""
    candidates = [
        session.started_at,
        Reading.objects.filter(session=session).aggregate(t=Max("t"))["t"],
        Participant.objects.filter(session=session).aggregate(t=Max("joined_at"))["t"],
        SelfReport.objects.filter(session=session).aggregate(t=Max("t"))["t"],
    ]
    return max(t for t in candidates if t is not None)


def idle_sessions_end(*, idle_hours: float | None = None, now: datetime | None = None) -> list[int]:
    """Ends every live session with no student activity (session_last_activity) for `idle_hours` (default
    SESSION_IDLE_END_HOURS; 0 ends none), and tells any socket still open; returns their ids in id order."""
    hours = settings.SESSION_IDLE_END_HOURS if idle_hours is None else idle_hours
    if hours <= 0:
        return []
    cutoff = (now or timezone.now()) - timedelta(hours=hours)
    ended = []
    for session in ClassSession.objects.filter(status=ClassSession.Status.LIVE, started_at__lt=cutoff).order_by("pk"):
        if session_last_activity(session) < cutoff and session_end(session=session):
            async_to_sync(session_ended_broadcast)(session.pk)
            ended.append(session.pk)
    return ended


def participant_erase(*, participant: Participant) -> None:
    """Removes one student from a session: their readings, flags, voice, poll answers, their kept summary and
    the participant (their name) itself. The class timeline keeps its anonymous shares."""
    with transaction.atomic():
        participant_data_delete(participant_id=participant.pk)
        purge = ReadingPurge.objects.select_for_update().filter(session_id=participant.session_id).first()
        if purge is not None and str(participant.pk) in purge.students:
            purge.students.pop(str(participant.pk))
            purge.save(update_fields=["students"])
        participant.delete()


def session_erase(*, session: ClassSession) -> None:
    """Deletes the session and everything recorded in it."""
    session.delete()
