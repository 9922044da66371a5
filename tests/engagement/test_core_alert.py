"""The class alert: a large share of the class confused at once."""

import pytest

from engagement.core import ClassAlertState, SelfReport, class_alert_update, rules_for, student_self_report
from engagement.core.synthetic import reading, replay

NORMAL = rules_for("normal")


def make_class(size, confused):
    """size students who have each sent a frame; the first `confused` of them have tapped "I'm confused"."""
    states = []
    for pid in range(1, size + 1):
        state, _ = replay([reading(pid, 0.0)], rules=NORMAL)
        assert state is not None
        if pid <= confused:
            state, _ = student_self_report(state, SelfReport(pid, 1.0, "confused"), rules=NORMAL)
        states.append(state)
    return states


def run_alert(states, times, rules=NORMAL, alert=None):
    changes = []
    for t in times:
        alert, message, changed = class_alert_update(alert, states, t, rules=rules)
        if changed:
            changes.append((t, message))
    return alert, changes


def test_the_alert_fires_when_40_percent_are_confused_after_alert_on_s():
    alert, changes = run_alert(make_class(10, 4), range(0, 30, 2))
    assert [t for t, _ in changes] == [NORMAL.alert_on_s]
    message = changes[0][1]
    assert (message["confused"], message["students"], message["share"]) == (4, 10, 0.4)
    assert message["message"].startswith("4 of 10 students (40%) seem confused right now")
    assert alert.alert() == message


def test_the_alert_does_not_fire_at_10_percent():
    _, changes = run_alert(make_class(10, 1), range(0, 300, 2))
    assert changes == []


def test_the_alert_needs_alert_min_confused_students():
    # One student of two is 50%, but one confused student is not a class moment.
    _, changes = run_alert(make_class(2, 1), range(0, 300, 2))
    assert changes == []


def test_the_alert_holds_between_the_two_bars_and_clears_after_alert_off_s_below_the_lower_one():
    alert, _ = run_alert(make_class(10, 4), range(0, 20, 2))
    assert alert.active
    _, changes = run_alert(make_class(10, 3), range(20, 200, 2), alert=alert)  # 30%: above the 20% off bar
    assert changes == []
    alert, changes = run_alert(make_class(10, 1), range(200, 300, 2), alert=alert)  # 10%
    assert changes == [(200 + NORMAL.alert_off_s, None)]
    assert not alert.active


def test_a_brief_spike_does_not_fire_the_alert():
    alert, _ = run_alert(make_class(10, 4), range(0, 8, 2))
    _, changes = run_alert(make_class(10, 0), range(8, 60, 2), alert=alert)
    assert changes == []


def test_disconnected_students_do_not_count():
    states = make_class(10, 4)
    for state in states[4:]:
        state.connected = False
    alert, _ = run_alert(states, [0.0])
    assert (alert.confused, alert.students, alert.share) == (4, 4, 1.0)


@pytest.mark.parametrize(("sensitivity", "fires"), [("low", False), ("normal", True), ("high", True)])
def test_the_alert_bar_follows_the_sensitivity(sensitivity, fires):
    _, changes = run_alert(make_class(10, 4), range(0, 60, 2), rules=rules_for(sensitivity))
    assert bool(changes) is fires


def test_the_alert_state_round_trips_through_its_dict():
    alert, _ = run_alert(make_class(10, 4), range(0, 20, 2))
    again = ClassAlertState.from_dict(alert.to_dict())
    assert again == alert
    assert alert.to_dict()["alert"] == alert.alert()
