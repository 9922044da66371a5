"""Validation of the live socket protocol (docs/protocol.md). Pure functions; each raises ProtocolError."""

import json
import math
import unicodedata
from typing import Any

from classroom.vocabulary import SENSITIVITIES
from engagement.core import CAMERA_STATES, POLL_ANSWERS, REPORT_KINDS

VERSION = 1
MAX_REPORT_TEXT = 280
MAX_POLL_QUESTION = 200


class ProtocolError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def parse_command(text: str, known_types: dict[str, str] | set[str]) -> dict[str, Any]:
    """Returns the message as a dict with a known `type`."""
    try:
        message = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ProtocolError("bad_json", "Messages must be JSON objects.") from exc
    if not isinstance(message, dict):
        raise ProtocolError("bad_json", "Messages must be JSON objects.")
    kind = message.get("type")
    if not isinstance(kind, str) or kind not in known_types:  # a list or an object as `type` is unhashable
        raise ProtocolError("unknown_type", f"Unknown message type: {str(kind)[:40]!r}.")
    return message


def clean_text(text: str, limit: int) -> str:
    """One line of at most `limit` characters (code points), without control characters or lone surrogates: NUL
    is refused by PostgreSQL and a lone surrogate by every encoder, so either would otherwise fail deep in a write.
    A text cut short ends on a whole character as a reader sees one (text_clip)."""
    kept = "".join(ch if unicodedata.category(ch) not in ("Cc", "Cs") else " " for ch in text)
    return text_clip(" ".join(kept.split()), limit)


_ZWJ = "\u200d"
_VIRAMA = 9  # the canonical combining class of a virama (Devanagari's halant): it joins two consonants into one


def _continues(ch: str) -> bool:
    """ch belongs to the character before it: a combining mark (a vowel sign, a nukta, an accent), a joiner, a
    variation selector, an emoji skin tone or a tag (of a subdivision flag)."""
    return (
        unicodedata.category(ch) in ("Mn", "Mc", "Me")
        or ch == _ZWJ
        or "\ufe00" <= ch <= "\ufe0f"
        or "\U0001f3fb" <= ch <= "\U0001f3ff"
        or "\U000e0020" <= ch <= "\U000e007f"
    )


def text_clip(text: str, limit: int) -> str:
    """text[:limit], shortened further so as not to end inside one user-perceived character: an emoji with its
    skin tone or joined to another, a letter and its marks, a Devanagari conjunct (as the student's page cuts,
    with Intl.Segmenter). Regional-indicator flags may still be split: names rarely carry them."""
    if len(text) <= limit:
        return text
    cut = limit
    while cut > 0 and (
        _continues(text[cut]) or text[cut - 1] == _ZWJ or unicodedata.combining(text[cut - 1]) == _VIRAMA
    ):
        cut -= 1
    return text[:cut]


def _optional_bool(message: dict[str, Any], key: str) -> bool | None:
    value = message.get(key)
    if value is None or isinstance(value, bool):
        return value
    raise ProtocolError("bad_message", f"'{key}' must be true, false or null.")


def attention_signals(message: dict[str, Any]) -> dict[str, Any]:
    """{'visible', 'focused', 'idle_s', 'camera'} from an attention message."""
    camera = message.get("camera", "on")
    if camera not in CAMERA_STATES:
        raise ProtocolError("bad_message", "'camera' must be on, paused or off.")
    idle = message.get("idle_s")
    if idle is not None:
        if (
            isinstance(idle, bool)
            or not isinstance(idle, int | float)
            or (isinstance(idle, float) and not math.isfinite(idle))
            or idle < 0
        ):
            raise ProtocolError("bad_message", "'idle_s' must be a non-negative number or null.")
        idle = float(min(idle, 86_400))  # min first: float() of a huge int overflows
    return {
        "visible": _optional_bool(message, "visible"),
        "focused": _optional_bool(message, "focused"),
        "idle_s": idle,
        "camera": camera,
    }


def self_report(message: dict[str, Any]) -> tuple[str, str]:
    kind = message.get("kind")
    if kind not in REPORT_KINDS:
        raise ProtocolError("bad_message", f"'kind' must be one of {', '.join(REPORT_KINDS)}.")
    text = message.get("text") or ""
    if not isinstance(text, str):
        raise ProtocolError("bad_message", "'text' must be a string.")
    return kind, clean_text(text, MAX_REPORT_TEXT)


def positive_int(message: dict[str, Any], key: str) -> int:
    value = message.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ProtocolError("bad_message", f"'{key}' must be a positive integer.")
    return value


def poll_answer(message: dict[str, Any]) -> tuple[int, str]:
    answer = message.get("answer")
    if answer not in POLL_ANSWERS:
        raise ProtocolError("bad_message", "'answer' must be yes or not_yet.")
    return positive_int(message, "poll_id"), answer


def poll_question(message: dict[str, Any]) -> str:
    question = message.get("question") or "Is this clear?"
    if not isinstance(question, str):
        raise ProtocolError("bad_message", "'question' must be a string.")
    return clean_text(question, MAX_POLL_QUESTION) or "Is this clear?"


def sensitivity(message: dict[str, Any]) -> str:
    value = message.get("sensitivity")
    if value not in SENSITIVITIES:
        raise ProtocolError("bad_message", "'sensitivity' must be low, normal or high.")
    return value
