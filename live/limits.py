"""How often one socket may send commands: a token bucket per socket, and when a flood ends the socket.

Pure: the caller passes the clock, so the rules are tested without sleeping.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Verdict(Enum):
    RUN = "run"
    REFUSE = "refuse"  # over the sustained rate: answered with an error, nothing done
    CLOSE = "close"  # refused again and again: the socket is closed


@dataclass
class CommandBucket:
    """A generous burst (`burst` commands at once), then `per_second` sustained. `flood_refusals` refusals within
    `flood_window_s` seconds close the socket: a page, even one a person clicks wildly, never gets there."""

    burst: float
    per_second: float
    flood_refusals: int
    flood_window_s: float
    tokens: float = -1.0  # -1: full, on the first command
    at: float = 0.0
    refusals: int = 0
    refusals_since: float = 0.0

    def take(self, now: float) -> Verdict:
        """Spends one token for a command sent at `now` (monotonic seconds), if there is one."""
        if self.tokens < 0:
            self.tokens, self.at = self.burst, now
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.per_second)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return Verdict.RUN
        if now - self.refusals_since > self.flood_window_s:
            self.refusals, self.refusals_since = 0, now
        self.refusals += 1
        return Verdict.CLOSE if self.refusals >= self.flood_refusals else Verdict.REFUSE
