"""The class mood timeline: fixed time buckets of emotion shares, presence, attention and engagement."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from engagement.core.rules import DEFAULT_RULES, Rules
from engagement.core.scores import attention_score, engagement_score
from engagement.core.signals import activity_of, reading_signals
from engagement.core.types import EMOTIONS, Reading


@dataclass(frozen=True)
class MoodPoint:
    """One bucket. t is the bucket's start (epoch seconds, a multiple of the bucket length).

    shares: emotion -> share among students with a clear face (sums to 1), {} when nobody had one.
    present: students with a face in view at least once; connected: students with any reading.
    engagement, attention: class means, 0-100, None when no student sent anything.
    """

    t: float
    shares: dict[str, float]
    present: int
    connected: int
    engagement: float | None
    attention: float | None

    def to_dict(self) -> dict[str, Any]:
        """The protocol's timeline point (scores rounded to 0.1)."""
        return {
            "t": self.t,
            "shares": dict(self.shares),
            "present": self.present,
            "connected": self.connected,
            "engagement": None if self.engagement is None else round(self.engagement, 1),
            "attention": None if self.attention is None else round(self.attention, 1),
        }


@dataclass(slots=True)
class _StudentBucket:
    readings: int = 0
    page_sum: float = 0.0
    presence_sum: float = 0.0
    presence_n: int = 0
    activity_sum: float = 0.0
    prob_sum: list[float] = field(default_factory=lambda: [0.0] * len(EMOTIONS))
    prob_n: int = 0
    face: bool = False

    def scores(self) -> tuple[float, float]:
        page = self.page_sum / self.readings
        presence = self.presence_sum / self.presence_n if self.presence_n else None
        activity = self.activity_sum / self.prob_n if self.prob_n else None
        return (
            attention_score(page=page, presence=presence),
            engagement_score(page=page, presence=presence, activity=activity),
        )


def mood_timeline(
    readings: Iterable[Reading],
    *,
    bucket_s: float = 5.0,
    start: float | None = None,
    end: float | None = None,
    rules: Rules | None = None,
) -> list[MoodPoint]:
    """One MoodPoint per bucket, oldest first.

    Readings with start <= t < end count. Each student's clear-face probabilities in a bucket are averaged, then
    the shares are the mean over those students, so a student sending more frames does not weigh more. Pictures
    that are too dark, blurry or small do not count towards the shares (they still count as connected).
    With start/end every bucket in between is returned, empty ones included; without them, the buckets from
    the first to the last reading.
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
        sig = reading_signals(reading, rules=rules)
        acc.readings += 1
        acc.page_sum += sig.page
        if sig.presence is not None:
            acc.presence_sum += sig.presence
            acc.presence_n += 1
        if reading.face and reading.camera == "on":
            acc.face = True
        if sig.probabilities is not None:
            acc.prob_n += 1
            acc.activity_sum += activity_of(sig.probabilities)
            for i, p in enumerate(sig.probabilities):
                acc.prob_sum[i] += p
    if start is not None:
        first = math.floor(start / bucket_s)
    elif buckets:
        first = min(buckets)
    else:
        return []
    if end is not None:
        last = math.ceil(end / bucket_s) - 1
    elif buckets:
        last = max(buckets)
    else:
        last = first
    return [_point(index * bucket_s, buckets.get(index, {})) for index in range(first, last + 1)]


def _point(t: float, students: dict[int, _StudentBucket]) -> MoodPoint:
    shares: dict[str, float] = {}
    with_faces = [acc for acc in students.values() if acc.prob_n]
    if with_faces:
        sums = [0.0] * len(EMOTIONS)
        for acc in with_faces:
            for i in range(len(EMOTIONS)):
                sums[i] += acc.prob_sum[i] / acc.prob_n
        total = math.fsum(sums)
        shares = {name: value / total for name, value in zip(EMOTIONS, sums, strict=True)}
    attention = engagement = None
    if students:
        scores = [acc.scores() for acc in students.values()]
        attention = math.fsum(a for a, _ in scores) / len(scores)
        engagement = math.fsum(e for _, e in scores) / len(scores)
    return MoodPoint(
        t=t,
        shares=shares,
        present=sum(1 for acc in students.values() if acc.face),
        connected=len(students),
        engagement=engagement,
        attention=attention,
    )
