"""The live per-student path: one reading (or tap, dismissal, disconnect) in, new state and flag events out.

Every function here copies the state it is given and returns the new one; the argument is never changed,
so replaying the same inputs from the same state always gives the same flags.
"""

from __future__ import annotations

import math
from typing import Any

from engagement.core import explain
from engagement.core.flags import confused_share, evaluate, explain_confused, lower, report_active, step
from engagement.core.rules import Rules
from engagement.core.scores import DRIFT_FLAGS, engagement_score
from engagement.core.signals import activity_of, confusion_score, is_flat, quality_hint, reading_signals
from engagement.core.state import CONFUSED_LOOK, FLAT, USABLE, StudentState
from engagement.core.types import CANT_SEE, EMOTIONS, FLAG_KINDS, FlagEvent, Reading, SelfReport

EXPRESSIVITY_TAU_S = 30.0  # time constant of the rolling expressivity on the state


# --- The public functions ---------------------------------------------------------------------------------------


def student_update(
    state: StudentState | None, reading: Reading, *, rules: Rules
) -> tuple[StudentState, list[FlagEvent]]:
    """Fold one reading into the student's state.

    Returns the new state and the flags raised or cleared by this reading (usually none). A reading older than
    the last one seen is ignored: (state, []).
    """
    if state is None:
        state = StudentState(participant_id=reading.participant_id)
    elif state.participant_id != reading.participant_id:
        raise ValueError("the reading belongs to another participant")
    if state.last_t is not None and reading.t < state.last_t:
        return state, []
    s = state.copy()
    t = reading.t
    sig = reading_signals(reading, rules=rules)
    if s.connected and s.last_t is not None:
        dt = min(t - s.last_t, rules.max_gap_s)
        s.connected_time_s += dt
        if s.face:
            s.face_time_s += dt
    s.connected = True
    s.last_t = t
    s.camera = reading.camera
    s.quality = sig.quality
    s.face = reading.face and reading.camera == "on"
    s.tab_visible = reading.tab_visible
    s.focused = reading.focused
    s.idle_s = reading.idle_s

    bits = sig.cues
    change = -1.0
    p = sig.probabilities
    if p is not None:
        bits |= USABLE
        if confusion_score(p, rules) >= rules.confused_frame_score:
            bits |= CONFUSED_LOOK
        if is_flat(p):
            bits |= FLAT
        change = _fold_emotion(s, p, t, rules)
        _learn_baseline(s, bits, change, t, rules)
    _push_sample(s, t, bits, change, rules)
    events = evaluate(s, t, sig, rules)
    # Scored after the rules, so a flag raised by this very reading already holds the score down.
    s.score = engagement_score(
        page=sig.page,
        presence=sig.presence,
        activity=activity_of(p) if p is not None else None,
        drift_flagged=any(s.flags[kind].active for kind in DRIFT_FLAGS),
    )
    _push_spark(s, t, s.score, rules)
    return s, events


def student_self_report(
    state: StudentState | None, report: SelfReport, *, rules: Rules
) -> tuple[StudentState, list[FlagEvent]]:
    """Record a tap. "I'm confused" is strong evidence: it raises the confused flag at once (unless the teacher
    dismissed that flag recently) and keeps it up for rules.report_evidence_s. "All good" withdraws that evidence.
    Returns the new state and any flag raised.
    """
    if state is None:
        state = StudentState(participant_id=report.participant_id)
    elif state.participant_id != report.participant_id:
        raise ValueError("the report belongs to another participant")
    s = state.copy()
    s.connected = True
    t = report.t if s.last_t is None else max(report.t, s.last_t)
    s.last_report = {"kind": report.kind, "text": report.text, "t": report.t}
    events: list[FlagEvent] = []
    if report.kind == "confused":
        s.report_confused_t = t
        share, usual = confused_share(s, t, rules)
        step(
            s,
            "confused",
            t,
            cause="report",
            keep=True,
            off_s=rules.confused_off_s,
            explain_raise=lambda cause: explain_confused(s, t, cause, share, usual, rules),
            quality=s.quality,
            events=events,
        )
    elif report.kind == "all_good":
        s.report_confused_t = None
    return s, events


def student_dismiss(state: StudentState, kind: str, t: float, *, rules: Rules) -> tuple[StudentState, list[FlagEvent]]:
    """The teacher dismissed the student's flag of this kind: clear it now (a "cleared" event if it was up) and
    keep that kind quiet for this student for rules.cooldown_s. The dismissal itself is the integrator's to store.
    """
    if kind not in FLAG_KINDS:
        raise ValueError(f"kind must be one of {FLAG_KINDS}")
    s = state.copy()
    track = s.flags[kind]
    events: list[FlagEvent] = []
    if track.active:
        lasted = t - (track.since if track.since is not None else t)
        text = explain.dismissed(kind=kind, lasted_s=lasted, cooldown_s=rules.cooldown_s)
        events.append(FlagEvent(s.participant_id, kind, "cleared", t, text, track.cause))
    lower(track)
    track.cooldown_until = t + rules.cooldown_s
    # The evidence must build up afresh once the cooldown is over.
    if kind == "absent":
        s.away_since = s.hidden_since = None
        s.attention_from = t
    elif kind == "confused":
        s.confused_since = None
        s.report_confused_t = None
    elif kind == "looking_away":
        s.looking_away_since = None
    else:
        s.bored_since = None
    return s, events


def student_disconnect(state: StudentState, t: float) -> tuple[StudentState, list[FlagEvent]]:
    """The student's socket closed. Every flag that is up is cleared (a flag on someone who is not there helps
    nobody) and nothing can be raised until their next reading: a disconnected student is never "absent".
    The baseline, totals and sparkline are kept for when they come back.
    """
    s = state.copy()
    events: list[FlagEvent] = []
    for kind in FLAG_KINDS:
        track = s.flags[kind]
        if track.active:
            lasted = t - (track.since if track.since is not None else t)
            events.append(
                FlagEvent(s.participant_id, kind, "cleared", t, explain.left_session(lasted_s=lasted), track.cause)
            )
            lower(track)
    s.connected = False
    s.last_t = t if s.last_t is None else max(s.last_t, t)
    s.samples = []
    s.away_since = s.hidden_since = s.confused_since = s.bored_since = s.looking_away_since = None
    s.report_confused_t = None
    s.smoothed = s.smoothed_t = s.prev_probabilities = None
    s.score = None
    return s, events


def student_tile(state: StudentState) -> dict[str, Any]:
    """The fields of the teacher's tile for this student (the integrator adds id, name and snapshot):

    {"participant_id", "status": "waiting"|"live"|"no_face"|"cant_see"|"paused"|"disconnected", "quality",
     "quality_hint", "emotion", "confidence", "probabilities": {emotion: p} or None,
     "engagement": the latest reading's score, 0-100, or None when the student was not seen in it,
     "sparkline": [[t, engagement 0-100], ...] (steps without a score left out),
     "flags": [{"kind", "cause", "since", "explanation_messages"}],
     "attention": {"visible", "focused", "idle_s"}, "last_report", "last_seen",
     "face_time_s" (time with a face in view), "expressivity" (0-1, rolling frame-to-frame change, or None)}

    While a flag is up the emotion fields are None: the tile shows the flag's reason, never an expression that
    argues with it ("Happy 57%" beside "Confused").
    """
    status = _status(state)
    emotion = confidence = probabilities = None
    flagged = bool(state.active_flags())
    if status == "live" and not flagged and state.smoothed is not None and state.smoothed_t == state.last_t:
        top = max(range(len(EMOTIONS)), key=state.smoothed.__getitem__)
        emotion = EMOTIONS[top]
        confidence = round(state.smoothed[top], 3)
        probabilities = {name: round(p, 3) for name, p in zip(EMOTIONS, state.smoothed, strict=True)}
    return {
        "participant_id": state.participant_id,
        "status": status,
        "quality": state.quality,
        "quality_hint": quality_hint(state.quality) if state.quality else "",
        "emotion": emotion,
        "confidence": confidence,
        "probabilities": probabilities,
        "engagement": None if state.score is None or status == "disconnected" else round(state.score, 1),
        "sparkline": [[t, round(v, 1)] for t, v in state.spark],
        "flags": [
            {
                "kind": kind,
                "cause": state.flags[kind].cause,
                "since": state.flags[kind].since,
                "explanation_messages": list(state.flags[kind].explanation),
            }
            for kind in state.active_flags()
        ],
        "attention": {"visible": state.tab_visible, "focused": state.focused, "idle_s": state.idle_s},
        "last_report": state.last_report,
        "last_seen": state.last_t,
        "face_time_s": round(state.face_time_s, 1),
        "expressivity": None if state.expressivity is None else round(state.expressivity, 3),
    }


# --- Folding one reading in -------------------------------------------------------------------------------------


def _fold_emotion(s: StudentState, p: tuple[float, ...], t: float, rules: Rules) -> float:
    """Update smoothed probabilities and expressivity; return the change since the last clear face (-1: none)."""
    change = -1.0
    if s.smoothed is None or s.smoothed_t is None or t - s.smoothed_t > rules.max_gap_s:
        s.smoothed = p  # first clear face, or the first after a long gap: start afresh
    else:
        dt = t - s.smoothed_t
        alpha = 1.0 - math.exp(-dt / rules.smoothing_s) if rules.smoothing_s > 0 else 1.0
        s.smoothed = tuple(old + alpha * (new - old) for old, new in zip(s.smoothed, p, strict=True))
        if s.prev_probabilities is not None:
            # Rounded so the stored state stays small; JSON gives back exactly this float.
            change = round(0.5 * sum(abs(a - b) for a, b in zip(p, s.prev_probabilities, strict=True)), 4)
            if s.expressivity is None:
                s.expressivity = change
            else:
                beta = 1.0 - math.exp(-dt / EXPRESSIVITY_TAU_S)
                s.expressivity += beta * (change - s.expressivity)
    s.smoothed_t = t
    s.prev_probabilities = p
    return change


def _learn_baseline(s: StudentState, bits: int, change: float, t: float, rules: Rules) -> None:
    b = s.baseline
    if b.done:
        return
    # Frames the student (or the rules) already call confused say nothing about their resting face.
    if s.flags["confused"].active or report_active(s, t, rules):
        return
    if b.start is None:
        b.start = t
    b.frames += 1
    if bits & CONFUSED_LOOK:
        b.confused += 1
    if change >= 0.0:
        b.change_sum += change
        b.change_n += 1
    if t - b.start >= rules.baseline_s and b.frames >= rules.baseline_min_frames:
        b.done = True


def _push_sample(s: StudentState, t: float, bits: int, change: float, rules: Rules) -> None:
    samples = s.samples
    samples.append((t, bits, change))
    horizon = t - max(rules.bored_window_s, rules.confused_window_s)
    drop = 0
    while drop < len(samples) and samples[drop][0] <= horizon:
        drop += 1
    drop = max(drop, len(samples) - rules.window_capacity)
    if drop:
        del samples[:drop]


def _push_spark(s: StudentState, t: float, value: float | None, rules: Rules) -> None:
    if value is None:  # no evidence in this reading: the sparkline has a gap, not a made-up value
        return
    step = math.floor(t / rules.sparkline_step_s) * rules.sparkline_step_s
    if s.spark and s.spark[-1][0] == step:
        s.spark_n += 1
        last = s.spark[-1][1]
        s.spark[-1] = (step, last + (value - last) / s.spark_n)
        return
    s.spark.append((step, value))
    s.spark_n = 1
    if len(s.spark) > rules.sparkline_len:
        del s.spark[: len(s.spark) - rules.sparkline_len]


def _status(state: StudentState) -> str:
    if not state.connected:
        return "disconnected"
    if state.last_t is None or state.camera is None:
        return "waiting"
    if state.camera != "on":
        return "paused"
    if state.quality in CANT_SEE:
        return "cant_see"
    if state.quality == "no_face":
        return "no_face"
    return "live"
