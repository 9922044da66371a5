"""Properties of the live rules over random scripted lessons: no overlapping flags, determinism, and a state that
survives the shared cache (to_dict -> JSON -> from_dict) without changing what happens next."""

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from engagement.core import (
    FLAG_KINDS,
    SelfReport,
    StudentState,
    rules_for,
    student_disconnect,
    student_dismiss,
    student_self_report,
    student_update,
)
from engagement.core.synthetic import CONFUSED, HAPPY, NEUTRAL, SAD_RESTING, reading

# A lesson is a list of spells; each spell is a kind of behaviour held for some seconds.
SPELLS = {
    "calm": {"probabilities": NEUTRAL},
    "happy": {"probabilities": HAPPY},
    "confused": {"probabilities": CONFUSED},
    "sad": {"probabilities": SAD_RESTING},
    "away": {"face": False},
    "dark": {"brightness": 10.0, "probabilities": CONFUSED},
    "blurry": {"blur": 3.0},
    "hidden": {"tab_visible": False, "focused": False},
    "unfocused": {"focused": False},
    "idle": {"idle_s": 600.0},
    "paused": {"camera": "paused"},
    "emotions_off": {"probabilities": None},
}
spell = st.tuples(st.sampled_from(sorted(SPELLS)), st.integers(2, 200))
action = st.sampled_from(["none", "none", "none", "confused", "all_good", "too_fast", "dismiss", "disconnect"])
lesson = st.lists(st.tuples(spell, action), min_size=1, max_size=12)


def script(plan, step):
    """The plan as a list of inputs: ("reading", Reading) | ("report", SelfReport) | ("dismiss", t) | ..."""
    out = []
    t = 0.0
    for (kind, seconds), act in plan:
        if act in ("confused", "all_good", "too_fast"):
            out.append(("report", SelfReport(1, t, act)))
        elif act == "dismiss":
            out.append(("dismiss", t))
        elif act == "disconnect":
            out.append(("disconnect", t))
        end = t + seconds
        while t < end:
            out.append(("reading", reading(1, t, **SPELLS[kind])))
            t += step
    return out


def run(inputs, rules, *, through_cache=False):
    state = None
    events = []
    for what, item in inputs:
        if through_cache and state is not None:
            state = StudentState.from_dict(json.loads(json.dumps(state.to_dict())))
        if what == "reading":
            state, new = student_update(state, item, rules=rules)
        elif what == "report":
            state, new = student_self_report(state, item, rules=rules)
        elif state is None:
            continue
        elif what == "dismiss":
            kind = next((k for k in FLAG_KINDS if state.flags[k].active), "confused")
            state, new = student_dismiss(state, kind, item, rules=rules)
        else:
            state, new = student_disconnect(state, item)
        events += new
    return state, events


common = settings(max_examples=60, deadline=None)


@common
@given(plan=lesson, step=st.sampled_from([1.0, 2.0, 5.0]), sensitivity=st.sampled_from(["low", "normal", "high"]))
def test_flags_never_overlap_for_one_student_and_kind(plan, step, sensitivity):
    _, events = run(script(plan, step), rules_for(sensitivity))
    for kind in FLAG_KINDS:
        actions = [e.action for e in events if e.kind == kind]
        assert actions == ["raised", "cleared"] * (len(actions) // 2) + ["raised"] * (len(actions) % 2)
    times = [e.t for e in events]
    assert times == sorted(times)


@settings(max_examples=25, deadline=None)
@given(plan=lesson, step=st.sampled_from([1.0, 2.0]))
def test_replaying_the_same_inputs_gives_the_same_flags_even_through_the_cache(plan, step):
    rules = rules_for("normal")
    inputs = script(plan, step)
    first_state, first = run(inputs, rules)
    _, again = run(inputs, rules)
    cached_state, cached = run(inputs, rules, through_cache=True)
    assert again == first
    assert cached == first
    assert first_state is not None and cached_state is not None
    assert cached_state.to_dict() == first_state.to_dict()


@common
@given(plan=lesson)
def test_no_flag_is_ever_raised_on_a_picture_we_cannot_trust(plan):
    rules = rules_for("high")
    inputs = script(plan, 2.0)
    _, events = run(inputs, rules)
    by_time = {item.t: item for what, item in inputs if what == "reading"}
    for event in events:
        if event.action == "raised" and event.cause != "report" and event.t in by_time:
            r = by_time[event.t]
            assert not (r.camera == "on" and r.brightness is not None and r.brightness < rules.min_brightness)
            assert not (r.camera == "on" and r.blur is not None and r.blur < rules.min_blur)


@common
@given(plan=lesson)
def test_the_stored_state_stays_bounded(plan):
    rules = rules_for("normal")
    state, _ = run(script(plan, 1.0), rules)
    if state is not None:
        assert len(state.samples) <= rules.window_capacity
        assert len(state.spark) <= rules.sparkline_len
