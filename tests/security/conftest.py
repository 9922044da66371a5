"""The security tests reuse the live-classroom fixtures (fake analyzer, fresh engine, channel layers, people);
the teachers come from tests/conftest.py."""

from tests.classroom.conftest import (  # noqa: F401
    analyzer,
    course,
    fresh_engine,
    layer,
    live_session,
    student,
)
