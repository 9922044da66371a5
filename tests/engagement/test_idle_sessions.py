"""Sessions left live with no student socket for hours are ended by the hourly purge, then purged in turn."""

import json
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from classroom.models import ClassSession
from classroom.services import participant_join, session_start
from engagement.core.synthetic import reading
from engagement.models import Reading
from engagement.retention import idle_sessions_end, session_last_activity
from engagement.services import self_report_record
from tests.engagement.conftest import readings_store

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def run_purge(*args: str) -> dict:
    out = StringIO()
    call_command("purge_readings", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


def status(session: ClassSession) -> str:
    session.refresh_from_db()
    return session.status


@pytest.fixture
def forgotten(course) -> ClassSession:
    """A class started at 09:00, a student streaming until 09:50, and nobody ended it."""
    with time_machine.travel(START, tick=False):
        session = session_start(course=course, title="Forgotten")
        pid = participant_join(session=session, display_name="Mia").pk
    readings_store(session.pk, [reading(pid, START.timestamp() + s) for s in range(0, 3000, 2)])
    return session


def test_the_last_activity_is_the_latest_reading_join_or_voice_tap(forgotten):
    assert session_last_activity(forgotten) == START + timedelta(seconds=2998)
    with time_machine.travel(START + timedelta(hours=2), tick=False):
        student = participant_join(session=forgotten, display_name="Late")
    assert session_last_activity(forgotten) == START + timedelta(hours=2)
    with time_machine.travel(START + timedelta(hours=3), tick=False):
        self_report_record(participant_id=student.pk, kind="confused")
    assert session_last_activity(forgotten) == START + timedelta(hours=3)


def test_a_session_idle_for_the_limit_is_ended_and_one_still_in_use_is_not(forgotten, course, settings):
    settings.SESSION_IDLE_END_HOURS = 3
    with time_machine.travel(START + timedelta(hours=3, minutes=40), tick=False):
        busy = session_start(course=course, title="In use")  # started now, no socket yet
        assert idle_sessions_end() == []  # 2 h 50 min since the last reading
    with time_machine.travel(START + timedelta(hours=3, minutes=51), tick=False):
        assert idle_sessions_end() == [forgotten.pk]
        assert status(forgotten) == "ended" and forgotten.ended_at == START + timedelta(hours=3, minutes=51)
        assert status(busy) == "live"
        assert idle_sessions_end() == []  # ended once


def test_the_idle_limit_zero_ends_nothing(forgotten, settings):
    settings.SESSION_IDLE_END_HOURS = 0
    with time_machine.travel(START + timedelta(days=30), tick=False):
        assert idle_sessions_end() == []
    assert status(forgotten) == "live"


def test_the_purge_ends_a_forgotten_session_and_then_purges_it_in_turn(forgotten, settings):
    settings.READING_RETENTION_DAYS = 30
    with time_machine.travel(START + timedelta(days=2), tick=False):
        result = run_purge()
    assert result["idle_sessions_ended"] == [forgotten.pk] and result["readings"] == 0  # ended, not yet old
    with time_machine.travel(START + timedelta(days=31), tick=False):
        result = run_purge()
    assert result["sessions"] == [{"session_id": forgotten.pk, "readings": 1500}]
    assert result["idle_sessions_ended"] == [] and result["live_sessions_skipped"] == 0
    assert not Reading.objects.filter(session=forgotten).exists()


def test_a_dry_run_ends_nothing(forgotten):
    with time_machine.travel(START + timedelta(days=2), tick=False):
        result = run_purge("--dry-run", "--idle-hours", "1")
    assert result["idle_sessions_ended"] == [] and status(forgotten) == "live"
