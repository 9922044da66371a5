"""A class with a live session and one student who joined it."""

from collections.abc import Iterator

import pytest
from django.core.cache import caches

from classroom.models import ClassSession, Course, Participant
from classroom.services import participant_join, session_start
from classroom.tokens import participant_token


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    """Join rate limits and live records live in the cache: each test starts without any."""
    caches["default"].clear()
    yield


@pytest.fixture
def course(teacher) -> Course:
    return Course.objects.create(teacher=teacher, name="Physics 9B")


@pytest.fixture
def live_session(course) -> ClassSession:
    return session_start(course=course, title="Optics", frame_interval_s=1.0)


@pytest.fixture
def student(live_session) -> Participant:
    return participant_join(session=live_session, display_name="Mia")


def token_for(participant: Participant) -> str:
    return participant_token(participant_id=participant.pk, session_id=participant.session_id)
