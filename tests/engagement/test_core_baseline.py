"""The personal baseline: a student's usual face decides what "clearly above usual" means for them."""

import pytest

from engagement.core import SENSITIVITIES, SelfReport, rules_for, student_self_report
from engagement.core.synthetic import CONFUSED, NEUTRAL, SAD_RESTING, reading, readings, replay

NORMAL = rules_for("normal")


def confused_events(events):
    return [(e.t, e.action, e.cause) for e in events if e.kind == "confused"]


@pytest.mark.parametrize("sensitivity", SENSITIVITIES)
@pytest.mark.parametrize("step", [1.0, 2.0, 5.0])
def test_a_resting_sad_face_is_never_flagged_confused(sensitivity, step):
    # SAD_RESTING scores as "confused-looking" on every frame: only the baseline keeps it from flagging.
    _, events = replay(readings(1, 0, 1800, step=step, probabilities=SAD_RESTING), rules=rules_for(sensitivity))
    assert confused_events(events) == []


def test_a_resting_sad_face_seen_once_then_again_later_is_not_flagged():
    # One frame, five minutes with the camera paused, then the resting face all lesson: the baseline must not be
    # judged "warmed up" on one frame.
    items = [reading(1, 0, probabilities=SAD_RESTING)]
    items += readings(1, 2, 300, step=2, camera="paused")
    items += readings(1, 300, 1800, step=2, probabilities=SAD_RESTING)
    _, events = replay(items, rules=rules_for("high"))
    assert confused_events(events) == []


def test_a_steadily_confused_student_gets_one_flag_at_the_right_time_and_it_clears_after_recovery():
    items = readings(1, 0, 180, step=2) + readings(1, 180, 300, step=2, probabilities=CONFUSED)
    items += readings(1, 300, 600, step=2)
    state, events = replay(items, rules=NORMAL)
    # The 30 s window holds 15 frames; 8 confused ones (180..194) first reach the 50% bar at t=194, and the
    # flag is raised once that has held for confused_on_s (20 s). After recovery at 300 the share first drops
    # under bar - slack (35%) at 318 (5 of 15), and the flag clears confused_off_s (20 s) later.
    assert confused_events(events) == [(194 + NORMAL.confused_on_s, "raised", "face"), (338, "cleared", "face")]
    assert state is not None and not state.flags["confused"].active


def test_the_same_face_is_flagged_for_a_neutral_student_but_not_for_a_sad_resting_one():
    neutral_student = readings(1, 0, 240, step=2) + readings(1, 240, 360, step=2, probabilities=SAD_RESTING)
    sad_student = readings(2, 0, 360, step=2, probabilities=SAD_RESTING)
    _, flagged = replay(neutral_student, rules=NORMAL)
    _, quiet = replay(sad_student, rules=NORMAL)
    assert [a for _, a, _ in confused_events(flagged)] == ["raised"]
    assert confused_events(quiet) == []


def test_no_face_based_confused_flag_before_the_warmup():
    # Confused from the first frame: the rules have not seen this face long enough to know its usual look.
    _, events = replay(readings(1, 0, NORMAL.baseline_warmup_s, step=1, probabilities=CONFUSED), rules=NORMAL)
    assert confused_events(events) == []


def test_a_flag_during_the_baseline_minutes_says_the_usual_face_is_still_being_learned():
    items = readings(1, 0, 90, step=1) + readings(1, 90, 150, step=1, probabilities=CONFUSED)
    state, events = replay(items, rules=NORMAL)
    raised = [e for e in events if e.kind == "confused" and e.action == "raised"]
    assert len(raised) == 1
    assert raised[0].explanation[0]["id"] == "confused.face_learning"
    assert state is not None and not state.baseline.done


def test_the_baseline_is_done_after_baseline_s_and_then_stops_learning():
    state, _ = replay(readings(1, 0, 400, step=2), rules=NORMAL)
    assert state is not None and state.baseline.done
    frames = state.baseline.frames
    # 0, 2, ..., 180: done on the first frame at least baseline_s after the first one.
    assert frames == 91
    state, _ = replay(readings(1, 400, 500, step=2, probabilities=CONFUSED), rules=NORMAL, state=state)
    assert state is not None and state.baseline.frames == frames and state.baseline.confused == 0


def test_frames_under_a_confused_tap_are_not_learned_as_the_usual_face():
    state, _ = student_self_report(None, SelfReport(1, 0.0, "confused"), rules=NORMAL)
    state, _ = replay(
        readings(1, 0, NORMAL.report_evidence_s, step=2, probabilities=CONFUSED), rules=NORMAL, state=state
    )
    assert state is not None and state.baseline.frames == 0
    # The tap-raised flag clears confused_off_s after the evidence ran out (at 140); learning starts after it.
    state, _ = replay(readings(1, 120, 162, step=2), rules=NORMAL, state=state)
    assert state is not None and state.baseline.frames == 10 and state.baseline.confused == 0


def test_time_with_a_face_in_view_and_expressivity_are_tracked():
    items = readings(1, 0, 60, step=2) + readings(1, 60, 66, step=2, face=False)
    items += readings(1, 66, 120, step=2, probabilities=CONFUSED)
    state, _ = replay(items, rules=NORMAL)
    assert state is not None
    # Each reading stands for the time until the next: faces on 0..58 (60 s) and 66..118 (52 s).
    assert state.face_time_s == pytest.approx(112.0)
    assert state.connected_time_s == pytest.approx(118.0)
    # The only expression change is NEUTRAL -> CONFUSED at t=66; the rolling expressivity is positive after it.
    assert state.expressivity is not None and 0.0 < state.expressivity < 1.0


def test_smoothed_probabilities_move_towards_the_new_expression_at_the_smoothing_rate():
    state, _ = replay([reading(1, 0, probabilities=NEUTRAL), reading(1, 3, probabilities=CONFUSED)], rules=NORMAL)
    assert state is not None and state.smoothed is not None
    # One time constant (smoothing_s = 3 s) covers 1 - 1/e of the way.
    alpha = 1 - 2.718281828459045 ** (-3 / NORMAL.smoothing_s)
    for old, new, got in zip(NEUTRAL, CONFUSED, state.smoothed, strict=True):
        assert got == pytest.approx(old + alpha * (new - old))


@pytest.mark.parametrize(
    ("sensitivity", "first_over_bar"),
    # 15 frames in the 30 s window; the bar (60%, 50%, 40%) is first reached with 9, 8 or 6 confused frames.
    [("low", 196), ("normal", 194), ("high", 190)],
)
def test_each_sensitivity_raises_one_confused_flag_when_its_bar_has_held_for_its_t_on(sensitivity, first_over_bar):
    rules = rules_for(sensitivity)
    items = readings(1, 0, 180, step=2) + readings(1, 180, 400, step=2, probabilities=CONFUSED)
    _, events = replay(items, rules=rules)
    assert confused_events(events) == [(first_over_bar + rules.confused_on_s, "raised", "face")]
