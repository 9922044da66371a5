"""Student voice in the rules: taps, "all good", dismissals and their cooldown, and the agreement measure."""

import pytest

from engagement.core import (
    FlagEvent,
    SelfReport,
    rules_for,
    self_report_agreement,
    student_dismiss,
    student_self_report,
    student_tile,
    student_update,
)
from engagement.core.explain import from_text
from engagement.core.intervals import is_report_flag
from engagement.core.synthetic import CONFUSED, readings, replay

NORMAL = rules_for("normal")


def settled(pid=1, until=180.0):
    state, events = replay(readings(pid, 0, until, step=2), rules=NORMAL)
    assert events == [] and state is not None
    return state


def tap(state, t, kind="confused", text=""):
    return student_self_report(state, SelfReport(state.participant_id, t, kind, text), rules=NORMAL)


def test_an_im_confused_tap_raises_the_flag_at_once_and_it_lasts_while_the_tap_counts():
    state, raised = tap(settled(), 180.0)
    assert [(e.t, e.kind, e.action, e.cause) for e in raised] == [(180.0, "confused", "raised", "report")]
    # The student's own word, and nothing more: no face numbers that may point the other way.
    assert raised[0].explanation == [{"id": "confused.report", "params": {"tapped_at": 180.0}}]
    state, events = replay(readings(1, 180, 400, step=2), rules=NORMAL, state=state)
    # The tap counts for report_evidence_s (120 s): the first reading without it is at 300, and the flag clears
    # confused_off_s (20 s) later.
    assert [(e.t, e.action) for e in events] == [(320, "cleared")]
    assert events[0].explanation == [{"id": "confused.report_gone", "params": {"lasted_s": 140}}]


def test_all_good_withdraws_the_tap():
    state, _ = tap(settled(), 180.0)
    state, _ = tap(state, 200.0, "all_good")
    _, events = replay(readings(1, 200, 260, step=2), rules=NORMAL, state=state)
    assert [(e.t, e.action) for e in events] == [(220, "cleared")]


def test_a_tap_while_the_face_flag_is_up_raises_no_second_flag_and_keeps_it_up():
    state, events = replay(readings(1, 180, 240, step=2, probabilities=CONFUSED), rules=NORMAL, state=settled())
    assert [(e.t, e.action, e.cause) for e in events] == [(214, "raised", "face")]
    state, events = tap(state, 240.0)
    assert events == []
    # The face calms down at 240, but the tap keeps the flag until 360 (+20 s off).
    _, events = replay(readings(1, 240, 420, step=2), rules=NORMAL, state=state)
    assert [(e.t, e.action) for e in events] == [(380, "cleared")]


@pytest.mark.parametrize("kind", ["too_fast", "too_slow", "all_good", "raise_hand"])
def test_other_taps_raise_no_flag_and_show_on_the_tile(kind):
    state, events = tap(settled(), 180.0, kind, "page 3?")
    assert events == []
    assert student_tile(state)["last_report"] == {"kind": kind, "text": "page 3?", "t": 180.0}


def test_a_tap_before_any_frame_still_raises_the_flag():
    state, events = student_self_report(None, SelfReport(7, 5.0, "confused"), rules=NORMAL)
    assert [(e.participant_id, e.kind, e.cause) for e in events] == [(7, "confused", "report")]
    assert events[0].explanation == [{"id": "confused.report", "params": {"tapped_at": 5.0}}]
    assert student_tile(state)["status"] == "waiting"


# --- dismissal and cooldown ---------------------------------------------------------------------------------------


def test_a_dismissed_flag_clears_at_once_and_stays_quiet_for_the_cooldown():
    state, events = replay(readings(1, 180, 240, step=2, probabilities=CONFUSED), rules=NORMAL, state=settled())
    assert [e.action for e in events] == ["raised"]
    state, events = student_dismiss(state, "confused", 240.0, rules=NORMAL)
    assert [(e.t, e.action) for e in events] == [(240.0, "cleared")]
    assert events[0].explanation == [
        {"id": "dismissed", "params": {"kind": "confused", "lasted_s": 26, "cooldown_s": 600}}
    ]
    # Still confused-looking all along: nothing until the cooldown (600 s) ends, then raised again at once.
    _, events = replay(readings(1, 242, 1000, step=2, probabilities=CONFUSED), rules=NORMAL, state=state)
    assert [(e.t, e.action) for e in events] == [(240 + NORMAL.cooldown_s, "raised")]


def test_a_tap_during_the_cooldown_raises_nothing_but_is_shown():
    state, _ = tap(settled(), 180.0)
    state, _ = student_dismiss(state, "confused", 190.0, rules=NORMAL)
    state, events = tap(state, 200.0, text="still lost")
    assert events == []
    assert student_tile(state)["last_report"]["text"] == "still lost"


def test_the_cooldown_is_per_kind():
    state, _ = tap(settled(), 180.0)
    state, _ = student_dismiss(state, "confused", 182.0, rules=NORMAL)
    _, events = replay(readings(1, 184, 300, step=2, face=False), rules=NORMAL, state=state)
    assert [(e.kind, e.action) for e in events] == [("absent", "raised")]


@pytest.mark.parametrize("sensitivity", ["low", "normal", "high"])
def test_the_cooldown_follows_the_sensitivity(sensitivity):
    rules = rules_for(sensitivity)
    state, _ = student_self_report(None, SelfReport(1, 0.0, "confused"), rules=rules)
    state, _ = student_dismiss(state, "confused", 10.0, rules=rules)
    assert state.flags["confused"].cooldown_until == 10.0 + rules.cooldown_s


def test_dismissing_an_unknown_kind_is_an_error():
    with pytest.raises(ValueError):
        student_dismiss(settled(), "sleepy", 1.0, rules=NORMAL)


# --- agreement between taps and the face-based flag ---------------------------------------------------------------


def test_agreement_counts_taps_preceded_by_a_face_flag_and_ignores_tap_raised_flags():
    events = []
    state, new = replay(readings(1, 180, 240, step=2, probabilities=CONFUSED), rules=NORMAL, state=settled())
    events += new  # face flag at 214
    state, new = tap(state, 240.0)  # preceded by the face flag
    events += new
    _, new = tap(settled(2), 250.0)  # no face flag before it: this tap raises its own
    events += new
    reports = [SelfReport(1, 240.0, "confused"), SelfReport(2, 250.0, "confused"), SelfReport(2, 251.0, "too_fast")]
    result = self_report_agreement(events, reports, window_s=120)
    assert (result["confused_reports"], result["preceded_by_flag"], result["share"]) == (2, 1, 0.5)
    assert (result["face_flags"], result["followed_by_report"], result["flag_share"]) == (1, 1, 1.0)


def test_flags_carry_their_cause_into_the_tile():
    state, _ = tap(settled(), 180.0)
    state, _ = student_update(state, readings(1, 182, 184, step=2)[0], rules=NORMAL)
    flags = student_tile(state)["flags"]
    assert [(f["kind"], f["since"]) for f in flags] == [("confused", 180.0)]
    assert state.flags["confused"].cause == "report"


def test_a_tapped_flag_is_still_recognised_when_stored_without_its_cause():
    # Flags stored before the cause was: reports tell tapped flags by their message, or by how the old text starts.
    _, raised = tap(settled(), 180.0)
    stored = FlagEvent(1, "confused", "raised", 180.0, raised[0].explanation)
    assert is_report_flag(stored)
    assert is_report_flag(FlagEvent(1, "confused", "raised", 180.0, from_text("Tapped “I'm confused”.")))
    _, face = replay(readings(1, 180, 240, step=2, probabilities=CONFUSED), rules=NORMAL, state=settled())
    assert not is_report_flag(FlagEvent(1, "confused", "raised", face[0].t, face[0].explanation))
