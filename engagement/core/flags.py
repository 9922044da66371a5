"""The flag rules (absent, confused, bored, looking away) and the hysteresis they share, over a student's recent
samples.

student.py folds a reading into the state and then calls evaluate(); the rules only read the samples and
write the flag tracks and their "since" timers. docs/engagement.md states the same rules for teachers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from engagement.core import explain
from engagement.core.rules import Rules
from engagement.core.signals import HIDDEN, IDLE, NO_FACE, UNFOCUSED, Signals, drift_of
from engagement.core.state import CONFUSED_LOOK, FLAT, USABLE, Baseline, FlagTrack, StudentState
from engagement.core.types import CANT_SEE, FlagEvent


def baseline_confused_share(baseline: Baseline, rules: Rules) -> float:
    """The student's usual share of confused-looking frames, pulled towards the class-wide prior early on."""
    k = rules.baseline_prior_frames
    return (rules.baseline_prior_confused * k + baseline.confused) / (k + baseline.frames)


def baseline_expressivity(baseline: Baseline, rules: Rules) -> float:
    """The student's usual frame-to-frame expression change, pulled towards the prior early on."""
    k = rules.baseline_prior_frames
    return (rules.baseline_prior_expressivity * k + baseline.change_sum) / (k + baseline.change_n)


# --- The rules --------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Window:
    """Counts over the recent samples: the confused window and the (longer) bored window."""

    faces: int = 0  # confused window: clear faces
    confused: int = 0  # ... of which confused-looking
    n: int = 0  # bored window: readings
    drift: float = 0.0
    hidden: int = 0
    unfocused: int = 0
    no_face: int = 0
    idle: int = 0
    b_faces: int = 0
    flat: int = 0
    change_sum: float = 0.0
    change_n: int = 0
    oldest: float = 0.0


def window(s: StudentState, t: float, rules: Rules) -> _Window:
    """Counts over the samples in the confused window and in the bored window ending at t."""
    confused_from = t - rules.confused_window_s
    bored_from = t - rules.bored_window_s
    # Attention before the last absent flag ended is already explained by that flag: it is not boredom now.
    if s.attention_from is not None and s.attention_from > bored_from:
        bored_from = s.attention_from
    faces = confused = n = change_n = 0
    change_sum = 0.0
    oldest = t
    by_bits: dict[int, int] = {}  # the bored window's samples, counted per bit pattern (there are few patterns)
    for st, bits, change in reversed(s.samples):
        if st <= bored_from and st <= confused_from:
            break
        if st > confused_from and bits & USABLE:
            faces += 1
            if bits & CONFUSED_LOOK:
                confused += 1
        if st > bored_from:
            n += 1
            oldest = st
            by_bits[bits] = by_bits.get(bits, 0) + 1
            if change >= 0.0:
                change_sum += change
                change_n += 1
    w = _Window(faces=faces, confused=confused, n=n, change_sum=change_sum, change_n=change_n, oldest=oldest)
    for bits, count in by_bits.items():
        if bits & 15:
            w.drift += count * drift_of(bits, rules)
            w.hidden += count if bits & HIDDEN else 0
            w.unfocused += count if bits & UNFOCUSED else 0
            w.no_face += count if bits & NO_FACE else 0
            w.idle += count if bits & IDLE else 0
        if bits & USABLE:
            w.b_faces += count
            w.flat += count if bits & FLAT else 0
    return w


def evaluate(s: StudentState, t: float, sig: Signals, rules: Rules) -> list[FlagEvent]:
    events: list[FlagEvent] = []
    w = window(s, t, rules)
    _rule_absent(s, t, sig, rules, events)
    if s.flags["absent"].active and s.flags["bored"].active:
        _supersede_bored(s, t, events)
        w = window(s, t, rules)
    _rule_confused(s, t, sig, w, rules, events)
    _rule_bored(s, t, sig, w, rules, events)
    _rule_looking_away(s, t, sig, rules, events)
    return events


def _supersede_bored(s: StudentState, t: float, events: list[FlagEvent]) -> None:
    """The student is now marked away: a bored flag on top of that says nothing more, so it goes at once."""
    track = s.flags["bored"]
    lasted = t - (track.since if track.since is not None else t)
    events.append(
        FlagEvent(s.participant_id, "bored", "cleared", t, explain.bored_superseded(lasted_s=lasted), track.cause)
    )
    lower(track)
    s.bored_since = None


def _rule_absent(s: StudentState, t: float, sig: Signals, rules: Rules, events: list[FlagEvent]) -> None:
    # Absent needs positive evidence: a clear picture without a face, or a hidden tab. A dark picture is
    # "can't see you", which is neither, so it also lets an absent flag clear.
    away = bool(sig.cues & NO_FACE)
    hidden = bool(sig.cues & HIDDEN)
    s.away_since = (t if s.away_since is None else s.away_since) if away else None
    s.hidden_since = (t if s.hidden_since is None else s.hidden_since) if hidden else None
    away_due = s.away_since is not None and t - s.away_since >= rules.absent_on_s
    hidden_due = s.hidden_since is not None and t - s.hidden_since >= rules.hidden_absent_on_s
    cause = "no_face" if away_due else "tab_hidden" if hidden_due else None
    was_active = s.flags["absent"].active
    step(
        s,
        "absent",
        t,
        cause=cause,
        keep=away or hidden,
        off_s=rules.absent_off_s,
        explain_raise=lambda _: explain.absent_raised(
            away_since=s.away_since if away_due else None, hidden_since=s.hidden_since if hidden_due else None
        ),
        quality=sig.quality,
        events=events,
    )
    if was_active and not s.flags["absent"].active:
        s.attention_from = t


def _rule_confused(s: StudentState, t: float, sig: Signals, w: _Window, rules: Rules, events: list[FlagEvent]) -> None:
    usual = baseline_confused_share(s.baseline, rules)
    face_seen = w.faces >= rules.confused_min_frames
    share = w.confused / w.faces if face_seen else None
    face_raise = face_keep = False
    b = s.baseline
    warmed_up = b.done or (
        b.start is not None and t - b.start >= rules.baseline_warmup_s and b.frames >= rules.baseline_min_frames
    )
    # Only a clear face in this very reading counts: a dark or blurry frame never raises "confused". Nor does
    # a face we have not watched for a minute and baseline_min_frames clear frames: its "usual" is still a guess.
    if sig.probabilities is not None and share is not None and warmed_up:
        bar = max(rules.confused_share, usual + rules.confused_margin)
        face_raise = share >= bar
        face_keep = share >= bar - rules.confused_keep_slack
    s.confused_since = (t if s.confused_since is None else s.confused_since) if face_raise else None
    face_due = s.confused_since is not None and t - s.confused_since >= rules.confused_on_s
    reported = report_active(s, t, rules)
    cause = "face" if face_due else "report" if reported else None
    step(
        s,
        "confused",
        t,
        cause=cause,
        keep=face_keep or reported,
        off_s=rules.confused_off_s,
        explain_raise=lambda c: explain_confused(s, t, c, share if face_seen else None, usual, rules),
        quality=sig.quality,
        events=events,
    )


def _bored_holds(w: _Window, usual_change: float, rules: Rules, slack: float) -> bool:
    drift = w.drift / w.n
    if drift >= rules.bored_drift_alone - slack:
        return True
    if w.b_faces < rules.bored_min_faces or w.change_n == 0:
        return False
    flat = w.flat / w.b_faces
    change = w.change_sum / w.change_n
    return (
        drift >= rules.bored_drift_with_face - slack
        and flat >= rules.bored_flat_share - slack
        and change <= rules.bored_expressivity_ratio * usual_change * (1.0 + slack)
    )


def _heading_away(s: StudentState, t: float, rules: Rules) -> bool:
    """True while the tab has been hidden, or the face out of a clear picture, without a break for at least half
    the time that raises "away"."""
    hidden = s.hidden_since is not None and t - s.hidden_since >= rules.hidden_absent_on_s / 2
    away = s.away_since is not None and t - s.away_since >= rules.absent_on_s / 2
    return hidden or away


def _rule_bored(s: StudentState, t: float, sig: Signals, w: _Window, rules: Rules, events: list[FlagEvent]) -> None:
    raise_ok = keep = False
    # Never from a picture we cannot trust, never on top of "away", and only with enough of the window seen.
    judged = (
        sig.quality not in CANT_SEE
        and not s.flags["absent"].active
        and w.n >= rules.bored_min_readings
        and t - w.oldest >= rules.bored_window_s / 2
    )
    if judged:
        usual_change = baseline_expressivity(s.baseline, rules)
        raise_ok = _bored_holds(w, usual_change, rules, 0.0)
        keep = raise_ok or _bored_holds(w, usual_change, rules, rules.bored_keep_slack)
    s.bored_since = (t if s.bored_since is None else s.bored_since) if raise_ok else None
    # Its timer keeps running, but "bored" waits while a streak is on its way to "away", which says it better.
    due = s.bored_since is not None and t - s.bored_since >= rules.bored_on_s and not _heading_away(s, t, rules)

    def explain_raise(_: str) -> explain.Explanation:
        flat_path = w.drift / w.n < rules.bored_drift_alone
        return explain.bored_raised(
            since=s.bored_since if s.bored_since is not None else t,
            window_s=rules.bored_window_s,
            hidden=w.hidden / w.n,
            unfocused=w.unfocused / w.n,
            no_face=w.no_face / w.n,
            idle=w.idle / w.n,
            flat=w.flat / w.b_faces if flat_path and w.b_faces else None,
        )

    step(
        s,
        "bored",
        t,
        cause="attention" if due else None,
        keep=keep,
        off_s=rules.bored_off_s,
        explain_raise=explain_raise,
        quality=sig.quality,
        events=events,
    )


def _rule_looking_away(s: StudentState, t: float, sig: Signals, rules: Rules, events: list[FlagEvent]) -> None:
    # Only a clear face with a head pose counts (sig.head_turn is None otherwise): a dark or blurry picture, no
    # face, or a head tipped down to notes breaks the streak and lets the flag clear.
    turn = sig.head_turn
    far = turn is not None and turn >= rules.looking_away_yaw_deg
    still = turn is not None and turn >= rules.looking_away_keep_deg
    if s.looking_away_since is None:
        s.looking_away_since = t if far else None
    elif not still:
        s.looking_away_since = None
    since = s.looking_away_since
    # "Away" already says more than "looking away" (and a face can't be both in view and missing).
    due = since is not None and t - since >= rules.looking_away_on_s and not s.flags["absent"].active
    step(
        s,
        "looking_away",
        t,
        cause="head_turned" if due else None,
        keep=still,
        off_s=rules.looking_away_off_s,
        explain_raise=lambda _: explain.looking_away_raised(
            since=since if since is not None else t, head_turn=turn or 0.0
        ),
        quality=sig.quality,
        events=events,
    )


def step(
    s: StudentState,
    kind: str,
    t: float,
    *,
    cause: str | None,
    keep: bool,
    off_s: float,
    explain_raise: Callable[[str], explain.Explanation],
    quality: str | None,
    events: list[FlagEvent],
) -> None:
    """The hysteresis every flag shares: raise when `cause` is due (and no cooldown); once up, clear only after
    `keep` has been false for off_s seconds in a row."""
    track = s.flags[kind]
    if track.active:
        if keep:
            track.off_since = None
            return
        if track.off_since is None:
            track.off_since = t
        if t - track.off_since >= off_s:
            lasted = t - (track.since if track.since is not None else t)
            events.append(
                FlagEvent(
                    s.participant_id,
                    kind,
                    "cleared",
                    t,
                    _explain_clear(kind, lasted, quality, track.cause),
                    track.cause,
                )
            )
            lower(track)
        return
    if cause is None or (track.cooldown_until is not None and t < track.cooldown_until):
        return
    text = explain_raise(cause)
    track.active = True
    track.since = t
    track.off_since = None
    track.explanation = text
    track.cause = cause
    track.cooldown_until = None
    events.append(FlagEvent(s.participant_id, kind, "raised", t, text, cause))


def lower(track: FlagTrack) -> None:
    track.active = False
    track.since = None
    track.off_since = None
    track.explanation = []
    track.cause = ""


def _explain_clear(kind: str, lasted: float, quality: str | None, cause: str) -> explain.Explanation:
    if kind == "absent":
        return explain.absent_cleared(lasted_s=lasted, quality=quality)
    if kind == "confused":
        return explain.confused_cleared(lasted_s=lasted, quality=quality, reported=cause == "report")
    if kind == "looking_away":
        return explain.looking_away_cleared(lasted_s=lasted, quality=quality)
    return explain.bored_cleared(lasted_s=lasted, quality=quality)


def explain_confused(
    s: StudentState, t: float, cause: str, share: float | None, usual: float, rules: Rules
) -> explain.Explanation:
    if cause == "face":
        since = s.confused_since if s.confused_since is not None else t
    else:
        since = s.report_confused_t if s.report_confused_t is not None else t
    return explain.confused_raised(
        cause=cause,
        since=since,
        share=share,
        usual=usual,
        window_s=rules.confused_window_s,
        learning=not s.baseline.done,
    )


def confused_share(s: StudentState, t: float, rules: Rules) -> tuple[float | None, float]:
    w = window(s, t, rules)
    share = w.confused / w.faces if w.faces >= rules.confused_min_frames else None
    return share, baseline_confused_share(s.baseline, rules)


def report_active(s: StudentState, t: float, rules: Rules) -> bool:
    return s.report_confused_t is not None and 0.0 <= t - s.report_confused_t < rules.report_evidence_s
