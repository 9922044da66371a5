"""How long the engagement core takes for a class: `python -m engagement.core.bench [students] [minutes]`.

Replays a deterministic simulated lesson for each student (one reading every 2 s, the default snapshot interval;
a mix of attentive, confused, away, dark, hidden-tab and paused spells), interleaved as the live path sees them,
and prints the mean cost of:
- student_update, per reading;
- the cache round trip the live path adds per reading: to_dict -> pickle -> from_dict (what Django's cache does
  with the record), and the same through JSON;
- class_alert_update over the whole class, per 2 s tick;
- mood_timeline over one 5 s bucket of the whole class.
Timed as CPU time of this process (time.process_time), so other jobs on a busy machine inflate it less than wall
clock time would; still, run it on a quiet machine for figures you publish. Nothing here is a test.
"""

from __future__ import annotations

import json
import pickle
import random
import sys
import time

from engagement.core.alert import ClassAlertState, class_alert_update
from engagement.core.rules import rules_for
from engagement.core.state import StudentState
from engagement.core.student import student_update
from engagement.core.synthetic import lesson
from engagement.core.timeline import mood_timeline
from engagement.core.types import Reading

STEP_S = 2.0
BUCKET_S = 5.0
START = 1_700_000_000.0


def class_lesson(students: int, minutes: int) -> list[list[Reading]]:
    """One list of readings per 2 s tick, each holding every student's reading for that tick."""
    scripts = [
        lesson(pid, start=START, minutes=minutes, rng=random.Random(pid), step=STEP_S) for pid in range(students)
    ]
    return [list(tick) for tick in zip(*scripts, strict=True)]


def _us_per(seconds: float, count: int) -> float:
    return seconds / max(count, 1) * 1e6


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    students = int(args[0]) if args else 40
    minutes = int(args[1]) if len(args) > 1 else 45
    rules = rules_for("normal")
    ticks = class_lesson(students, minutes)
    states: dict[int, StudentState | None] = dict.fromkeys(range(students))

    update_s = alert_s = 0.0
    updates = flags = 0
    alert: ClassAlertState | None = None
    for tick in ticks:
        began = time.process_time()
        for item in tick:
            states[item.participant_id], events = student_update(states[item.participant_id], item, rules=rules)
            flags += len(events)
        update_s += time.process_time() - began
        updates += len(tick)
        began = time.process_time()
        alert, _, _ = class_alert_update(alert, [s for s in states.values() if s is not None], tick[0].t, rules=rules)
        alert_s += time.process_time() - began

    final = [s for s in states.values() if s is not None]
    payload = json.dumps(final[0].to_dict())
    rounds = 2_000
    began = time.process_time()
    for i in range(rounds):
        StudentState.from_dict(pickle.loads(pickle.dumps(final[i % len(final)].to_dict())))
    pickle_s = time.process_time() - began
    began = time.process_time()
    for i in range(rounds):
        StudentState.from_dict(json.loads(json.dumps(final[i % len(final)].to_dict())))
    json_s = time.process_time() - began

    readings = [r for tick in ticks for r in tick]
    buckets = max(1, round(minutes * 60 / BUCKET_S))
    began = time.process_time()
    points = mood_timeline(readings, bucket_s=BUCKET_S, rules=rules)
    timeline_s = time.process_time() - began

    print(f"class of {students} students, {minutes} min, one reading per student every {STEP_S:g} s")
    print(f"student_update: {_us_per(update_s, updates):.1f} µs per reading ({updates} readings, {flags} flag events)")
    print(f"cache round trip to_dict -> pickle -> from_dict: {_us_per(pickle_s, rounds):.1f} µs")
    print(f"the same through JSON: {_us_per(json_s, rounds):.1f} µs ({len(payload)} bytes of JSON)")
    print(f"class_alert_update over {students} students: {_us_per(alert_s, len(ticks)):.1f} µs per tick")
    print(f"mood_timeline: {_us_per(timeline_s, buckets):.1f} µs per {BUCKET_S:g} s bucket ({len(points)} buckets)")


if __name__ == "__main__":
    main()
