"""What one process counted since it started: losses are counted, never crashes. `as_dict` is the export."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class LiveCounters:
    frames_analyzed: int = 0  # snapshots the engine analyzed and stored (inference workers)
    frames_superseded: int = 0  # replaced in the buffer by a newer snapshot of the same student before analysis
    frames_lost: int = 0  # in batches that failed (database down past the retries, or a bug)
    batches: int = 0
    frames_rate_limited: int = 0  # refused by a student socket: sent faster than the session allows
    messages_lost: Counter[str] = field(default_factory=Counter)  # not handed on (layer full or down), by type

    def as_dict(self) -> dict[str, int]:
        """Flat names and totals, e.g. {"frames_analyzed": 120, "messages_lost.frame.analyze": 2}."""
        counts = {
            "frames_analyzed": self.frames_analyzed,
            "frames_superseded": self.frames_superseded,
            "frames_lost": self.frames_lost,
            "batches": self.batches,
            "frames_rate_limited": self.frames_rate_limited,
        }
        counts.update({f"messages_lost.{kind}": n for kind, n in sorted(self.messages_lost.items())})
        return counts
