"""Per-student rolling state, small enough to serialize on every frame.

The live path keeps it in the shared cache between frames (possibly read back by another process), so
everything here round-trips through to_dict()/from_dict() and JSON without changing later behaviour.
Its size is bounded: at most rules.window_capacity samples and rules.sparkline_len sparkline points.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from engagement.core.explain import Explanation, from_text
from engagement.core.types import FLAG_KINDS

STATE_VERSION = 1

# Bits of a sample beyond the attention cues (signals.HIDDEN .. signals.IDLE use 1, 2, 4, 8).
USABLE = 16  # a clear face with emotion probabilities
CONFUSED_LOOK = 32  # its confusion score reached rules.confused_frame_score
FLAT = 64  # neutral or sad was its top expression

# One sample per reading: (t, bits, expression change since the previous clear face, or -1.0 when unknown).
Sample = tuple[float, int, float]


@dataclass(slots=True)
class FlagTrack:
    """One flag kind for one student: whether it is up, since when, and its cooldown after a dismissal."""

    active: bool = False
    since: float | None = None  # when it was raised
    off_since: float | None = None  # while up: when its evidence went away
    explanation: Explanation = field(default_factory=list)
    cause: str = ""
    cooldown_until: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "active": self.active,
            "since": self.since,
            "off_since": self.off_since,
            "explanation": self.explanation,
            "cause": self.cause,
            "cooldown_until": self.cooldown_until,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> FlagTrack:
        return cls(
            active=bool(d["active"]),
            since=d["since"],
            off_since=d["off_since"],
            # A state cached while explanations were sentences keeps its sentence.
            explanation=from_text(d["explanation"]) if isinstance(d["explanation"], str) else list(d["explanation"]),
            cause=str(d["cause"]),
            cooldown_until=d["cooldown_until"],
        )


@dataclass(slots=True)
class Baseline:
    """The student's usual face, counted over their first rules.baseline_s seconds with a clear face."""

    start: float | None = None
    frames: int = 0
    confused: int = 0  # confused-looking frames among them
    change_sum: float = 0.0  # sum of frame-to-frame expression changes
    change_n: int = 0
    done: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "frames": self.frames,
            "confused": self.confused,
            "change_sum": self.change_sum,
            "change_n": self.change_n,
            "done": self.done,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Baseline:
        return cls(
            start=d["start"],
            frames=int(d["frames"]),
            confused=int(d["confused"]),
            change_sum=float(d["change_sum"]),
            change_n=int(d["change_n"]),
            done=bool(d["done"]),
        )


def _new_flags() -> dict[str, FlagTrack]:
    return {kind: FlagTrack() for kind in FLAG_KINDS}


def _tuple_or_none(values: Any) -> tuple[float, ...] | None:
    return None if values is None else tuple(float(v) for v in values)


@dataclass(slots=True)
class StudentState:
    """Everything the rules remember about one student between readings."""

    participant_id: int
    connected: bool = True
    # The latest reading.
    last_t: float | None = None
    camera: str | None = None
    quality: str | None = None
    face: bool = False
    tab_visible: bool | None = None
    focused: bool | None = None
    idle_s: float | None = None
    # Emotion: smoothed probabilities for the tile, the last clear frame's, rolling expressivity.
    smoothed: tuple[float, ...] | None = None
    smoothed_t: float | None = None
    prev_probabilities: tuple[float, ...] | None = None
    expressivity: float | None = None
    # Time accounting (seconds).
    face_time_s: float = 0.0
    connected_time_s: float = 0.0
    baseline: Baseline = field(default_factory=Baseline)
    samples: list[Sample] = field(default_factory=list)
    # Since when each raising condition has held (None: not holding now).
    away_since: float | None = None
    hidden_since: float | None = None
    confused_since: float | None = None
    bored_since: float | None = None
    looking_away_since: float | None = None
    # The bored rule ignores samples up to here (the end of the last absent flag, or its dismissal).
    attention_from: float | None = None
    # Student voice.
    report_confused_t: float | None = None  # the last "I'm confused" tap still counting as evidence
    last_report: dict[str, Any] | None = None
    flags: dict[str, FlagTrack] = field(default_factory=_new_flags)
    # Sparkline: (step start, mean engagement) and how many scored readings the last point averages.
    spark: list[tuple[float, float]] = field(default_factory=list)
    spark_n: int = 0
    # The engagement score of the latest reading (None: the student was not seen in it).
    score: float | None = None

    def copy(self) -> StudentState:
        """A copy that shares nothing mutable with this one."""
        b = self.baseline
        other = copy.copy(self)
        other.baseline = Baseline(b.start, b.frames, b.confused, b.change_sum, b.change_n, b.done)
        other.samples = list(self.samples)
        other.flags = {
            kind: FlagTrack(t.active, t.since, t.off_since, list(t.explanation), t.cause, t.cooldown_until)
            for kind, t in self.flags.items()
        }
        other.spark = list(self.spark)
        other.last_report = None if self.last_report is None else dict(self.last_report)
        return other

    def active_flags(self) -> list[str]:
        """The kinds of flags that are up now, in FLAG_KINDS order."""
        return [kind for kind in FLAG_KINDS if self.flags[kind].active]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict; from_dict() gives back a state that behaves identically."""
        return {
            "v": STATE_VERSION,
            "participant_id": self.participant_id,
            "connected": self.connected,
            "last_t": self.last_t,
            "camera": self.camera,
            "quality": self.quality,
            "face": self.face,
            "tab_visible": self.tab_visible,
            "focused": self.focused,
            "idle_s": self.idle_s,
            "smoothed": None if self.smoothed is None else list(self.smoothed),
            "smoothed_t": self.smoothed_t,
            "prev_probabilities": None if self.prev_probabilities is None else list(self.prev_probabilities),
            "expressivity": self.expressivity,
            "face_time_s": self.face_time_s,
            "connected_time_s": self.connected_time_s,
            "baseline": self.baseline.to_dict(),
            "samples": [list(s) for s in self.samples],
            "away_since": self.away_since,
            "hidden_since": self.hidden_since,
            "confused_since": self.confused_since,
            "bored_since": self.bored_since,
            "looking_away_since": self.looking_away_since,
            "attention_from": self.attention_from,
            "report_confused_t": self.report_confused_t,
            "last_report": self.last_report,
            "flags": {kind: track.to_dict() for kind, track in self.flags.items()},
            "spark": [list(p) for p in self.spark],
            "spark_n": self.spark_n,
            "score": self.score,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> StudentState:
        """The state to_dict() described. ValueError for another version (start a fresh state then)."""
        if d.get("v") != STATE_VERSION:
            raise ValueError(f"unsupported student state version {d.get('v')!r}")
        return cls(
            participant_id=int(d["participant_id"]),
            connected=bool(d["connected"]),
            last_t=d["last_t"],
            camera=d["camera"],
            quality=d["quality"],
            face=bool(d["face"]),
            tab_visible=d["tab_visible"],
            focused=d["focused"],
            idle_s=d["idle_s"],
            smoothed=_tuple_or_none(d["smoothed"]),
            smoothed_t=d["smoothed_t"],
            prev_probabilities=_tuple_or_none(d["prev_probabilities"]),
            expressivity=d["expressivity"],
            face_time_s=float(d["face_time_s"]),
            connected_time_s=float(d["connected_time_s"]),
            baseline=Baseline.from_dict(d["baseline"]),
            samples=[(float(t), int(bits), float(change)) for t, bits, change in d["samples"]],
            away_since=d["away_since"],
            hidden_since=d["hidden_since"],
            confused_since=d["confused_since"],
            bored_since=d["bored_since"],
            looking_away_since=d.get("looking_away_since"),  # absent from states cached before it existed
            attention_from=d.get("attention_from"),  # absent from states cached before it existed
            report_confused_t=d["report_confused_t"],
            last_report=None if d["last_report"] is None else dict(d["last_report"]),
            # A flag kind added since the state was cached starts down.
            flags={
                kind: FlagTrack.from_dict(d["flags"][kind]) if kind in d["flags"] else FlagTrack()
                for kind in FLAG_KINDS
            },
            spark=[(float(t), float(v)) for t, v in d["spark"]],
            spark_n=int(d["spark_n"]),
            score=d.get("score"),  # absent from states cached before it existed
        )
