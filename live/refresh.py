"""The class view of a session: its mood timeline buckets and its class alert, recomputed from stored readings.

A big class sends dozens of snapshots a second; recomputing the class for each batch would cost more than
analyzing the faces, so a session is refreshed at most once per SESSION_REFRESH_S (across processes) and a
refresh asked for sooner is put off (`RefreshSchedule`), merged with later ones, and run once it is due.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError
from django.db.models import Q

from classroom.groups import teachers_group
from classroom.models import Participant
from engagement import core
from engagement.models import Flag, MoodPoint, SelfReport
from engagement.reports import session_readings
from engagement.rows import as_datetime, flag_events_of, point_fields
from live.payloads import Outgoing
from live.records import STATE_TTL_S, alert_key, records_load, refreshed_key

log = logging.getLogger(__name__)


@dataclass
class PendingRefresh:
    since: float  # the earliest reading not yet in the timeline
    now: float  # the latest one
    sensitivity: str
    due: float  # time.monotonic() when it may run


class RefreshSchedule:
    """One per process (held by the Engine): the sessions whose refresh was put off, with what it must cover."""

    def __init__(self) -> None:
        self._pending: dict[int, PendingRefresh] = {}

    def is_pending(self, session_id: int) -> bool:
        return session_id in self._pending

    def request(self, session_id: int, *, since: float, now: float, sensitivity: str) -> list[Outgoing]:
        """Refreshes the session now, unless some process did within SESSION_REFRESH_S: then puts it off."""
        pending = self._pending.pop(session_id, None)
        if pending is not None:
            since, now = min(since, pending.since), max(now, pending.now)
        interval = settings.SESSION_REFRESH_S
        if interval <= 0 or cache.add(refreshed_key(session_id), 1, timeout=interval):
            return _refresh_safely(session_id, since=since, now=now, sensitivity=sensitivity)
        due = pending.due if pending is not None else time.monotonic() + interval
        self._pending[session_id] = PendingRefresh(since, now, sensitivity, due)
        return []

    def due_in(self) -> float | None:
        """Seconds until the next put-off refresh is due (0 if one is), or None if there is none."""
        if not self._pending:
            return None
        return max(0.0, min(p.due for p in list(self._pending.values())) - time.monotonic())

    def run_due(self) -> list[Outgoing]:
        """Runs the put-off refreshes that are due."""
        out: list[Outgoing] = []
        for session_id, pending in list(self._pending.items()):
            if pending.due <= time.monotonic():
                del self._pending[session_id]
                cache.set(refreshed_key(session_id), 1, timeout=settings.SESSION_REFRESH_S)
                out += _refresh_safely(
                    session_id, since=pending.since, now=pending.now, sensitivity=pending.sensitivity
                )
        return out


def _refresh_safely(session_id: int, *, since: float, now: float, sensitivity: str) -> list[Outgoing]:
    try:
        return session_refresh(session_id, since=since, now=now, sensitivity=sensitivity)
    except DatabaseError:  # the readings are stored; the next refresh recomputes these timeline buckets
        log.warning("timeline refresh of session %s skipped: database unavailable", session_id)
        return []


def session_members(session_id: int) -> list[int]:
    # From the database, not a cached list: two workers adding students to one list at once lose one of them.
    return list(Participant.objects.filter(session_id=session_id).values_list("pk", flat=True))


def session_refresh(session_id: int, *, now: float, sensitivity: str, since: float | None = None) -> list[Outgoing]:
    """Recomputes the class alert and the timeline buckets from the one holding `since` to the one holding `now`."""
    bucket_s = settings.TIMELINE_BUCKET_S
    end = now - now % bucket_s + bucket_s
    start = min(since if since is not None else now, now)
    start -= start % bucket_s
    readings = session_readings(session_id, start=start, end=end)
    flags = Flag.objects.filter(session_id=session_id, raised_at__lt=as_datetime(end)).filter(
        Q(cleared_at__isnull=True) | Q(cleared_at__gt=as_datetime(start))
    )
    taps = [
        core.SelfReport(participant_id=pid, t=t.timestamp(), kind=kind)
        for pid, t, kind in SelfReport.objects.filter(
            session_id=session_id, t__gte=as_datetime(start), t__lt=as_datetime(end)
        ).values_list("participant_id", "t", "kind")
    ]
    records = records_load(session_members(session_id))
    connected = sum(1 for record in records.values() if record.connected)
    out: list[Outgoing] = []
    timeline = core.mood_timeline(
        readings, flags=flag_events_of(flags), reports=taps, bucket_s=bucket_s, start=start, end=end
    )
    for point in timeline:
        point_dict = {**point.to_dict(), "connected": connected}
        MoodPoint.objects.update_or_create(
            session_id=session_id, t=as_datetime(point.t), defaults=point_fields(point_dict)
        )
        out.append(Outgoing(teachers_group(session_id), {"type": "timeline.point", "point": point_dict}))
    states = [r.state for r in records.values() if r.connected and r.state is not None]
    stored = cache.get(alert_key(session_id))
    alert_state = core.ClassAlertState.from_dict(stored) if stored else None
    alert_state, alert, changed = core.class_alert_update(alert_state, states, now, rules=core.rules_for(sensitivity))
    cache.set(alert_key(session_id), alert_state.to_dict(), timeout=STATE_TTL_S)
    if changed:
        out.append(Outgoing(teachers_group(session_id), {"type": "class.alert", "alert": alert}))
    return out
