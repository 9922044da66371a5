"""Fixtures for report, permission and retention tests: teachers, and a scripted ended session with known answers.

The scripted session (T0 = 2026-01-05 09:00:00 UTC, 600 s, one reading every 2 s per student):
- Ana: face in view all along; neutral, except confused-looking from T0+300 to T0+420. A confused flag (from her
  face) from T0+330 to T0+420; she taps "I'm confused" at T0+350.
- Ben: happy-looking while in view, away from the camera (no face) from T0+480; an absent flag from T0+500, never
  cleared (the session ends at T0+600). He taps "I'm confused" at T0+100 (no flag up) and "Too fast" at T0+200.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model

from classroom.models import ClassSession, Course, Participant
from classroom.services import participant_join, session_start
from engagement import core
from engagement.core.synthetic import CONFUSED, HAPPY, NEUTRAL, reading
from engagement.models import Flag, Reading, SelfReport
from engagement.rows import reading_row

T0 = 1_767_603_600.0  # 2026-01-05 09:00:00 UTC
SESSION_S = 600
STEP_S = 2


def at(offset: float) -> datetime:
    return datetime.fromtimestamp(T0 + offset, tz=UTC)


def readings_store(session_id: int, readings: Iterable[core.Reading]) -> int:
    rows = [reading_row(session_id, r, core.quality_of(r, rules=core.DEFAULT_RULES)) for r in readings]
    Reading.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def ana_readings(pid: int) -> list[core.Reading]:
    return [
        reading(pid, T0 + s, probabilities=CONFUSED if 300 <= s < 420 else NEUTRAL) for s in range(0, SESSION_S, STEP_S)
    ]


def ben_readings(pid: int) -> list[core.Reading]:
    return [reading(pid, T0 + s, probabilities=HAPPY, face=s < 480) for s in range(0, SESSION_S, STEP_S)]


def ended_session(course: Course, title: str) -> ClassSession:
    session = session_start(course=course, title=title, frame_interval_s=2.0)
    ClassSession.objects.filter(pk=session.pk).update(
        started_at=at(0), ended_at=at(SESSION_S), status=ClassSession.Status.ENDED
    )
    session.refresh_from_db()
    return session


@dataclass
class Scripted:
    session: ClassSession
    ana: Participant
    ben: Participant


def scripted_session(course: Course, title: str = "Optics") -> Scripted:
    session = ended_session(course, title)
    ana = participant_join(session=session, display_name="Ana")
    ben = participant_join(session=session, display_name="Ben")
    readings_store(session.pk, ana_readings(ana.pk) + ben_readings(ben.pk))
    Flag.objects.create(
        session=session,
        participant=ana,
        kind="confused",
        raised_at=at(330),
        cleared_at=at(420),
        explanation="Looked confused for most of the last 30 s",
    )
    Flag.objects.create(
        session=session, participant=ben, kind="absent", raised_at=at(500), explanation="No face in view for 20 s"
    )
    SelfReport.objects.create(session=session, participant=ana, kind="confused", t=at(350))
    SelfReport.objects.create(session=session, participant=ben, kind="confused", t=at(100))
    SelfReport.objects.create(session=session, participant=ben, kind="too_fast", t=at(200), text="slow down")
    return Scripted(session, ana, ben)


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_user(username="root", password="pw-root-123", is_staff=True)


@pytest.fixture
def course(teacher) -> Course:
    return Course.objects.create(teacher=teacher, name="Physics 9B")


@pytest.fixture
def scripted(course) -> Scripted:
    return scripted_session(course)
