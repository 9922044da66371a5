"""Stored rows <-> the engagement core's dataclasses: every conversion in one place.

The live path and the reports read readings, flags and timeline points through these functions, so a stored
value means the same thing everywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from engagement.core import FlagEvent
from engagement.core import MoodPoint as CorePoint
from engagement.core import Reading as CoreReading
from engagement.core.explain import Explanation, from_text
from engagement.explanations import explanation_text
from engagement.models import EMOTION_FIELDS, Flag, MoodPoint, Reading

# A reading's columns in core.Reading's field order (probabilities spread over the EMOTION_FIELDS).
READING_COLUMNS = (
    "participant_id",
    "t",
    "camera",
    "face",
    *EMOTION_FIELDS,
    "brightness",
    "blur",
    "face_px",
    "tab_visible",
    "focused",
    "idle_s",
)


def as_datetime(t: float) -> datetime:
    """Epoch seconds as an aware UTC datetime, for a DateTimeField."""
    return datetime.fromtimestamp(t, tz=UTC)


def epoch(value: datetime | None) -> float | None:
    return None if value is None else value.timestamp()


# --- readings


def reading_row(session_id: int, reading: CoreReading, quality: str) -> Reading:
    """The row that stores one core reading (unsaved)."""
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


_NAIVE_EPOCH = datetime(1970, 1, 1)


def _aware_epoch(value: datetime) -> float:
    return value.timestamp()


def _naive_utc_epoch(value: datetime) -> float:
    return (value - _NAIVE_EPOCH).total_seconds()


def readings_from_values(rows: list[tuple[Any, ...]]) -> list[CoreReading]:
    """Core readings from rows of READING_COLUMNS values. Timestamps may come aware (PostgreSQL, or through the
    ORM) or naive in UTC (a raw SQLite fetch)."""
    to_epoch: Callable[[datetime], float] = _aware_epoch
    if rows and rows[0][1].tzinfo is None:
        to_epoch = _naive_utc_epoch
    return [
        CoreReading(
            pid,
            to_epoch(t),
            camera,
            face,
            None if angry is None else (angry, disgust, fear, happy, sad, surprise, neutral),
            brightness,
            blur,
            face_px,
            tab_visible,
            focused,
            idle_s,
        )
        for (
            pid,
            t,
            camera,
            face,
            angry,
            disgust,
            fear,
            happy,
            sad,
            surprise,
            neutral,
            brightness,
            blur,
            face_px,
            tab_visible,
            focused,
            idle_s,
        ) in rows
    ]


# --- flags


def flag_row(session_id: int, event: FlagEvent) -> Flag:
    """The row that stores a raised flag (unsaved): its explanation as messages, and as text in the site's language
    for exports and search."""
    return Flag(
        session_id=session_id,
        participant_id=event.participant_id,
        kind=event.kind,
        raised_at=as_datetime(event.t),
        explanation=explanation_text(event.explanation),
        explanation_messages=event.explanation,
        cause=event.cause,
    )


def flag_explanation(flag: Flag) -> Explanation:
    """A stored flag's explanation as messages (a flag stored before messages existed: its sentence, as it was)."""
    return list(flag.explanation_messages) if flag.explanation_messages else from_text(flag.explanation)


def flag_events_of(flags: Iterable[Flag]) -> list[FlagEvent]:
    """Stored flags as raised (and, when cleared, cleared) events."""
    events = []
    for flag in flags:
        explanation = flag_explanation(flag)
        t = flag.raised_at.timestamp()
        events.append(FlagEvent(flag.participant_id, flag.kind, "raised", t, explanation, flag.cause))
        if flag.cleared_at is not None:
            t = flag.cleared_at.timestamp()
            events.append(FlagEvent(flag.participant_id, flag.kind, "cleared", t, explanation, flag.cause))
    return events


# --- timeline points


def point_of(row: MoodPoint) -> CorePoint:
    return CorePoint(
        t=row.t.timestamp(),
        shares=dict(row.shares),
        present=row.present,
        connected=row.connected,
        engagement=row.engagement,
        attention=row.attention,
        confused_share=row.confused_share,
        attentive_share=row.attentive_share,
        taps=dict(row.taps),
    )


POINT_FIELDS = (
    "shares",
    "present",
    "connected",
    "engagement",
    "attention",
    "confused_share",
    "attentive_share",
    "taps",
)


def point_values(point: CorePoint) -> dict[str, Any]:
    """A point's values as they are stored, unrounded (the live path stores its protocol dict, rounded)."""
    return {"t": point.t, **{name: getattr(point, name) for name in POINT_FIELDS}}


def point_fields(values: dict[str, Any]) -> dict[str, Any]:
    """The stored fields but session and time, from a point's values or its protocol dict."""
    return {name: values[name] for name in POINT_FIELDS}


def point_row(session_id: int, values: dict[str, Any]) -> MoodPoint:
    return MoodPoint(session_id=session_id, t=as_datetime(values["t"]), **point_fields(values))
