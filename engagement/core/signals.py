"""What one reading says, before any memory of earlier readings: picture quality, attention cues, emotion scores.

The live path (student_update) and the history path (mood_timeline, student_summary) both read readings
through reading_signals, so a reading means the same thing everywhere.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from classroom.vocabulary import gettext_noop
from engagement.core.rules import Rules
from engagement.core.types import CANT_SEE, EMOTIONS, Reading

# Attention cues, as bits so a stored sample stays a small int.
HIDDEN = 1  # the class tab is hidden
UNFOCUSED = 2  # the tab is visible but the window does not have focus
NO_FACE = 4  # the camera is on, the picture was measured and is clear, and there is no face in it
IDLE = 8  # no input for at least rules.idle_long_s

# How much each cue lowers the page-attention value (see docs/engagement.md, "Scores").
PAGE_UNFOCUSED_PENALTY = 0.5
PAGE_IDLE_PENALTY = 0.25

_NEUTRAL = EMOTIONS.index("neutral")
_SAD = EMOTIONS.index("sad")

# What the student's page says about their picture, by quality state (sent with each `quality` message).
# English here; the student's page shows them in its own language (engagement/vocabulary.py).
QUALITY_HINTS: dict[str, str] = {
    "ok": gettext_noop("We can see you clearly."),
    "no_face": gettext_noop("We can't find your face: sit facing the camera."),
    "too_dark": gettext_noop("More light would help: face a lamp or a window."),
    "too_blurry": gettext_noop("The picture is blurry: hold still or wipe the lens."),
    "face_too_small": gettext_noop("Move a little closer to the camera."),
    "camera_off": gettext_noop("Your camera is paused: the teacher only sees whether the class tab is open."),
}


def quality_of(reading: Reading, *, rules: Rules) -> str:
    """How usable the snapshot is: "ok", "no_face", "too_dark", "too_blurry", "face_too_small" or "camera_off".

    A dark or blurry picture without a face is "too_dark"/"too_blurry", never "no_face": a face might be there
    and we could not see it. Missing measurements (None) are taken as fine.
    """
    if reading.camera != "on":
        return "camera_off"
    if reading.brightness is not None and reading.brightness < rules.min_brightness:
        return "too_dark"
    if reading.face and reading.face_px is not None and reading.face_px < rules.min_face_px:
        return "face_too_small"
    if reading.blur is not None and reading.blur < rules.min_blur:
        return "too_blurry"
    return "ok" if reading.face else "no_face"


def quality_hint(quality: str) -> str:
    """One sentence the student's page shows for a quality state ("" for an unknown state)."""
    return QUALITY_HINTS.get(quality, "")


def normalized(probabilities: tuple[float, ...] | None) -> tuple[float, ...] | None:
    """The probabilities scaled to sum to 1, or None when they are missing or unusable (NaN, all zero)."""
    if probabilities is None:
        return None
    total = math.fsum(probabilities)
    if not math.isfinite(total):
        return None
    if min(probabilities) >= 0.0 and abs(total - 1.0) <= 1e-9:
        return tuple(probabilities)
    clipped = [p if p > 0.0 else 0.0 for p in probabilities]
    total = math.fsum(clipped)
    if total <= 0.0:
        return None
    return tuple(p / total for p in clipped)


@dataclass(frozen=True, slots=True)
class Signals:
    """One reading, interpreted.

    probabilities: normalized, and only when the picture is good enough to trust them (quality "ok").
    page: 0-1, how much the page itself says the student is with the lesson (tab, focus, input); None when the
    page sent no attention signal at all.
    presence: 1 a face in a picture clear enough to trust, 0 a measured, clear picture without a face, None when we
    cannot tell (too dark, blurry or small, the camera paused, not measured).
    cues: HIDDEN | UNFOCUSED | NO_FACE | IDLE bits.
    head_turn: how far the head is turned sideways, in degrees (either way), only for a clear face with a head
    pose that is not tipped down (rules.looking_down_pitch_deg); None when that can't be judged.
    """

    quality: str
    probabilities: tuple[float, ...] | None
    page: float | None
    presence: float | None
    cues: int
    head_turn: float | None = None


def reading_signals(reading: Reading, *, rules: Rules) -> Signals:
    """Interpret one reading (see Signals)."""
    quality = quality_of(reading, rules=rules)
    cues = 0
    if reading.tab_visible is False:
        cues |= HIDDEN
    elif reading.focused is False:
        cues |= UNFOCUSED
    # "No face" is evidence of absence only in a picture we actually measured and found clear.
    measured = reading.brightness is not None
    if quality == "no_face" and measured:
        cues |= NO_FACE
    if reading.idle_s is not None and reading.idle_s >= rules.idle_long_s:
        cues |= IDLE
    page: float | None
    if reading.tab_visible is None and reading.focused is None and reading.idle_s is None:
        page = None
    elif cues & HIDDEN:
        page = 0.0
    else:
        page = 1.0
        if cues & UNFOCUSED:
            page -= PAGE_UNFOCUSED_PENALTY
        if cues & IDLE:
            page -= PAGE_IDLE_PENALTY
    # A face in a picture we cannot trust is no evidence either way: "can't see you" is neither here nor away.
    if reading.camera == "on" and reading.face and quality not in CANT_SEE:
        presence: float | None = 1.0
    elif quality == "no_face" and measured:
        presence = 0.0
    else:
        presence = None
    probabilities = normalized(reading.probabilities) if quality == "ok" else None
    return Signals(quality, probabilities, page, presence, cues, head_turn_of(reading, quality=quality, rules=rules))


def in_view(quality: str | None) -> bool:
    """The one definition of "face in view", used by the tiles, the timeline's counts and the reports: the
    student's latest picture is clear and has a face in it (quality "ok")."""
    return quality == "ok"


def on_lesson(sig: Signals) -> bool:
    """The class tab is on screen and its window focused (the page told us so)."""
    return sig.page is not None and not sig.cues & (HIDDEN | UNFOCUSED)


def head_turn_of(reading: Reading, *, quality: str, rules: Rules) -> float | None:
    """How far a clear face is turned sideways (degrees), or None: no pose, a picture we can't trust, or a head
    tipped down towards notes, which is never "looking away"."""
    if quality != "ok" or not reading.face or reading.yaw is None:
        return None
    if reading.pitch is not None and reading.pitch >= rules.looking_down_pitch_deg:
        return None
    return abs(reading.yaw)


def drift_of(cues: int, rules: Rules) -> float:
    """How strongly a reading's cues say attention has drifted, 0-1 (its strongest cue)."""
    drift = 0.0
    if cues & HIDDEN:
        drift = rules.drift_hidden
    if cues & NO_FACE and rules.drift_no_face > drift:
        drift = rules.drift_no_face
    if cues & UNFOCUSED and rules.drift_unfocused > drift:
        drift = rules.drift_unfocused
    if cues & IDLE and rules.drift_idle > drift:
        drift = rules.drift_idle
    return drift


def confusion_score(probabilities: tuple[float, ...], rules: Rules) -> float:
    """Weighted share of brow-lowering / worried / negatively surprised expressions in one frame, 0-1."""
    w = rules.confused_weights
    return sum(w[i] * probabilities[i] for i in range(len(w)))


def is_flat(probabilities: tuple[float, ...]) -> bool:
    """True when neutral or sad is the most probable expression."""
    top = max(range(len(probabilities)), key=probabilities.__getitem__)
    return top in (_NEUTRAL, _SAD)


def activity_of(probabilities: tuple[float, ...]) -> float:
    """How far the face is from a blank one: 1 - p(neutral)."""
    return 1.0 - probabilities[_NEUTRAL]
