"""The report's "most confused moments": stretches in which students looked more confused than usual *for them*,
or said so with a tap; nothing when nothing stands out (the class's ordinary level is not a moment)."""

from __future__ import annotations

import bisect
import math
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from engagement.core.rules import DEFAULT_RULES, Rules
from engagement.core.signals import confusion_score, reading_signals
from engagement.core.types import Reading, SelfReport


def most_confused_windows(
    readings: Iterable[Reading],
    reports: Iterable[SelfReport],
    *,
    k: int = 3,
    window_s: float = 60.0,
    step_s: float = 15.0,
    rules: Rules | None = None,
) -> list[dict[str, Any]]:
    """Up to k stretches of window_s seconds (starting every step_s), best first, never overlapping, in which at
    least one student stood out.

    A student stands out in a stretch when, over at least rules.confused_min_frames clear frames in it, their share
    of confused-looking frames reaches the confused flag's bar against their own usual share (their share over the
    whole session): max(rules.confused_share, usual + rules.confused_margin); or when they tapped "I'm confused"
    in it. Stretches are ranked by how many students stood out, then by how far above their usual they were.
    Returns [{"start", "end", "students" (who stood out), "looked_confused", "tapped", "seen" (students with clear
    frames), "above_usual" (mean share points above their usual of those who looked it, 0-1, or None)}];
    [] when no stretch has anyone standing out.
    """
    rules = rules or DEFAULT_RULES
    frames: dict[int, list[tuple[float, bool]]] = defaultdict(list)
    for reading in readings:
        sig = reading_signals(reading, rules=rules)
        if sig.probabilities is not None:
            looks = confusion_score(sig.probabilities, rules) >= rules.confused_frame_score
            frames[reading.participant_id].append((reading.t, looks))
    taps: dict[int, list[float]] = defaultdict(list)
    for report in reports:
        if report.kind == "confused":
            taps[report.participant_id].append(report.t)
    times = [t for series in frames.values() for t, _ in series] + [t for series in taps.values() for t in series]
    if not times:
        return []
    students = {pid: _Series(series) for pid, series in frames.items()}
    for series in taps.values():
        series.sort()
    candidates = []
    first = math.floor(min(times) / step_s) * step_s
    start = first
    while start <= max(times):
        window = _judge(students, taps, start, start + window_s, rules)
        if window["students"]:
            candidates.append(window)
        start += step_s
    candidates.sort(key=lambda w: (-w["students"], -(w["above_usual"] or 0.0), w["start"]))
    chosen: list[dict[str, Any]] = []
    for window in candidates:
        if len(chosen) >= k:
            break
        if all(window["end"] <= c["start"] or window["start"] >= c["end"] for c in chosen):
            chosen.append(window)
    return chosen


class _Series:
    """One student's clear frames, sorted, with running counts of confused-looking ones."""

    def __init__(self, series: list[tuple[float, bool]]) -> None:
        series.sort()
        self.times = [t for t, _ in series]
        self.confused = [0]
        for _, looks in series:
            self.confused.append(self.confused[-1] + looks)
        self.usual = self.confused[-1] / len(series)

    def counts(self, start: float, end: float) -> tuple[int, int]:
        lo = bisect.bisect_left(self.times, start)
        hi = bisect.bisect_left(self.times, end)
        return hi - lo, self.confused[hi] - self.confused[lo]


def _judge(
    students: dict[int, _Series], taps: dict[int, list[float]], start: float, end: float, rules: Rules
) -> dict[str, Any]:
    looked: dict[int, float] = {}
    seen = 0
    for pid, series in students.items():
        n, confused = series.counts(start, end)
        if n == 0:
            continue
        seen += 1
        if n < rules.confused_min_frames:
            continue
        share = confused / n
        if share >= max(rules.confused_share, series.usual + rules.confused_margin):
            looked[pid] = share - series.usual
    tapped = {pid for pid, ts in taps.items() if bisect.bisect_left(ts, end) > bisect.bisect_left(ts, start)}
    return {
        "start": start,
        "end": end,
        "students": len(set(looked) | tapped),
        "looked_confused": len(looked),
        "tapped": len(tapped),
        "seen": seen,
        "above_usual": math.fsum(looked.values()) / len(looked) if looked else None,
    }
