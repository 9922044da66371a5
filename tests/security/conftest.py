"""The security tests reuse the live-classroom fixtures (fake analyzer, fresh engine, channel layers, people)."""

from tests.classroom.conftest import (  # noqa: F401
    analyzer,
    course,
    fresh_engine,
    layer,
    live_session,
    other_teacher,
    student,
    teacher,
)
