"""The class timeline: fixed time buckets of what a teacher can act on (confusion, attention, the voice taps) and of
the scores, counts and emotion shares behind them."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from engagement.core.intervals import flag_intervals, overlaps
from engagement.core.rules import DEFAULT_RULES, Rules
from engagement.core.scores import (
    DRIFT_FLAGS,
    attention_score,
    class_attention,
    class_engagement,
    engagement_score,
)
from engagement.core.signals import activity_of, in_view, on_lesson, reading_signals
from engagement.core.types import EMOTIONS, REPORT_KINDS, FlagEvent, Reading, SelfReport


@dataclass(frozen=True)
class MoodPoint:
    """One bucket. t is the bucket's start (epoch seconds, a multiple of the bucket length).

    shares: emotion -> share among students with a clear face (sums to 1), {} when nobody had one.
    present: students whose face was in view (signals.in_view) in their last reading of the bucket;
    connected: students with any reading in the bucket (live: connected at that moment).
    engagement: class engagement (scores.class_engagement), attention: mean attention, 0-100, None without evidence.
    confused_share: of the students in the bucket, the share with a confused flag up or an "I'm confused" tap in it;
    attentive_share: of the students whose page reported, the share whose class tab was on screen and focused in
    their last reading of the bucket; both 0-1, None with nobody to count.
    taps: voice taps in the bucket, {kind: n} over every report kind.
    """

    t: float
    shares: dict[str, float]
    present: int
    connected: int
    engagement: float | None
    attention: float | None
    confused_share: float | None = None
    attentive_share: float | None = None
    taps: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The protocol's timeline point (scores rounded to 0.1, shares to 0.001)."""
        return {
            "t": self.t,
            "shares": dict(self.shares),
            "present": self.present,
            "connected": self.connected,
            "engagement": None if self.engagement is None else round(self.engagement, 1),
            "attention": None if self.attention is None else round(self.attention, 1),
            "confused_share": None if self.confused_share is None else round(self.confused_share, 3),
            "attentive_share": None if self.attentive_share is None else round(self.attentive_share, 3),
            "taps": {kind: self.taps.get(kind, 0) for kind in REPORT_KINDS},
        }


@dataclass(slots=True)
class _StudentBucket:
    readings: int = 0
    page_sum: float = 0.0
    page_n: int = 0
    presence_sum: float = 0.0
    presence_n: int = 0
    activity_sum: float = 0.0
    prob_sum: list[float] = field(default_factory=lambda: [0.0] * len(EMOTIONS))
    prob_n: int = 0
    last_t: float = -math.inf
    in_view: bool = False  # in the latest reading of the bucket
    on_lesson: bool | None = None  # ditto; None when that reading's page sent no signal
    drift_flagged: bool = False
    confused: bool = False  # a confused flag up, or an "I'm confused" tap, in the bucket

    def scores(self) -> tuple[float | None, float | None]:
        page = self.page_sum / self.page_n if self.page_n else None
        presence = self.presence_sum / self.presence_n if self.presence_n else None
        activity = self.activity_sum / self.prob_n if self.prob_n else None
        return (
            attention_score(page=page, presence=presence),
            engagement_score(page=page, presence=presence, activity=activity, drift_flagged=self.drift_flagged),
        )


def mood_timeline(
    readings: Iterable[Reading],
    *,
    flags: Iterable[FlagEvent] = (),
    reports: Iterable[SelfReport] = (),
    bucket_s: float = 5.0,
    start: float | None = None,
    end: float | None = None,
    rules: Rules | None = None,
) -> list[MoodPoint]:
    """One MoodPoint per bucket, oldest first.

    Readings (and taps) with start <= t < end count; flags count in every bucket they were up in. Each student's
    clear-face probabilities in a bucket are averaged, then the shares are the mean over those students, so a
    student sending more frames does not weigh more. Pictures that are too dark, blurry or small do not count
    towards the shares (they still count as connected). With start/end every bucket in between is returned, empty
    ones included; without them, the buckets from the first to the last reading or tap.
    """
    if bucket_s <= 0:
        raise ValueError("bucket_s must be positive")
    rules = rules or DEFAULT_RULES
    buckets: dict[int, dict[int, _StudentBucket]] = {}
    for reading in readings:
        if (start is not None and reading.t < start) or (end is not None and reading.t >= end):
            continue
        index = math.floor(reading.t / bucket_s)
        acc = buckets.setdefault(index, {}).setdefault(reading.participant_id, _StudentBucket())
        _add_reading(acc, reading, rules)
    taps: dict[int, dict[str, int]] = defaultdict(dict)
    for report in reports:
        if (start is not None and report.t < start) or (end is not None and report.t >= end):
            continue
        index = math.floor(report.t / bucket_s)
        taps[index][report.kind] = taps[index].get(report.kind, 0) + 1
        if report.kind == "confused":
            buckets.setdefault(index, {}).setdefault(report.participant_id, _StudentBucket()).confused = True
    indices = set(buckets) | set(taps)
    if start is not None:
        first = math.floor(start / bucket_s)
    elif indices:
        first = min(indices)
    else:
        return []
    if end is not None:
        last = math.ceil(end / bucket_s) - 1
    elif indices:
        last = max(indices)
    else:
        last = first
    _mark_flags(buckets, flags, bucket_s)
    return [_point(index * bucket_s, buckets.get(index, {}), taps.get(index, {})) for index in range(first, last + 1)]


def _add_reading(acc: _StudentBucket, reading: Reading, rules: Rules) -> None:
    sig = reading_signals(reading, rules=rules)
    acc.readings += 1
    if sig.page is not None:
        acc.page_sum += sig.page
        acc.page_n += 1
    if sig.presence is not None:
        acc.presence_sum += sig.presence
        acc.presence_n += 1
    if reading.t >= acc.last_t:
        acc.last_t = reading.t
        acc.in_view = in_view(sig.quality)
        acc.on_lesson = on_lesson(sig) if sig.page is not None else None
    if sig.probabilities is not None:
        acc.prob_n += 1
        acc.activity_sum += activity_of(sig.probabilities)
        for i, p in enumerate(sig.probabilities):
            acc.prob_sum[i] += p


def _mark_flags(buckets: dict[int, dict[int, _StudentBucket]], flags: Iterable[FlagEvent], bucket_s: float) -> None:
    """Marks each student's buckets in which a drift flag or a confused flag was up."""
    by_student: dict[int, list[tuple[str, float, float | None]]] = defaultdict(list)
    for pid, kind, raised, cleared, _ in flag_intervals(flags):
        by_student[pid].append((kind, raised, cleared))
    if not by_student:
        return
    for index, students in buckets.items():
        lo, hi = index * bucket_s, (index + 1) * bucket_s
        for pid, acc in students.items():
            for kind, raised, cleared in by_student.get(pid, ()):
                if overlaps(raised, cleared, lo, hi):
                    if kind in DRIFT_FLAGS:
                        acc.drift_flagged = True
                    elif kind == "confused":
                        acc.confused = True


def _point(t: float, students: dict[int, _StudentBucket], taps: dict[str, int]) -> MoodPoint:
    shares: dict[str, float] = {}
    with_faces = [acc for acc in students.values() if acc.prob_n]
    if with_faces:
        sums = [0.0] * len(EMOTIONS)
        for acc in with_faces:
            for i in range(len(EMOTIONS)):
                sums[i] += acc.prob_sum[i] / acc.prob_n
        total = math.fsum(sums)
        shares = {name: value / total for name, value in zip(EMOTIONS, sums, strict=True)}
    sending = [acc for acc in students.values() if acc.readings]
    scores = [acc.scores() for acc in sending]
    reporting = [acc.on_lesson for acc in sending if acc.on_lesson is not None]
    return MoodPoint(
        t=t,
        shares=shares,
        present=sum(1 for acc in sending if acc.in_view),
        connected=len(sending),
        engagement=class_engagement(e for _, e in scores),
        attention=class_attention(a for a, _ in scores),
        confused_share=sum(1 for acc in students.values() if acc.confused) / len(students) if students else None,
        attentive_share=sum(reporting) / len(reporting) if reporting else None,
        taps={kind: taps.get(kind, 0) for kind in REPORT_KINDS},
    )
