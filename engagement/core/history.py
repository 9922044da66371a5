"""Reports over stored data: per-student summaries, the most confused stretches, curves, report agreement."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from typing import Any

from engagement.core.intervals import flag_intervals, is_report_flag
from engagement.core.rules import DEFAULT_RULES, Rules
from engagement.core.scores import DRIFT_FLAGS, attention_score, engagement_score
from engagement.core.signals import activity_of, reading_signals
from engagement.core.timeline import MoodPoint
from engagement.core.types import CANT_SEE, EMOTIONS, FLAG_KINDS, REPORT_KINDS, FlagEvent, Reading, SelfReport


def self_report_agreement(
    flags: Sequence[FlagEvent], reports: Sequence[SelfReport], *, window_s: float = 120
) -> dict[str, Any]:
    """How often an "I'm confused" tap was preceded by a confused flag raised from the student's face: the flag
    was up at some moment in the window_s seconds before the tap (flags raised by taps do not count).

    Returns {"confused_reports": n, "preceded_by_flag": k, "share": k / n or None, "window_s",
    "face_flags": m (confused flags raised from the face), "followed_by_report": j (of those, how many were
    followed by a tap from that student within window_s of being raised), "flag_share": j / m or None}.
    """
    face_flags = [
        (pid, raised, cleared)
        for pid, kind, raised, cleared, event in flag_intervals(flags)
        if kind == "confused" and not is_report_flag(event)
    ]
    taps = sorted((r for r in reports if r.kind == "confused"), key=lambda r: (r.t, r.participant_id))
    preceded = 0
    for tap in taps:
        if any(
            pid == tap.participant_id and raised < tap.t and (cleared is None or cleared > tap.t - window_s)
            for pid, raised, cleared in face_flags
        ):
            preceded += 1
    followed = sum(
        1
        for pid, raised, _ in face_flags
        if any(tap.participant_id == pid and raised <= tap.t <= raised + window_s for tap in taps)
    )
    return {
        "confused_reports": len(taps),
        "preceded_by_flag": preceded,
        "share": preceded / len(taps) if taps else None,
        "window_s": window_s,
        "face_flags": len(face_flags),
        "followed_by_report": followed,
        "flag_share": followed / len(face_flags) if face_flags else None,
    }


def student_summary(
    readings: Iterable[Reading],
    flags: Iterable[FlagEvent],
    reports: Iterable[SelfReport],
    *,
    participant_id: int | None = None,
    end: float | None = None,
    rules: Rules | None = None,
) -> dict[str, Any]:
    """One student's session in numbers.

    participant_id defaults to the one participant in readings (ValueError if there are several); flags and
    reports of other participants are ignored. Each reading stands for the time until the next one (at most
    rules.max_gap_s). Flags still up are counted until `end` (default: the last reading).
    Returns {"participant_id", "first_seen", "last_seen", "time_connected_s", "time_present_s",
    "time_cant_see_s", "time_camera_off_s", "share_present", "dominant_emotions": [{"emotion", "share"}] (top 3),
    "share_confused", "share_bored", "share_absent", "share_looking_away", "flags": [{"kind", "raised_at", "cleared_at",
    "explanation" (messages), "cause"}], "reports": {kind: n}, "engagement", "attention"}; shares are 0-1 or None.
    engagement is the mean score of the readings in which the student was seen, attention of those with any
    evidence: None without any (a student who left before any reading has no score, not 100).
    """
    rules = rules or DEFAULT_RULES
    readings = sorted(readings, key=lambda r: r.t)
    ids = {r.participant_id for r in readings}
    if participant_id is None:
        if len(ids) > 1:
            raise ValueError("readings of several participants: pass participant_id")
        participant_id = next(iter(ids), None)
    readings = [r for r in readings if r.participant_id == participant_id]
    weights = [min(b.t - a.t, rules.max_gap_s) for a, b in itertools.pairwise(readings)]
    if readings:  # the last reading stands for as long as the one before it
        weights.append(weights[-1] if weights else 0.0)

    own_flags = [e for e in flags if e.participant_id == participant_id]
    drift_intervals = [
        (raised, cleared) for _, kind, raised, cleared, _ in flag_intervals(own_flags) if kind in DRIFT_FLAGS
    ]
    connected = present = cant_see = camera_off = 0.0
    prob_sums = [0.0] * len(EMOTIONS)
    prob_n = 0
    attention: list[float] = []
    engagement: list[float] = []
    for reading, w in zip(readings, weights, strict=True):
        sig = reading_signals(reading, rules=rules)
        connected += w
        if reading.face and reading.camera == "on":
            present += w
        if sig.quality in CANT_SEE:
            cant_see += w
        if reading.camera != "on":
            camera_off += w
        activity = None
        if sig.probabilities is not None:
            prob_n += 1
            activity = activity_of(sig.probabilities)
            for i, p in enumerate(sig.probabilities):
                prob_sums[i] += p
        drifting = any(
            raised <= reading.t and (cleared is None or reading.t < cleared) for raised, cleared in drift_intervals
        )
        if (a := attention_score(page=sig.page, presence=sig.presence)) is not None:
            attention.append(a)
        e = engagement_score(page=sig.page, presence=sig.presence, activity=activity, drift_flagged=drifting)
        if e is not None:
            engagement.append(e)

    first = readings[0].t if readings else min((e.t for e in own_flags), default=None)
    last = readings[-1].t if readings else max((e.t for e in own_flags), default=None)
    stop = end if end is not None else last
    flagged = dict.fromkeys(FLAG_KINDS, 0.0)
    flag_rows = []
    for _, kind, raised, cleared, event in flag_intervals(own_flags):
        until = cleared if cleared is not None else stop
        if until is not None and kind in flagged:
            flagged[kind] += max(0.0, until - raised)
        flag_rows.append(
            {
                "kind": kind,
                "raised_at": raised,
                "cleared_at": cleared,
                "explanation": event.explanation,
                "cause": event.cause,
            }
        )
    counts = dict.fromkeys(REPORT_KINDS, 0)
    for report in reports:
        if report.participant_id == participant_id and report.kind in counts:
            counts[report.kind] += 1
    dominant: list[dict[str, Any]] = []
    if prob_n:
        means = sorted(((s / prob_n, name) for s, name in zip(prob_sums, EMOTIONS, strict=True)), reverse=True)
        dominant = [{"emotion": name, "share": round(share, 3)} for share, name in means[:3]]

    def share_of(seconds: float) -> float | None:
        return min(1.0, seconds / connected) if connected > 0 else None

    return {
        "participant_id": participant_id,
        "first_seen": first,
        "last_seen": last,
        "time_connected_s": connected,
        "time_present_s": present,
        "time_cant_see_s": cant_see,
        "time_camera_off_s": camera_off,
        "share_present": share_of(present),
        "dominant_emotions": dominant,
        "share_confused": share_of(flagged["confused"]),
        "share_bored": share_of(flagged["bored"]),
        "share_absent": share_of(flagged["absent"]),
        "share_looking_away": share_of(flagged["looking_away"]),
        "flags": flag_rows,
        "reports": counts,
        "engagement": math.fsum(engagement) / len(engagement) if engagement else None,
        "attention": math.fsum(attention) / len(attention) if attention else None,
    }


def engagement_curve(
    points: Sequence[MoodPoint], *, smooth_s: float = 60.0, field: str = "engagement"
) -> list[list[float]]:
    """[[t, value], ...] of the class engagement (or field="attention"), each value the mean over the points
    in the trailing smooth_s seconds; points without a value are skipped."""
    if field not in ("engagement", "attention"):
        raise ValueError('field must be "engagement" or "attention"')
    series = sorted((p.t, v) for p in points if (v := getattr(p, field)) is not None)
    out: list[list[float]] = []
    lo = 0
    for hi, (t, _) in enumerate(series):
        while series[lo][0] <= t - smooth_s:
            lo += 1
        out.append([t, math.fsum(v for _, v in series[lo : hi + 1]) / (hi - lo + 1)])
    return out
