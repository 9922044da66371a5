"""The class mood timeline and the engagement score."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engagement.core import DEFAULT_RULES, EMOTIONS, Reading, attention_score, engagement_score, mood_timeline
from engagement.core.signals import reading_signals
from engagement.core.synthetic import CONFUSED, HAPPY, NEUTRAL, SAD_RESTING, reading, readings


def test_shares_average_students_not_frames():
    # Student 1 sends five happy frames, student 2 one sad one: each student weighs the same.
    items = [*readings(1, 100, 105, probabilities=HAPPY), reading(2, 101, probabilities=SAD_RESTING)]
    [point] = mood_timeline(items, bucket_s=5)
    assert point.t == 100
    for i, name in enumerate(EMOTIONS):
        assert point.shares[name] == pytest.approx((HAPPY[i] + SAD_RESTING[i]) / 2)
    assert sum(point.shares.values()) == pytest.approx(1.0)
    assert (point.present, point.connected) == (2, 2)


def test_a_dark_picture_counts_as_connected_not_in_the_shares():
    items = [reading(1, 0, probabilities=HAPPY), reading(2, 1, probabilities=CONFUSED, brightness=10.0)]
    [point] = mood_timeline(items, bucket_s=5)
    assert point.shares["happy"] == pytest.approx(HAPPY[EMOTIONS.index("happy")])
    assert (point.present, point.connected) == (2, 2)


def test_buckets_are_fixed_and_empty_ones_are_kept_between_start_and_end():
    items = [reading(1, 10.0), reading(1, 14.99), reading(1, 15.0), reading(1, 31.0)]
    points = mood_timeline(items, bucket_s=5, start=10, end=35)
    assert [p.t for p in points] == [10, 15, 20, 25, 30]
    assert [p.connected for p in points] == [1, 1, 0, 0, 1]
    assert points[2].shares == {} and points[2].engagement is None


def test_with_emotions_off_there_are_no_shares_but_presence_and_engagement():
    items = readings(1, 0, 5, probabilities=None) + readings(2, 0, 5, face=False)
    [point] = mood_timeline(items, bucket_s=5)
    assert point.shares == {}
    assert (point.present, point.connected) == (1, 2)
    # Student 1: page 1, presence 1 -> 100. Student 2: page 1, presence 0 -> 70.
    assert point.engagement == pytest.approx(85.0)
    assert point.attention == pytest.approx(85.0)


def test_bucket_length_must_be_positive():
    with pytest.raises(ValueError):
        mood_timeline([], bucket_s=0)


# --- the engagement score (docs/engagement.md, "Scores") ----------------------------------------------------------


def test_the_engagement_score_follows_its_documented_formula():
    # attention = 100 * (0.7 * page + 0.3 * presence); engagement = 0.8 * attention + 0.2 * 100 * activity
    assert attention_score(page=0.5, presence=1.0) == pytest.approx(65.0)
    assert engagement_score(page=0.5, presence=1.0, activity=0.1) == pytest.approx(0.8 * 65 + 0.2 * 10)
    assert engagement_score(page=1.0) == 100.0
    assert engagement_score(page=0.0) == 0.0
    assert engagement_score(page=0.75, presence=None, activity=None) == pytest.approx(75.0)


def test_a_hidden_tab_scores_zero_attention_and_a_calm_attentive_face_scores_high():
    hidden = reading(1, 0, probabilities=None, face=False, camera="paused", tab_visible=False)
    calm = reading(2, 0, probabilities=NEUTRAL)
    [point] = mood_timeline([hidden], bucket_s=5)
    assert point.engagement == 0.0
    [point] = mood_timeline([calm], bucket_s=5)
    # activity = 1 - p(neutral) = 0.1: a calm face loses only 18 points of 100.
    assert point.engagement == pytest.approx(0.8 * 100 + 0.2 * 100 * (1 - NEUTRAL[EMOTIONS.index("neutral")]))


@given(
    page=st.floats(-1, 2, allow_nan=False),
    presence=st.none() | st.floats(-1, 2, allow_nan=False),
    activity=st.none() | st.floats(-1, 2, allow_nan=False),
)
def test_scores_stay_within_0_and_100(page, presence, activity):
    assert 0.0 <= engagement_score(page=page, presence=presence, activity=activity) <= 100.0
    assert 0.0 <= attention_score(page=page, presence=presence) <= 100.0


# --- properties ---------------------------------------------------------------------------------------------------

probabilities = st.lists(st.floats(0, 1, allow_nan=False), min_size=len(EMOTIONS), max_size=len(EMOTIONS)).map(tuple)
a_reading = st.builds(
    Reading,
    participant_id=st.integers(1, 6),
    t=st.floats(0, 60, allow_nan=False),
    camera=st.sampled_from(["on", "on", "on", "paused"]),
    face=st.booleans(),
    probabilities=st.none() | probabilities,
    brightness=st.none() | st.floats(0, 255),
    blur=st.none() | st.floats(0, 300),
    face_px=st.none() | st.integers(10, 200),
    tab_visible=st.none() | st.booleans(),
    focused=st.none() | st.booleans(),
    idle_s=st.none() | st.floats(0, 600),
)


@settings(max_examples=150, deadline=None)
@given(items=st.lists(a_reading, max_size=60), bucket_s=st.sampled_from([1.0, 5.0, 10.0]))
def test_every_bucket_with_a_clear_face_has_shares_summing_to_1(items, bucket_s):
    for point in mood_timeline(items, bucket_s=bucket_s):
        if point.shares:
            assert sum(point.shares.values()) == pytest.approx(1.0)
            assert all(0.0 <= share <= 1.0 for share in point.shares.values())
            assert point.present >= 1
        in_bucket = [r for r in items if point.t <= r.t < point.t + bucket_s]
        clear = [r for r in in_bucket if reading_signals(r, rules=DEFAULT_RULES).probabilities is not None]
        assert bool(point.shares) is bool(clear)
        assert point.connected == len({r.participant_id for r in in_bucket})
        assert point.present == len({r.participant_id for r in in_bucket if r.face and r.camera == "on"})
        assert point.present <= point.connected
        if point.connected:
            assert point.engagement is not None and 0.0 <= point.engagement <= 100.0
        else:
            assert point.engagement is None and point.shares == {}
