"""Flags as intervals: raised/cleared events paired up, for the timeline and the reports."""

from __future__ import annotations

from collections.abc import Iterable

from engagement.core.explain import is_report_explanation
from engagement.core.types import FlagEvent

REPORT_FLAG_PREFIX = "Tapped"  # how a tap-raised flag's sentence started, for flags stored as text without a cause

FlagInterval = tuple[int, str, float, float | None, FlagEvent]


def flag_intervals(flags: Iterable[FlagEvent]) -> list[FlagInterval]:
    """Pair raised/cleared events: (participant_id, kind, raised_at, cleared_at or None, the raised event),
    in the order they were raised."""
    open_flags: dict[tuple[int, str], FlagEvent] = {}
    out: list[FlagInterval] = []
    for event in sorted(flags, key=lambda e: (e.t, e.action != "cleared")):
        key = (event.participant_id, event.kind)
        if event.action == "raised":
            if key not in open_flags:
                open_flags[key] = event
        elif key in open_flags:
            raised = open_flags.pop(key)
            out.append((raised.participant_id, raised.kind, raised.t, event.t, raised))
    out += [(e.participant_id, e.kind, e.t, None, e) for e in open_flags.values()]
    out.sort(key=lambda item: (item[2], item[0], item[1]))
    return out


def is_report_flag(event: FlagEvent) -> bool:
    """True when the flag was raised by the student's own tap rather than by their face."""
    if event.cause:
        return event.cause == "report"
    if is_report_explanation(event.explanation):
        return True
    first = event.explanation[0] if event.explanation else None
    return first is not None and str(first["params"].get("text", "")).startswith(REPORT_FLAG_PREFIX)


def overlaps(raised: float, cleared: float | None, start: float, end: float) -> bool:
    """True when a flag up from `raised` to `cleared` (None: still up) was up at some moment in [start, end)."""
    return raised < end and (cleared is None or cleared > start)
