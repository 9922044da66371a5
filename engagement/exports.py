"""CSV exports of a session: streamed in pieces, so memory stays flat however long the session was."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from django.db.models import Q

from classroom.models import Participant
from engagement.models import EMOTION_FIELDS, Flag, Reading
from engagement.rows import READING_COLUMNS

CSV_CHUNK_ROWS = 5000

READINGS_CSV_HEADER = [
    "participant_id",
    "name",
    "t",
    "camera",
    "face",
    "quality",
    *EMOTION_FIELDS,
    "brightness",
    "blur",
    "face_px",
    "tab_visible",
    "focused",
    "idle_s",
]
FLAGS_CSV_HEADER = [
    "flag_id",
    "participant_id",
    "name",
    "kind",
    "raised_at",
    "cleared_at",
    "duration_s",
    "explanation",
    "dismissed_at",
]
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_text(value: str) -> str:
    """A free-text cell that a spreadsheet will not run as a formula."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def _csv_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if value is None:
        return ""
    return value


def _csv_chunk(rows: list[list[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerows([[_csv_value(v) for v in row] for row in rows])
    return buffer.getvalue()


def readings_csv_chunks(session_id: int, *, chunk_rows: int = CSV_CHUNK_ROWS) -> Iterator[str]:
    """The readings CSV in pieces of chunk_rows rows, header first. Each piece is one keyset query on the
    (session, t) index, so memory stays flat however long the session was."""
    names = dict(Participant.objects.filter(session_id=session_id).values_list("pk", "display_name"))
    yield _csv_chunk([READINGS_CSV_HEADER])
    columns = ("pk", "participant_id", "t", "camera", "face", "quality", *READING_COLUMNS[4:])
    base = Reading.objects.filter(session_id=session_id).order_by("t", "pk").values_list(*columns)
    last: tuple[datetime, int] | None = None
    while True:
        page = base if last is None else base.filter(Q(t__gt=last[0]) | Q(t=last[0], pk__gt=last[1]))
        rows = list(page[:chunk_rows])
        if not rows:
            return
        yield _csv_chunk([[pid, csv_text(names.get(pid, "")), *rest] for _, pid, *rest in rows])
        last = (rows[-1][2], rows[-1][0])
        if len(rows) < chunk_rows:
            return


def flags_csv_chunks(session_id: int) -> Iterator[str]:
    """The flags CSV, header first."""
    names = dict(Participant.objects.filter(session_id=session_id).values_list("pk", "display_name"))
    yield _csv_chunk([FLAGS_CSV_HEADER])
    rows = []
    for flag in Flag.objects.filter(session_id=session_id).order_by("raised_at", "pk"):
        duration = (flag.cleared_at - flag.raised_at).total_seconds() if flag.cleared_at else None
        rows.append(
            [
                flag.pk,
                flag.participant_id,
                csv_text(names.get(flag.participant_id, "")),
                flag.kind,
                flag.raised_at,
                flag.cleared_at,
                duration,
                csv_text(flag.explanation),
                flag.dismissed_at,
            ]
        )
    yield _csv_chunk(rows)
