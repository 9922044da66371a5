"""The class-level alert: a large share of the connected class is flagged confused at the same time."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from engagement.core.rules import Rules
from engagement.core.state import StudentState


@dataclass(slots=True)
class ClassAlertState:
    """Hysteresis for the class alert, kept between calls (JSON-serialisable like StudentState)."""

    active: bool = False
    on_since: float | None = None  # while down: since when the share has been over the bar
    off_since: float | None = None  # while up: since when it has been under the lower bar
    raised_at: float | None = None
    share: float = 0.0
    confused: int = 0
    students: int = 0

    def alert(self) -> dict[str, Any] | None:
        """The protocol's alert while it is up: {"kind": "confused", "share", "confused", "students", "since",
        "message"}; None while it is down."""
        if not self.active:
            return None
        return {
            "kind": "confused",
            "share": round(self.share, 3),
            "confused": self.confused,
            "students": self.students,
            "since": self.raised_at,
            "message": (
                f"{self.confused} of {self.students} students ({round(100 * self.share)}%) seem confused right now: "
                "a good moment to pause, ask a question or explain it another way."
            ),
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable; "alert" carries alert() so a reader of the cache needs nothing else."""
        return {
            "active": self.active,
            "on_since": self.on_since,
            "off_since": self.off_since,
            "raised_at": self.raised_at,
            "share": self.share,
            "confused": self.confused,
            "students": self.students,
            "alert": self.alert(),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ClassAlertState:
        return cls(
            active=bool(d["active"]),
            on_since=d["on_since"],
            off_since=d["off_since"],
            raised_at=d["raised_at"],
            share=float(d["share"]),
            confused=int(d["confused"]),
            students=int(d["students"]),
        )


def class_alert_update(
    alert_state: ClassAlertState | None, states: Sequence[StudentState], t: float, *, rules: Rules
) -> tuple[ClassAlertState, dict[str, Any] | None, bool]:
    """Re-judge the class alert at time t from the students' states.

    The share is (connected students with a confused flag up) / (connected students who have sent anything).
    It is raised once the share has stayed at or above rules.alert_on_share, with at least
    rules.alert_min_confused students, for rules.alert_on_s; it clears once the share has stayed below
    rules.alert_off_share for rules.alert_off_s.
    Returns (new state, the alert while it is up or None, changed: True only when it was raised or cleared now).
    """
    st = ClassAlertState() if alert_state is None else replace(alert_state)
    counted = [s for s in states if s.connected and (s.last_t is not None or s.last_report is not None)]
    confused = sum(1 for s in counted if s.flags["confused"].active)
    share = confused / len(counted) if counted else 0.0
    st.share, st.confused, st.students = share, confused, len(counted)
    changed = False
    if st.active:
        if share >= rules.alert_off_share:
            st.off_since = None
        else:
            st.off_since = t if st.off_since is None else st.off_since
            if t - st.off_since >= rules.alert_off_s:
                st.active, st.off_since, st.raised_at, changed = False, None, None, True
    else:
        hot = share >= rules.alert_on_share and confused >= rules.alert_min_confused
        st.on_since = (t if st.on_since is None else st.on_since) if hot else None
        if st.on_since is not None and t - st.on_since >= rules.alert_on_s:
            st.active, st.on_since, st.off_since, st.raised_at, changed = True, None, None, t, True
    return st, st.alert(), changed
