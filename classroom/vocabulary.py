"""The words a class session is set up with. Plain data, no Django: the engagement core reads them too, and the
pages hand them to the JavaScript (engagement/vocabulary.py)."""

from __future__ import annotations

from enum import StrEnum


def gettext_noop(message: str) -> str:
    """Marks a label for translation without translating it (`makemessages` finds every call by this name).

    This module and the engagement core stay free of Django, so their labels are English here; the pages
    translate them into the reader's language where they hand them over (engagement/vocabulary.py)."""
    return message


# How readily the rules flag a student (engagement.core.rules has one preset per sensitivity).
SENSITIVITY_LABELS: dict[str, str] = {
    "low": gettext_noop("Low (fewer flags)"),
    "normal": gettext_noop("Normal"),
    "high": gettext_noop("High (more flags)"),
}
SENSITIVITIES: tuple[str, ...] = tuple(SENSITIVITY_LABELS)
DEFAULT_SENSITIVITY = "normal"


class EmotionMode(StrEnum):
    """The EMOTION_INFERENCE setting: whether this deployment estimates facial emotions."""

    ON = "on"  # in every session
    OFF = "off"  # never: presence, attention and student voice only
    PER_SESSION = "per-session"  # the teacher chooses for each session (new sessions default to on)


EMOTION_MODES: tuple[str, ...] = tuple(mode.value for mode in EmotionMode)
