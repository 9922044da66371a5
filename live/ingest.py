"""Analyzed snapshots in: readings stored, each student's rules advanced, tiles and flags out.

Runs on the engine thread of an inference worker (of the web process on the embedded default). Each function
returns the messages to send as `Outgoing`s and leaves the sending to the async caller.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction

from classroom.groups import teachers_group
from classroom.models import ClassSession
from classroom.selectors import participants_present_locked
from classroom.vocabulary import EmotionMode
from engagement import core
from engagement.models import Reading
from engagement.rows import reading_row
from inference import FrameAnalysis, InferenceError
from live.flags import flag_events_store
from live.payloads import Outgoing, tile
from live.records import StudentRecord, records_load, records_save, students_locked
from live.refresh import RefreshSchedule
from live.thumbnails import thumbnail

# The batched FaceAnalyzer call: (jpegs, emotion_enabled, participant ids) -> one result per jpeg. The ids let
# it follow each student's face from one snapshot to the next.
Analyze = Callable[[list[bytes], bool], list[FrameAnalysis | InferenceError]]


@dataclass(frozen=True)
class SessionSettings:
    emotion_enabled: bool
    show_snapshots: bool
    sensitivity: str
    live: bool


def sessions_settings(session_ids: set[int]) -> dict[int, SessionSettings]:
    rows = ClassSession.objects.filter(pk__in=session_ids).values(
        "pk", "emotion_enabled", "show_snapshots", "sensitivity", "status"
    )
    return {
        row["pk"]: SessionSettings(
            emotion_enabled=row["emotion_enabled"] and settings.EMOTION_INFERENCE != EmotionMode.OFF,
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


def frames_process(jobs: Sequence[dict[str, Any]], analyze: Analyze, *, refreshes: RefreshSchedule) -> list[Outgoing]:
    """Analyzes a batch of snapshots, stores their readings and returns every message they cause.

    The readings and flags of a batch are one transaction: if a write fails, nothing of the batch is stored and
    the error propagates (the worker may retry the batch whole). Only that part raises database errors.
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
    # Shrunk before the students' locks and the transaction are taken: it is image work, not bookkeeping.
    snapshots = {
        job["participant_id"]: thumbnail(job["jpeg"])
        for job, _ in accepted
        if session_conf[job["session_id"]].show_snapshots and job.get("jpeg")
    }
    with students_locked(job["participant_id"] for job, _ in accepted):
        return out + _readings_store(accepted, session_conf, snapshots, refreshes)


def _readings_store(
    accepted: list[tuple[dict[str, Any], core.Reading]],
    session_conf: dict[int, SessionSettings],
    snapshots: dict[int, bytes | None],
    refreshes: RefreshSchedule,
) -> list[Outgoing]:
    """Folds accepted readings into their students' records, stores them and returns the messages they cause
    (`snapshots`: each student's thumbnail, where their session shows snapshots)."""
    out: list[Outgoing] = []
    records = records_load([job["participant_id"] for job, _ in accepted])
    rows = []
    tiles: dict[int, list[dict[str, Any]]] = {}  # per session: one dashboard message for the whole batch
    times: dict[int, list[float]] = {}  # per session: the readings' times, for its timeline refresh
    with transaction.atomic():
        # A student who left (and maybe had their data deleted) while their last snapshot waited is not recorded.
        names = participants_present_locked({job["participant_id"] for job, _ in accepted})
        accepted = [(job, reading) for job, reading in accepted if job["participant_id"] in names]
        for job, reading in accepted:
            session_id, pid = job["session_id"], job["participant_id"]
            conf = session_conf[session_id]
            rules = core.rules_for(conf.sensitivity)
            record = records.setdefault(pid, StudentRecord(pid, names[pid]))
            record.connected = True
            record.state, events = core.student_update(record.state, reading, rules=rules)
            quality = core.quality_of(reading, rules=rules)
            rows.append(reading_row(session_id, reading, quality))
            out += flag_events_store(session_id, record, events)
            tiles.setdefault(session_id, []).append(tile(record, snapshot=snapshots.get(pid)))
            times.setdefault(session_id, []).append(reading.t)
            if record.quality != quality or quality != "ok":
                message = {"type": "frame.quality", "state": quality, "hint": core.quality_hint(quality)}
                out.append(Outgoing(job["reply"], message, to_group=False))
            record.quality = quality
        Reading.objects.bulk_create(rows)
    records_save(record for pid, record in records.items() if pid in names)
    for session_id, session_tiles in tiles.items():
        out.append(Outgoing(teachers_group(session_id), {"type": "students.update", "students": session_tiles}))
        since, now = min(times[session_id]), max(times[session_id])
        out += refreshes.request(session_id, since=since, now=now, sensitivity=session_conf[session_id].sensitivity)
    return out
