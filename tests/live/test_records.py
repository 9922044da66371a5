"""Each student's live record in the shared cache: typed, versioned, and safe across a release that changes it."""

import logging

import pytest
from django.core.cache import cache

from engagement import core
from engagement.core.synthetic import reading
from live.records import RECORD_VERSION, StudentRecord, records_load, records_save, student_key


def a_record_with_state() -> StudentRecord:
    state, _ = core.student_update(None, reading(7, 100.0), rules=core.DEFAULT_RULES)
    return StudentRecord(7, "Mia", connected=True, channel="reply.7", state=state, flag_ids={"bored": 3})


def test_a_record_round_trips_through_the_cache():
    record = a_record_with_state()
    records_save([record])
    assert records_load([7, 8]) == {7: record}
    assert cache.get(student_key(7))["v"] == RECORD_VERSION


def test_a_student_state_of_an_unknown_version_starts_afresh_instead_of_breaking_the_class(caplog):
    stored = a_record_with_state().to_dict()
    stored["state"]["v"] = 999  # written by a newer release
    cache.set(student_key(7), stored)

    with caplog.at_level(logging.WARNING, logger="live.records"):
        record = records_load([7])[7]

    assert record.state is None  # the rules start again for this student ...
    assert (record.name, record.connected, record.flag_ids) == ("Mia", True, {"bored": 3})  # ... the rest is kept
    assert "unreadable live state" in caplog.text
    state, _ = core.student_update(record.state, reading(7, 102.0), rules=core.DEFAULT_RULES)
    assert state.last_t == 102.0


def test_a_record_of_an_unknown_version_is_left_out_with_a_warning(caplog):
    cache.set(student_key(7), {**a_record_with_state().to_dict(), "v": 999})
    with caplog.at_level(logging.WARNING, logger="live.records"):
        assert records_load([7]) == {}
    assert "version 999" in caplog.text


def test_a_record_written_before_records_had_a_version_is_read_as_version_one():
    legacy = a_record_with_state().to_dict()
    del legacy["v"]
    cache.set(student_key(7), legacy)
    assert records_load([7]) == {7: a_record_with_state()}


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()
