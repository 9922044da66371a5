"""Which sent frame each of the teacher's tiles answers, and how long it took.

How a teacher's tile (in `student.update` or in a batch's `students.update`) is matched to a sent frame:
- Every frame is remembered per student with its send time (monotonic and wall clock).
- A tile's `last_seen` is the server's receive time of the reading it shows (epoch seconds, same clock
  on loopback). A tile whose `last_seen` is newer than that student's last matched one belongs to the
  newest unmatched frame sent no later than `last_seen`; latency = arrival - send, both monotonic.
  Older unmatched frames of that student are passed over for good: the worker's latest-wins buffer
  superseded them, or the socket refused them (`rate_limited`, `overloaded`).
- A tile without `last_seen` falls back to arrival order: the oldest unmatched frame sent before it.
- Tiles in status "waiting" or "disconnected" (connect and disconnect updates) never match a frame.
- A frame still unmatched when the grace period after the last send ends is "dropped".
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

NOT_A_FRAME = frozenset({"waiting", "disconnected"})


@dataclass
class Frame:
    participant_id: int
    seq: int
    sent_mono: float
    sent_wall: float
    latency_s: float | None = None
    last_seen: float | None = None


def percentile(values: Sequence[float], q: float) -> float | None:
    """The nearest-rank percentile (q in 0-100) of `values`, or None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


class LatencyBook:
    """Pairs sent frames with the teacher's `student.update`s (rules in the module docstring)."""

    def __init__(self) -> None:
        self.frames: dict[int, list[Frame]] = {}
        self._next: dict[int, int] = {}  # per student: index of the oldest frame that may still match
        self._last_seen: dict[int, float] = {}
        self.updates_seen = 0

    def frame_sent(self, participant_id: int, *, mono: float, wall: float) -> Frame:
        frames = self.frames.setdefault(participant_id, [])
        frame = Frame(participant_id, len(frames), mono, wall)
        frames.append(frame)
        return frame

    def update_received(self, tile: dict[str, Any], *, mono: float) -> Frame | None:
        """Returns the frame this tile answers (its latency set), or None if it answers none."""
        self.updates_seen += 1
        pid, status = tile.get("id"), tile.get("status")
        frames = self.frames.get(pid) if isinstance(pid, int) else None
        if not frames or status in NOT_A_FRAME:
            return None
        start = self._next.get(pid, 0)
        seen = tile.get("last_seen")
        if isinstance(seen, int | float) and not isinstance(seen, bool):
            if seen <= self._last_seen.get(pid, -math.inf):
                return None  # the same reading again (a self report, a repeated tile)
            self._last_seen[pid] = seen
            index = next((i for i in range(len(frames) - 1, start - 1, -1) if frames[i].sent_wall <= seen), None)
        else:
            index = start if start < len(frames) and frames[start].sent_mono <= mono else None
        if index is None:
            return None
        frame = frames[index]
        frame.latency_s = mono - frame.sent_mono
        frame.last_seen = seen if isinstance(seen, int | float) else None
        self._next[pid] = index + 1
        return frame

    def all_frames(self) -> list[Frame]:
        return [frame for frames in self.frames.values() for frame in frames]

    def unanswered(self) -> int:
        """Frames that may still be answered: those after each student's last matched one."""
        return sum(len(frames) - self._next.get(pid, 0) for pid, frames in self.frames.items())

    def summary(self, *, students: int, errors: int, streaming_s: float) -> dict[str, Any]:
        """The simulator's JSON result: counts, latency percentiles (ms) and answered frames per second."""
        frames = self.all_frames()
        latencies = [f.latency_s * 1000 for f in frames if f.latency_s is not None]

        def ms(value: float | None) -> float | None:
            return None if value is None else round(value, 1)

        return {
            "students": students,
            "sent": len(frames),
            "updates": len(latencies),
            "dropped": len(frames) - len(latencies),
            "errors": errors,
            "latency_ms": {
                "p50": ms(percentile(latencies, 50)),
                "p95": ms(percentile(latencies, 95)),
                "max": ms(max(latencies, default=None)),
            },
            "frames_per_s": round(len(latencies) / streaming_s, 2) if streaming_s > 0 else 0.0,
        }
