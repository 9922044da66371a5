"""The engagement number's definition (docs/engagement.md, "Scores"): evidence or no number, flags and unseen
students move it, and the same definition for a tile, a timeline bucket and a report."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engagement.core import (
    DEFAULT_RULES,
    EMOTIONS,
    attention_score,
    class_engagement,
    engagement_score,
    mood_timeline,
    student_summary,
    student_tile,
)
from engagement.core.synthetic import HAPPY, NEUTRAL, reading, readings, replay
from engagement.core.types import FlagEvent

CALM = 0.8 * 100 + 0.2 * 100 * (1 - NEUTRAL[EMOTIONS.index("neutral")])  # 82: a calm face, tab on screen


# --- one student ----------------------------------------------------------------------------------------------


def test_the_score_follows_its_documented_formula():
    # attention = 100 * (0.7 * page + 0.3 * presence); engagement = 0.8 * attention + 0.2 * 100 * activity
    assert attention_score(page=0.5, presence=1.0) == pytest.approx(65.0)
    assert engagement_score(page=0.5, presence=1.0, activity=0.1) == pytest.approx(0.8 * 65 + 0.2 * 10)
    assert engagement_score(page=1.0, presence=1.0) == 100.0
    assert engagement_score(page=0.0, presence=0.0) == 0.0
    assert engagement_score(page=1.0, presence=0.0) == pytest.approx(70.0)  # a clear picture without a face


def test_without_evidence_there_is_no_score():
    # Not seen (a dark, blurry or too small picture, or the camera paused): no engagement, whatever the page says.
    assert engagement_score(page=1.0, presence=None) is None
    assert engagement_score(page=1.0, presence=None, activity=0.9) is None
    # Attention rests on the page alone then; with no page signal either, there is nothing at all.
    assert attention_score(page=0.75, presence=None) == pytest.approx(75.0)
    assert attention_score(page=None, presence=None) is None


def test_a_drift_flag_holds_the_score_at_40_and_a_confused_one_does_not():
    assert engagement_score(page=1.0, presence=1.0, activity=0.5, drift_flagged=True) == 40.0
    assert engagement_score(page=0.0, presence=0.0, drift_flagged=True) == 0.0  # a ceiling, not a floor


def test_a_cant_see_student_shows_no_score_on_the_tile_not_100():
    state, _ = replay(readings(1, 0, 20, step=2) + readings(1, 20, 30, step=2, brightness=10.0), rules=DEFAULT_RULES)
    tile = student_tile(state)
    assert tile["status"] == "cant_see" and tile["engagement"] is None


def test_a_student_never_seen_has_no_score_on_the_tile():
    state, _ = replay(readings(1, 0, 20, step=2, camera="paused", face=False, probabilities=None), rules=DEFAULT_RULES)
    tile = student_tile(state)
    assert tile["engagement"] is None and tile["sparkline"] == []


def test_a_flag_raised_by_a_reading_already_holds_that_readings_score_down():
    state, events = replay(
        readings(1, 0, 100, step=2) + readings(1, 100, 200, step=2, yaw=55.0, pitch=0.0), rules=DEFAULT_RULES
    )
    assert [(e.kind, e.action) for e in events] == [("looking_away", "raised")]
    assert student_tile(state)["engagement"] <= 40.0


def test_a_student_who_left_before_any_reading_has_no_score_in_the_report():
    summary = student_summary([], [], [], participant_id=7)
    assert summary["engagement"] is None and summary["attention"] is None


def test_the_report_averages_only_the_readings_in_which_the_student_was_seen():
    items = readings(1, 0, 10, probabilities=NEUTRAL) + readings(1, 10, 20, brightness=10.0)
    summary = student_summary(items, [], [], participant_id=1)
    assert summary["engagement"] == pytest.approx(CALM)


def test_the_report_holds_a_students_score_down_while_a_drift_flag_was_up():
    items = readings(1, 0, 20, probabilities=NEUTRAL)
    flags = [FlagEvent(1, "bored", "raised", 10.0), FlagEvent(1, "bored", "cleared", 20.0)]
    summary = student_summary(items, flags, [], participant_id=1)
    assert summary["engagement"] == pytest.approx((CALM + 40.0) / 2)


# --- the class ------------------------------------------------------------------------------------------------


def test_unseen_students_pull_the_class_down_and_nobody_seen_is_no_number():
    assert class_engagement([90.0, 90.0, None]) == pytest.approx(60.0)
    assert class_engagement([None, None]) is None
    assert class_engagement([]) is None


def test_class_engagement_moves_with_unseen_and_flagged_students():
    # 30 students with calm faces and the tab on screen; then 9 of them can't be seen and 5 are flagged away.
    seen_all = [reading(pid, 1.0, probabilities=HAPPY) for pid in range(30)]
    [everyone] = mood_timeline(seen_all, bucket_s=5)
    dark = [reading(pid, 1.0, probabilities=HAPPY, brightness=10.0) for pid in range(9)]
    rest = [reading(pid, 1.0, probabilities=HAPPY) for pid in range(9, 30)]
    flags = [FlagEvent(pid, "absent", "raised", 0.0) for pid in range(9, 14)]
    [moved] = mood_timeline(dark + rest, flags=flags, bucket_s=5)
    assert everyone.engagement > 95
    expected = (16 * everyone.engagement + 5 * 40.0) / 30
    assert moved.engagement == pytest.approx(expected)
    assert moved.engagement < 65
    assert (moved.present, moved.connected) == (21, 30)


def test_with_every_camera_paused_the_class_has_attention_but_no_engagement():
    paused = [reading(pid, 1.0, camera="paused", face=False, probabilities=None) for pid in range(3)]
    [point] = mood_timeline(paused, bucket_s=5)
    assert point.engagement is None and point.attention == 100.0


@given(
    page=st.none() | st.floats(-1, 2, allow_nan=False),
    presence=st.none() | st.floats(-1, 2, allow_nan=False),
    activity=st.none() | st.floats(-1, 2, allow_nan=False),
    flagged=st.booleans(),
)
def test_scores_stay_within_0_and_100_or_are_none_exactly_without_evidence(page, presence, activity, flagged):
    engagement = engagement_score(page=page, presence=presence, activity=activity, drift_flagged=flagged)
    attention = attention_score(page=page, presence=presence)
    assert (engagement is None) is (presence is None)
    assert (attention is None) is (page is None and presence is None)
    assert engagement is None or 0.0 <= engagement <= (40.0 if flagged else 100.0)
    assert attention is None or 0.0 <= attention <= 100.0
