"""The process's counters export as flat names, ready for a metrics endpoint."""

from live.counters import LiveCounters


def test_the_counters_export_every_total_under_a_flat_name():
    counters = LiveCounters(frames_analyzed=120, frames_superseded=3, batches=9, frames_rate_limited=2)
    counters.messages_lost["frame.analyze"] += 2
    counters.messages_lost["command"] += 1
    assert counters.as_dict() == {
        "frames_analyzed": 120,
        "frames_superseded": 3,
        "frames_lost": 0,
        "batches": 9,
        "frames_rate_limited": 2,
        "messages_lost.command": 1,
        "messages_lost.frame.analyze": 2,
    }
