"""The live path's counters through real consumers, the real worker and the channel layer (memory and Redis),
with the fake analyzer in place of the model. One process: its own registry, read with get_sample_value."""

import asyncio

import pytest
from channels.layers import channel_layers
from prometheus_client import REGISTRY

from live import engine as engine_module
from tests.classroom.conftest import token_for
from tests.live.conftest import fake_jpeg
from tests.live.sockets import joined_student_socket, receive_until, student_socket, teacher_socket

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("no_rate_slack")]


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_a_streamed_snapshot_is_counted_from_the_socket_to_the_stored_reading(layer, analyzer, teacher, student):
    received = value("pulse_snapshots_received_total", kind="image")
    analyzed = value("pulse_snapshots_analyzed_total", kind="image")
    batches = value("pulse_batch_size_count")
    latencies = value("pulse_snapshot_latency_seconds_count")
    students, teachers = value("pulse_open_sockets", role="student"), value("pulse_open_sockets", role="teacher")

    dashboard = await teacher_socket(teacher, student.session_id)
    await receive_until(dashboard, "snapshot")
    browser = await joined_student_socket(student)
    assert value("pulse_open_sockets", role="student") == students + 1
    assert value("pulse_open_sockets", role="teacher") == teachers + 1

    await browser.send_to(bytes_data=fake_jpeg("happy"))
    await receive_until(dashboard, "student.update", where=lambda m: m["student"]["emotion"] is not None)
    assert value("pulse_snapshots_received_total", kind="image") == received + 1
    assert value("pulse_snapshots_analyzed_total", kind="image") == analyzed + 1
    assert value("pulse_batch_size_count") == batches + 1
    assert value("pulse_snapshot_latency_seconds_count") == latencies + 1
    assert value("pulse_worker_queue_snapshots", channel="inference") == 0

    await browser.disconnect()
    await dashboard.disconnect()
    assert value("pulse_open_sockets", role="student") == students
    assert value("pulse_open_sockets", role="teacher") == teachers


async def test_snapshots_refused_by_a_limit_are_counted(layer, analyzer, student, settings):
    settings.MAX_FRAME_BYTES = 100
    refused = value("pulse_refused_total", limit="frame_too_large")
    browser = await joined_student_socket(student)
    await browser.send_to(bytes_data=fake_jpeg("x" * 200))
    assert (await receive_until(browser, "error"))["code"] == "frame_too_large"
    assert value("pulse_refused_total", limit="frame_too_large") == refused + 1
    await browser.disconnect()


async def test_a_full_inference_channel_counts_the_snapshot_lost(student, settings):
    settings.INFERENCE_IN_PROCESS = False  # nobody reads the channel
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels.layers.InMemoryChannelLayer", "CONFIG": {"capacity": 1}}
    }
    channel_layers.backends.clear()
    lost = value("pulse_snapshots_lost_total", kind="image", reason="channel")
    browser = await student_socket(token_for(student))  # its participant.connect fills the channel
    await receive_until(browser, "hello")
    await browser.send_to(bytes_data=fake_jpeg("happy"))
    assert (await receive_until(browser, "error"))["code"] == "overloaded"
    assert value("pulse_snapshots_lost_total", kind="image", reason="channel") == lost + 1
    await browser.disconnect()
    channel_layers.backends.clear()


async def test_the_worker_counts_superseded_and_lost_snapshots_and_its_queue(monkeypatch):
    superseded = value("pulse_snapshots_superseded_total", kind="image")
    lost = value("pulse_snapshots_lost_total", kind="heartbeat", reason="batch")
    engine = engine_module.Engine()
    engine.enqueue({"participant_id": 1, "session_id": 1, "jpeg": b"old", "t": 0.0})
    engine.enqueue({"participant_id": 1, "session_id": 1, "jpeg": None, "t": 0.0})  # replaces the frame
    engine.enqueue({"participant_id": 2, "session_id": 1, "jpeg": None, "t": 0.0})
    assert value("pulse_snapshots_superseded_total", kind="image") == superseded + 1
    assert value("pulse_worker_queue_snapshots", channel="inference") == 2

    def failing(jobs, analyze):
        raise RuntimeError("a bug in the engine")

    monkeypatch.setattr(engine_module, "frames_process", failing)
    await asyncio.wait_for(engine.flush(layer=None), timeout=10)
    assert value("pulse_snapshots_lost_total", kind="heartbeat", reason="batch") == lost + 2
    assert value("pulse_worker_queue_snapshots", channel="inference") == 0
    engine.executor.shutdown(wait=True)


def test_sample_total_sums_over_the_labels_not_given():
    from ops import metrics

    before = metrics.sample_total("pulse_refused_total")
    before_commands = metrics.sample_total("pulse_refused_total", limit="commands")
    metrics.refused("commands")
    metrics.refused("frame_rate")
    assert metrics.sample_total("pulse_refused_total") == before + 2
    assert metrics.sample_total("pulse_refused_total", limit="commands") == before_commands + 1
    assert metrics.sample_total("pulse_no_such_metric_total") == 0
