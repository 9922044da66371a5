"""The numbers and words the dashboard is sent: none without evidence, none once the session ended, explanations
as messages with the site-language text beside them, the timeline's actionable series."""

import time

import pytest
from django.utils import timezone

from classroom.services import session_end
from engagement import core
from engagement.core.synthetic import readings, replay
from engagement.models import Flag, SelfReport
from engagement.rows import as_datetime
from live.flags import flag_events_store
from live.payloads import dashboard_snapshot, tile
from live.records import StudentRecord
from live.refresh import session_refresh

pytestmark = pytest.mark.django_db


def test_an_ended_sessions_dashboard_says_so_and_carries_no_live_numbers(student):
    session = student.session
    session_end(session=session)
    snapshot = dashboard_snapshot(session.pk)
    assert snapshot["session"]["ended"] is True and snapshot["session"]["status"] == "ended"
    assert snapshot["session"]["report_url"] == f"/reports/sessions/{session.pk}/"
    assert (snapshot["students"], snapshot["timeline"], snapshot["flags"], snapshot["alert"]) == ([], [], [], None)


def test_a_live_sessions_dashboard_says_it_is_not_ended(student):
    snapshot = dashboard_snapshot(student.session_id)
    assert snapshot["session"]["ended"] is False and [s["name"] for s in snapshot["students"]] == [student.display_name]


def test_a_student_we_cannot_see_has_no_score_on_the_tile(student):
    state, _ = replay(readings(student.pk, 0, 20, step=2, brightness=10.0), rules=core.DEFAULT_RULES)
    sent = tile(StudentRecord(student.pk, student.display_name, connected=True, state=state))
    assert sent["status"] == "cant_see" and sent["engagement"] is None


def test_a_flag_goes_out_as_messages_with_its_cause_and_the_text_beside_them(student):
    t0 = time.time() - 100
    hidden = readings(student.pk, t0, t0 + 80, step=2, tab_visible=False, focused=False)
    state, events = replay(hidden, rules=core.DEFAULT_RULES)
    record = StudentRecord(student.pk, student.display_name, connected=True, state=state)
    [message] = [o.message for o in flag_events_store(student.session_id, record, events) if o.message["flag"]]
    flag = message["flag"]
    assert (flag["kind"], flag["cause"]) == ("absent", "tab_hidden")
    assert flag["explanation_messages"] == [{"id": "absent.tab_hidden", "params": {"since_at": t0}}]
    assert flag["explanation"].startswith("The class tab has been hidden since ")
    stored = Flag.objects.get(pk=flag["id"])
    assert (stored.cause, stored.explanation_messages) == ("tab_hidden", flag["explanation_messages"])
    [on_tile] = tile(record)["flags"]
    assert on_tile["explanation"] == flag["explanation"] and on_tile["cause"] == "tab_hidden"


def test_the_live_timeline_carries_the_taps_and_the_confused_share(student, settings):
    settings.TIMELINE_BUCKET_S = 5
    now = timezone.now().timestamp()
    bucket = now - now % 5
    SelfReport.objects.create(
        session=student.session, participant=student, kind="raise_hand", t=as_datetime(bucket + 1)
    )
    SelfReport.objects.create(session=student.session, participant=student, kind="confused", t=as_datetime(bucket + 2))
    out = session_refresh(student.session_id, now=bucket + 3, sensitivity="normal")
    [point] = [o.message["point"] for o in out if o.message["type"] == "timeline.point"]
    assert point["taps"]["raise_hand"] == 1 and point["taps"]["confused"] == 1
    assert point["confused_share"] == 1.0
