"""The live-path fixtures (fake analyzer, a fresh worker engine per test, both channel layers, a class with a
student) come from tests/classroom, so the counters are exercised on the same setup as the live tests."""

from tests.classroom.conftest import analyzer, course, fresh_engine, layer, live_session, student  # noqa: F401
