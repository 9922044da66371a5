"""The inference worker hands each student event to its entry in STUDENT_EVENTS, and drops what it doesn't know."""

import logging

import pytest
from channels.layers import get_channel_layer

from live import events
from live.payloads import Outgoing
from live.worker import InferenceWorker


async def test_each_event_type_reaches_its_handler_through_the_one_table(monkeypatch):
    seen = []

    def handler(message):
        seen.append(message["type"])
        return [Outgoing("reply.1", {"type": "frame.quality", "state": "ok", "hint": ""}, to_group=False)]

    monkeypatch.setitem(events.STUDENT_EVENTS, "poke", handler)
    worker = InferenceWorker()
    worker.channel_layer = get_channel_layer()
    await worker.dispatch({"type": "poke"})  # handed to the engine's event batches
    assert (await worker.channel_layer.receive("reply.1"))["type"] == "frame.quality"
    assert seen == ["poke"]


async def test_an_unknown_event_type_is_dropped_with_a_warning(caplog):
    worker = InferenceWorker()
    worker.channel_layer = get_channel_layer()
    with caplog.at_level(logging.WARNING, logger="live.worker"):
        await worker.dispatch({"type": "nonsense"})
    assert "unknown type 'nonsense'" in caplog.text


pytestmark = [pytest.mark.django_db]
