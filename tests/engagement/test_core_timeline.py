"""The class mood timeline and the engagement score."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engagement.core import DEFAULT_RULES, EMOTIONS, Reading, SelfReport, mood_timeline, quality_of
from engagement.core.signals import reading_signals
from engagement.core.synthetic import CONFUSED, HAPPY, SAD_RESTING, reading, readings
from engagement.core.types import FlagEvent


def test_shares_average_students_not_frames():
    # Student 1 sends five happy frames, student 2 one sad one: each student weighs the same.
    items = [*readings(1, 100, 105, probabilities=HAPPY), reading(2, 101, probabilities=SAD_RESTING)]
    [point] = mood_timeline(items, bucket_s=5)
    assert point.t == 100
    for i, name in enumerate(EMOTIONS):
        assert point.shares[name] == pytest.approx((HAPPY[i] + SAD_RESTING[i]) / 2)
    assert sum(point.shares.values()) == pytest.approx(1.0)
    assert (point.present, point.connected) == (2, 2)


def test_a_dark_picture_counts_as_connected_not_in_the_shares_nor_in_view():
    items = [reading(1, 0, probabilities=HAPPY), reading(2, 1, probabilities=CONFUSED, brightness=10.0)]
    [point] = mood_timeline(items, bucket_s=5)
    assert point.shares["happy"] == pytest.approx(HAPPY[EMOTIONS.index("happy")])
    # "In view" is one definition everywhere: a clear picture with a face (the tile's "live").
    assert (point.present, point.connected) == (1, 2)


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
    assert point.attentive_share == 1.0


def test_bucket_length_must_be_positive():
    with pytest.raises(ValueError):
        mood_timeline([], bucket_s=0)


# --- what a teacher can act on: confusion, attention, the taps ----------------------------------------------------


def test_the_timeline_carries_the_confused_share_the_attentive_share_and_every_tap_kind():
    items = readings(1, 0, 10) + readings(2, 0, 10, tab_visible=False) + readings(3, 0, 10, focused=False)
    flags = [FlagEvent(1, "confused", "raised", 2.0), FlagEvent(1, "confused", "cleared", 4.0)]
    taps = [SelfReport(3, 6.0, "confused"), SelfReport(2, 7.0, "raise_hand"), SelfReport(2, 8.0, "raise_hand")]
    first, second = mood_timeline(items, flags=flags, reports=taps, bucket_s=5)
    assert first.confused_share == pytest.approx(1 / 3)  # student 1's flag was up in the first bucket only
    assert second.confused_share == pytest.approx(1 / 3)  # student 3 tapped in the second
    assert first.attentive_share == pytest.approx(1 / 3)  # hidden and unfocused are not on the lesson
    assert first.to_dict()["taps"] == {"confused": 0, "too_fast": 0, "too_slow": 0, "all_good": 0, "raise_hand": 0}
    assert second.to_dict()["taps"] == {"confused": 1, "too_fast": 0, "too_slow": 0, "all_good": 0, "raise_hand": 2}


def test_a_tap_alone_makes_a_bucket():
    [point] = mood_timeline([], reports=[SelfReport(1, 12.0, "raise_hand")], bucket_s=5)
    assert point.t == 10 and point.taps["raise_hand"] == 1 and point.connected == 0 and point.engagement is None


def test_a_drift_flag_up_in_the_bucket_holds_the_students_score_down():
    items = readings(1, 0, 5, probabilities=HAPPY)
    [free] = mood_timeline(items, bucket_s=5)
    [flagged] = mood_timeline(items, flags=[FlagEvent(1, "looking_away", "raised", 0.0)], bucket_s=5)
    assert free.engagement > 90 and flagged.engagement == 40.0


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
        in_bucket = [r for r in items if point.t <= r.t < point.t + bucket_s]
        clear = [r for r in in_bucket if reading_signals(r, rules=DEFAULT_RULES).probabilities is not None]
        assert bool(point.shares) is bool(clear)
        assert point.connected == len({r.participant_id for r in in_bucket})
        latest = {}
        for r in sorted(in_bucket, key=lambda r: r.t):
            latest[r.participant_id] = r
        assert point.present == sum(1 for r in latest.values() if quality_of(r, rules=DEFAULT_RULES) == "ok")
        assert point.present <= point.connected
        seen = [r for r in in_bucket if reading_signals(r, rules=DEFAULT_RULES).presence is not None]
        if seen:
            assert point.engagement is not None and 0.0 <= point.engagement <= 100.0
        else:
            assert point.engagement is None
