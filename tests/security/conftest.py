"""The security tests reuse the live-classroom fixtures (fake analyzer, fresh engine, channel layers, people);
the teachers come from tests/conftest.py."""

from tests.classroom.conftest import course, live_session, student  # noqa: F401
from tests.live.conftest import analyzer, fresh_engine, layer  # noqa: F401
