"""Sensitivity presets, the cached student state and the teacher's tile."""

import json
from dataclasses import replace

import pytest

from engagement.core import (
    DEFAULT_RULES,
    SENSITIVITIES,
    Reading,
    Rules,
    StudentState,
    quality_hint,
    quality_of,
    rules_for,
    student_disconnect,
    student_tile,
)
from engagement.core.synthetic import CONFUSED, reading, readings, replay


def test_normal_is_the_default():
    assert rules_for("normal") == replace(DEFAULT_RULES, sensitivity="normal")


@pytest.mark.parametrize(
    "name",
    [
        "confused_share",
        "confused_margin",
        "confused_on_s",
        "bored_drift_alone",
        "bored_drift_with_face",
        "bored_flat_share",
        "bored_on_s",
        "absent_on_s",
        "hidden_absent_on_s",
        "cooldown_s",
        "alert_on_share",
    ],
)
def test_low_sensitivity_asks_for_more_evidence_than_normal_and_normal_more_than_high(name):
    low, normal, high = (getattr(rules_for(s), name) for s in SENSITIVITIES)
    assert low > normal > high


def test_picture_quality_thresholds_do_not_depend_on_sensitivity():
    for name in ("min_brightness", "min_blur", "min_face_px"):
        assert len({getattr(rules_for(s), name) for s in SENSITIVITIES}) == 1


@pytest.mark.parametrize("bad", [{"sensitivity": "extreme"}, {"confused_share": 1.5}, {"absent_on_s": -1.0}])
def test_invalid_rules_are_refused(bad):
    with pytest.raises(ValueError):
        Rules(**bad)
    with pytest.raises(ValueError):
        rules_for("extreme")


@pytest.mark.parametrize(
    ("kwargs", "quality"),
    [
        ({}, "ok"),
        ({"face": False}, "no_face"),
        ({"brightness": 10.0}, "too_dark"),
        ({"brightness": 10.0, "face": False}, "too_dark"),
        ({"blur": 3.0, "face": False}, "too_blurry"),
        ({"face_px": 20}, "face_too_small"),
        ({"camera": "paused"}, "camera_off"),
    ],
)
def test_quality_states(kwargs, quality):
    assert quality_of(reading(1, 0, **kwargs), rules=DEFAULT_RULES) == quality
    assert quality_hint(quality)


def test_readings_refuse_a_wrong_shape():
    with pytest.raises(ValueError):
        Reading(1, 0.0, "on", True, (0.5, 0.5), None, None, None)
    with pytest.raises(ValueError):
        Reading(1, 0.0, "sideways", False, None, None, None, None)


def test_an_older_reading_changes_nothing():
    state, _ = replay(readings(1, 0, 10, step=2), rules=DEFAULT_RULES)
    assert state is not None
    again, events = replay([reading(1, 3.0, face=False)], rules=DEFAULT_RULES, state=state)
    assert again is state and events == []


def test_the_state_round_trips_through_json_and_an_older_cached_state_still_loads():
    state, _ = replay(
        readings(1, 0, 200, step=2) + readings(1, 200, 260, step=2, probabilities=CONFUSED), rules=DEFAULT_RULES
    )
    assert state is not None
    data = json.loads(json.dumps(state.to_dict()))
    assert StudentState.from_dict(data) == state
    del data["attention_from"]  # cached before that field existed
    assert StudentState.from_dict(data).attention_from is None
    with pytest.raises(ValueError):
        StudentState.from_dict({**data, "v": 0})


def test_the_tile_shows_the_smoothed_emotion_while_no_flag_is_up():
    state, _ = replay(
        readings(1, 0, 200, step=2) + readings(1, 200, 210, step=2, probabilities=CONFUSED), rules=DEFAULT_RULES
    )
    assert state is not None
    tile = student_tile(state)
    assert tile["flags"] == [] and tile["emotion"] == "angry"
    assert sum(tile["probabilities"].values()) == pytest.approx(1.0, abs=0.01)


def test_the_tile_shows_the_flags_reason_not_an_expression_that_argues_with_it():
    state, _ = replay(
        readings(1, 0, 200, step=2) + readings(1, 200, 260, step=2, probabilities=CONFUSED), rules=DEFAULT_RULES
    )
    assert state is not None
    tile = student_tile(state)
    assert tile["status"] == "live"
    assert [f["kind"] for f in tile["flags"]] == ["confused"]
    assert (tile["emotion"], tile["confidence"], tile["probabilities"]) == (None, None, None)
    # The explanation says when the condition began (the share reached the bar at 214), not how long it had held
    # when raised (confused_on_s later): that would be stale a minute on.
    assert tile["flags"][0]["since"] == 214 + DEFAULT_RULES.confused_on_s
    assert tile["flags"][0]["explanation_messages"][0]["params"]["since_at"] == 214
    assert tile["attention"] == {"visible": True, "focused": True, "idle_s": 5.0}
    assert tile["face_time_s"] == pytest.approx(258.0)
    assert 0 <= tile["engagement"] <= 100
    assert len(tile["sparkline"]) == 260 // DEFAULT_RULES.sparkline_step_s  # one point per 10 s step so far


def test_a_tile_with_a_paused_camera_shows_no_emotion():
    state, _ = replay([*readings(1, 0, 20, step=2), reading(1, 20, camera="paused")], rules=DEFAULT_RULES)
    assert state is not None
    tile = student_tile(state)
    assert (tile["status"], tile["emotion"], tile["probabilities"]) == ("paused", None, None)


def test_disconnecting_clears_every_flag_and_a_disconnected_student_is_never_absent():
    state, events = replay(readings(1, 0, 200, step=2) + readings(1, 200, 260, step=2, face=False), rules=DEFAULT_RULES)
    assert [(e.kind, e.action) for e in events] == [("absent", "raised")]
    assert state is not None
    state, events = student_disconnect(state, 270.0)
    assert [(e.kind, e.action, e.explanation) for e in events] == [
        ("absent", "cleared", [{"id": "left_session", "params": {"lasted_s": 40}}])
    ]
    assert student_tile(state)["status"] == "disconnected"
    assert state.baseline.done
