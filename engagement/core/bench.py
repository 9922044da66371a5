"""How long student_update takes: `python -m engagement.core.bench [updates]`.

Replays a deterministic simulated lesson (one reading per second, a mix of attentive, confused, away, dark,
hidden-tab and paused spells) through student_update and prints the mean cost per update, plus the cost of the
cache round trip the live path adds (to_dict -> JSON -> from_dict).
"""

from __future__ import annotations

import json
import random
import sys
import time

from engagement.core.rules import rules_for
from engagement.core.state import StudentState
from engagement.core.student import student_update
from engagement.core.synthetic import lesson


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    n = int(args[0]) if args else 10_000
    rules = rules_for("normal")
    items = lesson(1, start=1_700_000_000.0, minutes=n // 60 + 2, rng=random.Random(7))[:n]
    warm: StudentState | None = None
    for item in items[:500]:  # warm up caches and the interpreter
        warm, _ = student_update(warm, item, rules=rules)

    state: StudentState | None = None
    flags = 0
    began = time.perf_counter()
    for item in items:
        state, events = student_update(state, item, rules=rules)
        flags += len(events)
    update_us = (time.perf_counter() - began) / len(items) * 1e6

    assert state is not None
    payload = json.dumps(state.to_dict())
    rounds = 2_000
    began = time.perf_counter()
    for _ in range(rounds):
        StudentState.from_dict(json.loads(json.dumps(state.to_dict())))
    cache_us = (time.perf_counter() - began) / rounds * 1e6

    print(f"student_update: {update_us:.1f} µs per update (mean over {len(items)} updates, {flags} flag events)")
    print(f"state round trip to_dict -> JSON -> from_dict: {cache_us:.1f} µs ({len(payload)} bytes of JSON)")


if __name__ == "__main__":
    main()
