"""The live engine: turns analyzed snapshots and student events into stored readings, flags,
timeline points and dashboard messages.

It runs in the inference workers (in the web process on the embedded default), always on one
engine thread per process. Per-student and per-session live state sits in the Django cache
(Redis in production) so that every process sees the same dashboard; everything a report needs
is also written to the database. Each function returns the messages to send as `Outgoing`s and
leaves the sending to the async caller.
"""

from __future__ import annotations

import base64
import logging
import secrets
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, transaction

from classroom.groups import teachers_group
from classroom.models import ClassSession, Participant
from engagement import core
from engagement.models import EMOTION_FIELDS, Flag, MoodPoint, Reading
from inference import FrameAnalysis, InferenceError

log = logging.getLogger(__name__)

STATE_TTL_S = 12 * 3600
# Several workers may hold messages of one student at once: each loads, updates and saves that student's record
# under a lock in the shared cache. A lock outlives a crashed holder by at most STUDENT_LOCK_TTL_S.
STUDENT_LOCK_TTL_S = 30
STUDENT_LOCK_WAIT_S = 5.0


@dataclass(frozen=True)
class Outgoing:
    """A channel-layer message: to a group (`group_send`) or to one socket's channel (`send`)."""

    target: str
    message: dict[str, Any]
    to_group: bool = True


@dataclass(frozen=True)
class SessionSettings:
    emotion_enabled: bool
    show_snapshots: bool
    sensitivity: str
    live: bool


def as_datetime(t: float) -> datetime:
    return datetime.fromtimestamp(t, tz=UTC)


# --- live records in the shared cache


def _student_key(participant_id: int) -> str:
    return f"pulse:student:{participant_id}"


def _alert_key(session_id: int) -> str:
    return f"pulse:session:{session_id}:alert"


@contextmanager
def students_locked(participant_ids: Iterable[int]) -> Iterator[None]:
    """Holds the shared-cache locks of these students (taken in id order, so two holders never deadlock).

    A lock still held by another process after STUDENT_LOCK_WAIT_S is passed over with a warning: a stale
    record is better than a stalled worker.
    """
    token = secrets.token_hex(8)
    keys = [f"pulse:lock:student:{pid}" for pid in sorted(set(participant_ids))]
    held: list[str] = []
    deadline = time.monotonic() + STUDENT_LOCK_WAIT_S
    try:
        if hasattr(cache, "add_in_order"):  # the Redis cache: the uncontended case in one round trip
            held = keys[: cache.add_in_order(keys, token, timeout=STUDENT_LOCK_TTL_S)]
        for key in keys[len(held) :]:
            while not cache.add(key, token, timeout=STUDENT_LOCK_TTL_S):
                if time.monotonic() > deadline:
                    log.warning("%s is held by another worker for over %.0f s; going on", key, STUDENT_LOCK_WAIT_S)
                    break
                time.sleep(0.002)
            else:
                held.append(key)
        yield
    finally:
        if held:
            cache.delete_many(held)


def new_record(participant_id: int, name: str) -> dict[str, Any]:
    return {
        "participant_id": participant_id,
        "name": name,
        "connected": False,
        "channel": None,
        "state": None,
        "flag_ids": {},
        "last_report": None,
        "quality": None,
    }


def records_load(participant_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    found = cache.get_many([_student_key(pid) for pid in participant_ids])
    return {pid: found[_student_key(pid)] for pid in participant_ids if _student_key(pid) in found}


def records_save(records: dict[int, dict[str, Any]]) -> None:
    cache.set_many({_student_key(pid): record for pid, record in records.items()}, timeout=STATE_TTL_S)


def session_members(session_id: int) -> list[int]:
    # From the database, not a cached list: two workers adding students to one list at once lose one of them.
    return list(Participant.objects.filter(session_id=session_id).values_list("pk", flat=True))


def record_state(record: dict[str, Any]) -> core.StudentState | None:
    return core.StudentState.from_dict(record["state"]) if record.get("state") else None


# --- what the dashboard shows


def tile(
    record: dict[str, Any], *, state: core.StudentState | None = None, snapshot: bytes | None = None
) -> dict[str, Any]:
    """The protocol's tile for one student (`state`: the record's state, when the caller already holds it)."""
    state = state if state is not None else record_state(record)
    base: dict[str, Any] = core.student_tile(state) if state is not None else {"status": "waiting"}
    flags = [
        {**flag, "id": record["flag_ids"].get(flag["kind"]), "participant_id": record["participant_id"]}
        for flag in base.get("flags", [])
    ]
    status = base.get("status", "waiting") if record["connected"] else "disconnected"
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
        "id": record["participant_id"],
        "name": record["name"],
        "status": status,
        "flags": flags,
        "last_report": record.get("last_report"),
    }
    if snapshot is not None:
        result["snapshot"] = "data:image/jpeg;base64," + base64.b64encode(snapshot).decode()
    return result


def flag_message(flag: Flag, name: str) -> dict[str, Any]:
    return {
        "id": flag.pk,
        "participant_id": flag.participant_id,
        "name": name,
        "kind": flag.kind,
        "raised_at": flag.raised_at.timestamp(),
        "cleared_at": flag.cleared_at.timestamp() if flag.cleared_at else None,
        "explanation": flag.explanation,
        "dismissed": flag.dismissed_at is not None,
    }


def flag_events_apply(
    session_id: int, record: dict[str, Any], events: Sequence[core.FlagEvent], *, dismissed_by: int | None = None
) -> list[Outgoing]:
    """Stores raised/cleared flags and returns the dashboard messages about them."""
    out = []
    for event in events:
        if event.action == "raised":
            flag = Flag.objects.create(
                session_id=session_id,
                participant_id=event.participant_id,
                kind=event.kind,
                raised_at=as_datetime(event.t),
                explanation=event.explanation,
            )
            record["flag_ids"][event.kind] = flag.pk
        else:
            flag_id = record["flag_ids"].pop(event.kind, None)
            flag = Flag.objects.filter(pk=flag_id).first() if flag_id else None
            if flag is None:
                continue
            flag.cleared_at = as_datetime(event.t)
            if dismissed_by is not None:
                flag.dismissed_at, flag.dismissed_by_id = flag.cleared_at, dismissed_by
            flag.save(update_fields=["cleared_at", "dismissed_at", "dismissed_by"])
        kind = "flag.raised" if event.action == "raised" else "flag.cleared"
        out.append(Outgoing(teachers_group(session_id), {"type": kind, "flag": flag_message(flag, record["name"])}))
    return out


# --- snapshots


def sessions_settings(session_ids: set[int]) -> dict[int, SessionSettings]:
    rows = ClassSession.objects.filter(pk__in=session_ids).values(
        "pk", "emotion_enabled", "show_snapshots", "sensitivity", "status"
    )
    return {
        row["pk"]: SessionSettings(
            emotion_enabled=row["emotion_enabled"] and settings.EMOTION_INFERENCE != "off",
            show_snapshots=row["show_snapshots"],
            sensitivity=row["sensitivity"],
            live=row["status"] == ClassSession.Status.LIVE,
        )
        for row in rows
    }


def core_reading(job: dict[str, Any], analysis: FrameAnalysis | None) -> core.Reading:
    """The engagement core's view of one snapshot (analysis None: the camera is paused or off)."""
    attention = job.get("attention") or {}
    face = analysis.main_face if analysis is not None else None
    return core.Reading(
        participant_id=job["participant_id"],
        t=job["t"],
        camera=attention.get("camera", "on") if analysis is None else "on",
        face=face is not None,
        probabilities=tuple(face.probabilities[e] for e in core.EMOTIONS) if face and face.probabilities else None,
        brightness=(face.quality.brightness if face else analysis.brightness) if analysis else None,
        blur=(face.quality.blur if face else analysis.blur) if analysis else None,
        face_px=face.quality.face_px if face else None,
        tab_visible=attention.get("visible"),
        focused=attention.get("focused"),
        idle_s=attention.get("idle_s"),
        yaw=face.pose.yaw if face and face.pose else None,
        pitch=face.pose.pitch if face and face.pose else None,
    )


def reading_row(session_id: int, reading: core.Reading, quality: str) -> Reading:
    probabilities = reading.probabilities or (None,) * len(EMOTION_FIELDS)
    return Reading(
        session_id=session_id,
        participant_id=reading.participant_id,
        t=as_datetime(reading.t),
        camera=reading.camera,
        face=reading.face,
        quality=quality,
        brightness=reading.brightness,
        blur=reading.blur,
        face_px=reading.face_px,
        tab_visible=reading.tab_visible,
        focused=reading.focused,
        idle_s=reading.idle_s,
        **dict(zip(EMOTION_FIELDS, probabilities, strict=True)),
    )


def frames_process(
    jobs: Sequence[dict[str, Any]],
    analyze: Callable[[list[bytes], bool], list[FrameAnalysis | InferenceError]],
) -> list[Outgoing]:
    """Analyzes a batch of snapshots, stores their readings and returns every message they cause.

    `analyze(jpegs, emotion_enabled)` is the batched FaceAnalyzer call. The readings and flags of a batch
    are one transaction: if a write fails, nothing of the batch is stored and the error propagates (the
    worker may retry the batch whole). Only that part raises database errors.
    """
    session_conf = sessions_settings({job["session_id"] for job in jobs})
    jobs = [job for job in jobs if job["session_id"] in session_conf and session_conf[job["session_id"]].live]
    analyses: dict[int, FrameAnalysis | InferenceError | None] = {}
    for emotion in (True, False):
        batch = [
            i
            for i, job in enumerate(jobs)
            if job.get("jpeg") and session_conf[job["session_id"]].emotion_enabled is emotion
        ]
        if batch:
            jpegs = [jobs[i]["jpeg"] for i in batch]
            for i, result in zip(batch, analyze(jpegs, emotion), strict=True):
                analyses[i] = result
    out: list[Outgoing] = []
    accepted: list[tuple[dict[str, Any], core.Reading]] = []
    for i, job in enumerate(jobs):
        analysis = analyses.get(i)
        if isinstance(analysis, InferenceError):
            out.append(Outgoing(job["reply"], {"type": "frame.error", "message": str(analysis)}, to_group=False))
            continue
        accepted.append((job, core_reading(job, analysis)))
    if not accepted:
        return out
    with students_locked(job["participant_id"] for job, _ in accepted):
        return out + _readings_store(accepted, session_conf)


def _readings_store(
    accepted: list[tuple[dict[str, Any], core.Reading]], session_conf: dict[int, SessionSettings]
) -> list[Outgoing]:
    """Folds accepted readings into their students' records, stores them and returns the messages they cause."""
    out: list[Outgoing] = []
    records = records_load([job["participant_id"] for job, _ in accepted])
    rows = []
    tiles: dict[int, list[dict[str, Any]]] = {}  # per session: one dashboard message for the whole batch
    times: dict[int, list[float]] = {}  # per session: the readings' times, for its timeline refresh
    with transaction.atomic():
        # A student who left (and maybe had their data deleted) while their last snapshot waited is not recorded.
        names = _present_locked({job["participant_id"] for job, _ in accepted})
        accepted = [(job, reading) for job, reading in accepted if job["participant_id"] in names]
        for job, reading in accepted:
            session_id, pid = job["session_id"], job["participant_id"]
            conf = session_conf[session_id]
            rules = core.rules_for(conf.sensitivity)
            record = records.setdefault(pid, new_record(pid, names[pid]))
            record["connected"] = True
            state, events = core.student_update(record_state(record), reading, rules=rules)
            record["state"] = state.to_dict()
            quality = core.quality_of(reading, rules=rules)
            rows.append(reading_row(session_id, reading, quality))
            out += flag_events_apply(session_id, record, events)
            snapshot = job["jpeg"] if conf.show_snapshots and job.get("jpeg") else None
            tiles.setdefault(session_id, []).append(tile(record, state=state, snapshot=snapshot))
            times.setdefault(session_id, []).append(reading.t)
            if record.get("quality") != quality or quality != "ok":
                out.append(
                    Outgoing(
                        job["reply"],
                        {"type": "frame.quality", "state": quality, "hint": core.quality_hint(quality)},
                        to_group=False,
                    )
                )
            record["quality"] = quality
        Reading.objects.bulk_create(rows)
    records_save({pid: record for pid, record in records.items() if pid in names})
    for session_id, session_tiles in tiles.items():
        out.append(Outgoing(teachers_group(session_id), {"type": "students.update", "students": session_tiles}))
        since, now = min(times[session_id]), max(times[session_id])
        out += refresh_or_defer(session_id, since=since, now=now, sensitivity=session_conf[session_id].sensitivity)
    return out


@dataclass
class DeferredRefresh:
    since: float  # the earliest reading not yet in the timeline
    now: float  # the latest one
    sensitivity: str
    due: float  # time.monotonic() when it may run


# Per process: the sessions whose timeline and class alert were last refreshed less than
# SESSION_REFRESH_S ago (by any process), with what their refresh must cover once it is due.
_deferred: dict[int, DeferredRefresh] = {}


def _refresh_key(session_id: int) -> str:
    return f"pulse:refreshed:{session_id}"


def refresh_or_defer(session_id: int, *, since: float, now: float, sensitivity: str) -> list[Outgoing]:
    """Refreshes the session's timeline and alert now, unless that happened within SESSION_REFRESH_S.

    A big class sends dozens of snapshots a second; recomputing the class for each batch would cost more
    than analyzing the faces. A put-off refresh is merged with later ones and run by `deferred_refreshes_run`.
    """
    pending = _deferred.pop(session_id, None)
    if pending is not None:
        since, now = min(since, pending.since), max(now, pending.now)
    interval = settings.SESSION_REFRESH_S
    if interval <= 0 or cache.add(_refresh_key(session_id), 1, timeout=interval):
        return _refresh_safely(session_id, since=since, now=now, sensitivity=sensitivity)
    due = pending.due if pending is not None else time.monotonic() + interval
    _deferred[session_id] = DeferredRefresh(since, now, sensitivity, due)
    return []


def deferred_refresh_due_in() -> float | None:
    """Seconds until the next put-off refresh of this process is due (0 if one is), or None if there is none."""
    if not _deferred:
        return None
    return max(0.0, min(p.due for p in list(_deferred.values())) - time.monotonic())


def deferred_refreshes_run() -> list[Outgoing]:
    """Runs the put-off refreshes that are due."""
    out: list[Outgoing] = []
    for session_id, pending in list(_deferred.items()):
        if pending.due <= time.monotonic():
            del _deferred[session_id]
            cache.set(_refresh_key(session_id), 1, timeout=settings.SESSION_REFRESH_S)
            out += _refresh_safely(session_id, since=pending.since, now=pending.now, sensitivity=pending.sensitivity)
    return out


def _refresh_safely(session_id: int, *, since: float, now: float, sensitivity: str) -> list[Outgoing]:
    try:
        return session_refresh(session_id, since=since, now=now, sensitivity=sensitivity)
    except DatabaseError:  # the readings are stored; the next refresh recomputes these timeline buckets
        log.warning("timeline refresh of session %s skipped: database unavailable", session_id)
        return []


def session_refresh(session_id: int, *, now: float, sensitivity: str, since: float | None = None) -> list[Outgoing]:
    """Recomputes the class alert and the timeline buckets from the one holding `since` to the one holding `now`."""
    bucket_s = settings.TIMELINE_BUCKET_S
    end = now - now % bucket_s + bucket_s
    start = min(since if since is not None else now, now)
    start -= start % bucket_s
    readings = [
        core_reading_from_row(row)
        for row in Reading.objects.filter(session_id=session_id, t__gte=as_datetime(start), t__lt=as_datetime(end))
    ]
    members = session_members(session_id)
    records = records_load(members)
    connected = sum(1 for record in records.values() if record["connected"])
    out: list[Outgoing] = []
    for point in core.mood_timeline(readings, bucket_s=bucket_s, start=start, end=end):
        point_dict = {**point.to_dict(), "connected": connected}
        MoodPoint.objects.update_or_create(
            session_id=session_id,
            t=as_datetime(point.t),
            defaults={
                "shares": point_dict["shares"],
                "present": point_dict["present"],
                "connected": connected,
                "engagement": point_dict["engagement"],
                "attention": point_dict["attention"],
            },
        )
        out.append(Outgoing(teachers_group(session_id), {"type": "timeline.point", "point": point_dict}))
    states = [s for s in (record_state(r) for r in records.values() if r["connected"]) if s is not None]
    alert_state = cache.get(_alert_key(session_id))
    alert_state = core.ClassAlertState.from_dict(alert_state) if alert_state else None
    alert_state, alert, changed = core.class_alert_update(alert_state, states, now, rules=core.rules_for(sensitivity))
    cache.set(_alert_key(session_id), alert_state.to_dict(), timeout=STATE_TTL_S)
    if changed:
        out.append(Outgoing(teachers_group(session_id), {"type": "class.alert", "alert": alert}))
    return out


def core_reading_from_row(row: Reading) -> core.Reading:
    return core.Reading(
        participant_id=row.participant_id,
        t=row.t.timestamp(),
        camera=row.camera,
        face=row.face,
        probabilities=row.probabilities,
        brightness=row.brightness,
        blur=row.blur,
        face_px=row.face_px,
        tab_visible=row.tab_visible,
        focused=row.focused,
        idle_s=row.idle_s,
    )


# --- student events


def _sensitivity(session_id: int) -> str:
    return ClassSession.objects.filter(pk=session_id).values_list("sensitivity", flat=True).first() or "normal"


def _record_for(participant_id: int, name: str = "") -> dict[str, Any]:
    record = records_load([participant_id]).get(participant_id)
    if record is None:
        if not name:
            name = Participant.objects.filter(pk=participant_id).values_list("display_name", flat=True).first() or ""
        record = new_record(participant_id, name)
    return record


def _present_locked(participant_ids: Iterable[int]) -> dict[int, str]:
    """The names of those students who have not left, their rows locked until the transaction ends.

    A student may leave and delete their data while their last snapshot or event is on the way. Under the
    lock, either the leave is seen (and nothing is written) or it waits for this write and then deletes it.
    """
    rows = Participant.objects.select_for_update().filter(pk__in=sorted(participant_ids), left_at__isnull=True)
    return dict(rows.order_by("pk").values_list("pk", "display_name"))


def _has_left(participant_id: int) -> bool:
    return not _present_locked([participant_id])


def _tile_update(session_id: int, record: dict[str, Any]) -> Outgoing:
    return Outgoing(teachers_group(session_id), {"type": "student.update", "student": tile(record)})


def participant_connected(message: dict[str, Any]) -> list[Outgoing]:
    with students_locked([message["participant_id"]]):
        return _participant_connected(message)


def _participant_connected(message: dict[str, Any]) -> list[Outgoing]:
    session_id, pid = message["session_id"], message["participant_id"]
    record = _record_for(pid, message.get("name", ""))
    record.update(connected=True, channel=message["reply"])
    records_save({pid: record})
    return [_tile_update(session_id, record)]


def participant_disconnected(message: dict[str, Any]) -> list[Outgoing]:
    with students_locked([message["participant_id"]]), transaction.atomic():
        return _participant_disconnected(message)


def _participant_disconnected(message: dict[str, Any]) -> list[Outgoing]:
    session_id, pid = message["session_id"], message["participant_id"]
    record = _record_for(pid)
    if record.get("channel") not in (None, message["reply"]):
        return []  # an older socket closing after a newer one took over
    record.update(connected=False, channel=None)
    out: list[Outgoing] = []
    state = record_state(record)
    if _has_left(pid):  # nothing more is recorded about them, not even "absent"
        record.update(state=None, flag_ids={})
        state = None
    if state is not None:
        state, events = core.student_disconnect(state, message["t"])
        record["state"] = state.to_dict()
        out += flag_events_apply(session_id, record, events)
    records_save({pid: record})
    return [*out, _tile_update(session_id, record)]


def self_reported(message: dict[str, Any]) -> list[Outgoing]:
    with students_locked([message["participant_id"]]), transaction.atomic():
        return _self_reported(message)


def _self_reported(message: dict[str, Any]) -> list[Outgoing]:
    session_id, pid = message["session_id"], message["participant_id"]
    if _has_left(pid):
        return []
    record = _record_for(pid)
    report = core.SelfReport(participant_id=pid, t=message["t"], kind=message["kind"], text=message.get("text", ""))
    state, events = core.student_self_report(
        record_state(record), report, rules=core.rules_for(_sensitivity(session_id))
    )
    record["state"] = state.to_dict()
    record["last_report"] = {"kind": report.kind, "text": report.text, "t": report.t}
    out = flag_events_apply(session_id, record, events)
    records_save({pid: record})
    return [*out, _tile_update(session_id, record)]


def flag_dismissed(message: dict[str, Any]) -> list[Outgoing]:
    flag = Flag.objects.filter(pk=message["flag_id"], session_id=message["session_id"], cleared_at__isnull=True).first()
    if flag is None:
        return []
    with students_locked([flag.participant_id]):
        return _flag_dismissed(flag, message)


def _flag_dismissed(flag: Flag, message: dict[str, Any]) -> list[Outgoing]:
    record = _record_for(flag.participant_id)
    state = record_state(record)
    if state is None:
        return []
    record["flag_ids"].setdefault(flag.kind, flag.pk)
    state, events = core.student_dismiss(
        state, flag.kind, message["t"], rules=core.rules_for(_sensitivity(flag.session_id))
    )
    record["state"] = state.to_dict()
    out = flag_events_apply(flag.session_id, record, events, dismissed_by=message.get("user_id"))
    records_save({flag.participant_id: record})
    return [*out, _tile_update(flag.session_id, record)]


EVENT_HANDLERS: dict[str, Callable[[dict[str, Any]], list[Outgoing]]] = {
    "participant.connect": participant_connected,
    "participant.disconnect": participant_disconnected,
    "self.report": self_reported,
    "flag.dismiss": flag_dismissed,
}
