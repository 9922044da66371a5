"""The words a class session is set up with. Plain data, no Django: the engagement core reads them too, and the
pages hand them to the JavaScript (engagement/vocabulary.py)."""

from __future__ import annotations

from enum import StrEnum

# How readily the rules flag a student (engagement.core.rules has one preset per sensitivity).
SENSITIVITY_LABELS: dict[str, str] = {"low": "Low (fewer flags)", "normal": "Normal", "high": "High (more flags)"}
SENSITIVITIES: tuple[str, ...] = tuple(SENSITIVITY_LABELS)
DEFAULT_SENSITIVITY = "normal"


class EmotionMode(StrEnum):
    """The EMOTION_INFERENCE setting: whether this deployment estimates facial emotions."""

    ON = "on"  # in every session
    OFF = "off"  # never: presence, attention and student voice only
    PER_SESSION = "per-session"  # the teacher chooses for each session (new sessions default to on)


EMOTION_MODES: tuple[str, ...] = tuple(mode.value for mode in EmotionMode)
