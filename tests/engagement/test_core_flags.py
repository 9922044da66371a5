"""Flag hysteresis and the absent, confused and bored rules over scripted reading sequences."""

import random

import pytest

from engagement.core import rules_for, student_tile
from engagement.core.synthetic import CONFUSED, HAPPY, NEUTRAL, alternating, noisy, reading, readings, replay

NORMAL = rules_for("normal")


def story(events, kind=None):
    return [(e.t, e.kind, e.action) for e in events if kind is None or e.kind == kind]


def settled(pid=1, until=180.0, step=2.0):
    """A student who has sat in good light with a calm face long enough for the baseline to be learned."""
    return readings(pid, 0, until, step=step)


# --- hysteresis ---------------------------------------------------------------------------------------------------


def test_flicker_between_confused_and_calm_frames_raises_nothing():
    flicker = alternating(
        readings(1, 180, 900, step=2, probabilities=CONFUSED), readings(1, 180, 900, step=2, probabilities=HAPPY)
    )
    _, events = replay(settled() + flicker, rules=NORMAL)
    assert events == []


def test_a_raised_flag_does_not_flap_while_the_signal_flickers_and_clears_once_after_recovery():
    items = settled() + readings(1, 180, 300, step=2, probabilities=CONFUSED)
    items += alternating(
        readings(1, 300, 600, step=2, probabilities=CONFUSED), readings(1, 300, 600, step=2, probabilities=HAPPY)
    )
    items += readings(1, 600, 700, step=2)
    _, events = replay(items, rules=NORMAL)
    # Half the frames still look confused: above bar - slack (35%), so the flag holds until the calm stretch.
    assert [(k, a) for _, k, a in story(events)] == [("confused", "raised"), ("confused", "cleared")]
    assert story(events)[1][0] > 600


def test_a_flag_is_raised_only_after_the_condition_held_for_t_on():
    items = settled() + readings(1, 180, 210, step=2, face=False)  # 30 s without a face: just short of absent
    items += readings(1, 210, 230, step=2)
    _, events = replay(items, rules=NORMAL)
    assert events == []


def test_a_flag_is_cleared_only_after_the_condition_was_gone_for_t_off():
    items = settled() + readings(1, 180, 300, step=2, face=False)
    items += readings(1, 300, 304, step=2) + readings(1, 304, 310, step=2, face=False)  # back for 4 s only
    items += readings(1, 310, 330, step=2)
    _, events = replay(items, rules=NORMAL)
    assert story(events) == [(180 + NORMAL.absent_on_s, "absent", "raised"), (316, "absent", "cleared")]


# --- absent -------------------------------------------------------------------------------------------------------


def test_no_face_in_a_clear_picture_raises_absent_after_absent_on_s_and_it_clears_when_back():
    items = settled() + readings(1, 180, 300, step=2, face=False) + readings(1, 300, 400, step=2)
    state, events = replay(items, rules=NORMAL)
    # Back at 300; the flag clears absent_off_s (5 s) later, on the first reading at or after 305.
    assert story(events) == [(210, "absent", "raised"), (306, "absent", "cleared")]
    assert events[0].cause == "no_face"
    # The explanation says since when (180, the first reading without a face), never a duration that goes stale.
    assert events[0].explanation == [{"id": "absent.no_face", "params": {"since_at": 180}}]
    assert events[1].explanation == [{"id": "absent.back", "params": {"lasted_s": 96}}]
    assert state is not None and student_tile(state)["flags"] == []


def test_face_flickering_in_and_out_is_not_absent():
    flicker = alternating(readings(1, 180, 600, step=2), readings(1, 180, 600, step=2, face=False))
    _, events = replay(settled() + flicker, rules=NORMAL)
    assert story(events, "absent") == []


def test_a_student_back_from_an_absence_is_not_then_flagged_bored_for_it():
    items = settled() + readings(1, 180, 300, step=2, face=False) + readings(1, 300, 600, step=2)
    _, events = replay(items, rules=NORMAL)
    assert story(events, "bored") == []


@pytest.mark.parametrize("sensitivity", ["low", "normal", "high"])
def test_absent_waits_for_the_sensitivity_s_absent_on_s(sensitivity):
    rules = rules_for(sensitivity)
    items = settled() + readings(1, 180, 400, step=1, face=False)
    _, events = replay(items, rules=rules)
    assert story(events, "absent")[0] == (180 + rules.absent_on_s, "absent", "raised")


# --- picture quality: "can't see you", never disengaged ------------------------------------------------------------


@pytest.mark.parametrize(
    ("picture", "quality"),
    [
        ({"brightness": 12.0}, "too_dark"),
        ({"blur": 5.0}, "too_blurry"),
        ({"face_px": 30}, "face_too_small"),
    ],
)
def test_a_poor_picture_is_cant_see_and_never_raises_a_flag(picture, quality):
    # Confused-looking probabilities and a still face for 15 minutes, but a picture we cannot trust.
    poor = readings(1, 180, 1080, step=2, probabilities=CONFUSED, **picture)
    state, events = replay(settled() + poor, rules=NORMAL)
    assert events == []
    assert state is not None
    tile = student_tile(state)
    assert (tile["status"], tile["quality"], tile["flags"]) == ("cant_see", quality, [])
    assert tile["emotion"] is None


def test_a_dark_picture_without_a_face_is_too_dark_not_absent():
    _, events = replay(settled() + readings(1, 180, 900, step=2, face=False, brightness=10.0), rules=NORMAL)
    assert events == []


def test_a_frame_the_analyzer_could_not_measure_is_no_evidence_of_absence():
    _, events = replay(settled() + readings(1, 180, 900, step=2, face=False, brightness=None, blur=None), rules=NORMAL)
    assert events == []


def test_going_dark_clears_a_confused_flag_as_cant_tell_and_raises_nothing_else():
    items = settled() + readings(1, 180, 300, step=2, probabilities=CONFUSED)
    items += readings(1, 300, 900, step=2, probabilities=CONFUSED, brightness=10.0)
    _, events = replay(items, rules=NORMAL)
    assert [(k, a) for _, k, a in story(events)] == [("confused", "raised"), ("confused", "cleared")]
    # Raised at 214 (see test_core_baseline); cleared confused_off_s after the first dark frame, saying why.
    assert events[1].t == 300 + NORMAL.confused_off_s
    assert events[1].explanation == [
        {"id": "confused.cant_tell", "params": {"lasted_s": 106, "reason_msg": "reason.too_dark"}}
    ]


# --- bored --------------------------------------------------------------------------------------------------------


def lively(pid, start, end, rng, **kwargs):
    """An expressive face (model jitter between happy and neutral), so only attention can make it "bored"."""
    return [
        reading(pid, t, probabilities=noisy(HAPPY if i % 3 else CONFUSED, rng, 0.1), **kwargs)
        for i, t in enumerate(range(int(start), int(end), 2))
    ]


def tab_switching(pid, start, spells, rng, *, hidden_s=40, visible_s=20, emotions=True):
    out = []
    for k in range(spells):
        t0 = start + k * (hidden_s + visible_s)
        for t in range(t0, t0 + hidden_s + visible_s, 2):
            hidden = t < t0 + hidden_s
            probabilities = noisy(HAPPY, rng, 0.1) if emotions else None
            out.append(reading(pid, t, probabilities=probabilities, tab_visible=not hidden, focused=not hidden))
    return out


def test_a_tab_hidden_again_and_again_raises_bored_and_the_explanation_says_the_tab_is_the_cue():
    rng = random.Random(3)
    items = lively(1, 0, 180, rng) + tab_switching(1, 180, 8, rng)
    _, events = replay(items, rules=NORMAL)
    # Never 60 s hidden in a row, so never absent; two thirds of the time hidden, so bored.
    assert story(events, "absent") == []
    bored = [e for e in events if e.kind == "bored"]
    assert [e.action for e in bored] == ["raised"]
    assert bored[0].cause == "attention"
    assert bored[0].explanation[0]["id"] == "bored.raised" and bored[0].explanation[0]["params"]["hidden_pct"] > 0
    assert bored[0].explanation[-1]["id"] == "bored.hidden_note"


def test_a_tab_hidden_for_a_sustained_time_raises_absent_with_the_tab_as_the_reason():
    rng = random.Random(4)
    items = lively(1, 0, 180, rng) + lively(1, 180, 400, rng, tab_visible=False, focused=False)
    _, events = replay(items, rules=NORMAL)
    absent = [e for e in events if e.kind == "absent"]
    assert [(e.t, e.action, e.cause) for e in absent] == [(180 + NORMAL.hidden_absent_on_s, "raised", "tab_hidden")]
    assert absent[0].explanation == [{"id": "absent.tab_hidden", "params": {"since_at": 180}}]


def test_a_calm_neutral_face_with_attention_on_the_lesson_is_never_bored():
    _, events = replay(readings(1, 0, 1800, step=2), rules=NORMAL)
    assert events == []


def test_a_tab_hidden_without_a_break_is_away_not_bored_first():
    # A still neutral face and some drift would make "bored" after 60 s; "away" comes at 60 s and says it better.
    items = settled() + readings(1, 180, 400, step=2, tab_visible=False, focused=False)
    _, events = replay(items, rules=NORMAL)
    assert story(events) == [(180 + NORMAL.hidden_absent_on_s, "absent", "raised")]


@pytest.mark.parametrize("sensitivity", ["low", "normal", "high"])
def test_a_face_out_of_view_or_a_hidden_tab_never_raises_bored_just_before_away(sensitivity):
    for cue in ({"face": False}, {"tab_visible": False, "focused": False}):
        _, events = replay(settled() + readings(1, 180, 600, step=2, **cue), rules=rules_for(sensitivity))
        assert [(k, a) for _, k, a in story(events)] == [("absent", "raised")]


def test_a_bored_flag_gives_way_to_absent_at_once():
    rng = random.Random(3)
    items = lively(1, 0, 180, rng) + tab_switching(1, 180, 8, rng)
    items += lively(1, 660, 800, rng, tab_visible=False, focused=False)  # then hidden without a break
    _, events = replay(items, rules=NORMAL)
    assert [(k, a) for _, k, a in story(events)] == [("bored", "raised"), ("absent", "raised"), ("bored", "cleared")]
    assert events[1].t == 660 + NORMAL.hidden_absent_on_s
    assert events[2].t == events[1].t
    assert events[2].explanation[0]["id"] == "bored.superseded"


# --- emotion-off mode and a paused camera -------------------------------------------------------------------------


def test_with_emotions_off_absent_still_works_from_presence():
    items = readings(1, 0, 180, step=2, probabilities=None) + readings(1, 180, 300, step=2, face=False)
    items += readings(1, 300, 400, step=2, probabilities=None)
    _, events = replay(items, rules=NORMAL)
    assert story(events) == [(210, "absent", "raised"), (306, "absent", "cleared")]


def test_with_emotions_off_a_switching_tab_still_raises_bored_and_nothing_reads_a_face():
    rng = random.Random(5)
    items = readings(1, 0, 180, step=2, probabilities=None) + tab_switching(1, 180, 8, rng, emotions=False)
    state, events = replay(items, rules=NORMAL)
    assert [(e.kind, e.action) for e in events] == [("bored", "raised")]
    assert "bored.flat_face" not in [m["id"] for m in events[0].explanation]
    assert state is not None and state.baseline.frames == 0 and state.smoothed is None


def test_with_emotions_off_nothing_is_ever_flagged_confused_from_the_face():
    _, events = replay(readings(1, 0, 1800, step=2, probabilities=None), rules=rules_for("high"))
    assert events == []


def test_a_paused_camera_with_the_lesson_on_screen_raises_nothing():
    _, events = replay(settled() + readings(1, 180, 1800, step=2, camera="paused"), rules=NORMAL)
    assert events == []


def test_a_paused_camera_and_a_hidden_tab_is_absent():
    items = settled() + readings(1, 180, 400, step=2, camera="paused", tab_visible=False, focused=False)
    _, events = replay(items, rules=NORMAL)
    assert story(events, "absent") == [(240, "absent", "raised")]


@pytest.mark.parametrize("sensitivity", ["low", "normal", "high"])
def test_a_student_quietly_following_a_lecture_is_never_bored(sensitivity):
    # No input on the page for the whole lesson, and a face calmer than in the first minutes: still not bored.
    rng = random.Random(1)
    items = [
        reading(1, t, probabilities=noisy(NEUTRAL, rng, 0.08 if t < 180 else 0.04), idle_s=float(t))
        for t in range(0, 1800, 2)
    ]
    _, events = replay(items, rules=rules_for(sensitivity))
    assert events == []


def test_idling_with_the_window_unfocused_and_a_still_face_is_bored():
    # Unfocused half the time (0.4) and idle otherwise (0.15): drift 0.275, above the 0.25 bar with a flat face.
    rng = random.Random(2)
    items = [reading(1, t, probabilities=noisy(NEUTRAL, rng, 0.08)) for t in range(0, 180, 2)]
    items += [
        reading(1, t, probabilities=noisy(NEUTRAL, rng, 0.01), idle_s=600.0, focused=(t // 10) % 2 == 0)
        for t in range(180, 600, 2)
    ]
    _, events = replay(items, rules=NORMAL)
    assert [(e.kind, e.action) for e in events] == [("bored", "raised")]
    assert events[0].explanation[0]["params"]["unfocused_pct"] > 0
    assert "bored.flat_face" in [m["id"] for m in events[0].explanation]
