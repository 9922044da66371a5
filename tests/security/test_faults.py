"""Faults: Redis restarted mid-session (a private redis-server, never the shared one), the database failing
under a batch, a worker dying. Nothing is half-written, losses are counted, the rest carries on."""

import asyncio
import contextlib
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator

import pytest
from asgiref.sync import sync_to_async
from channels.layers import channel_layers, get_channel_layer
from django.db import OperationalError
from django.db.models.query import QuerySet
from redis.exceptions import ConnectionError as RedisConnectionError

from classroom.models import Participant
from classroom.services import participant_join, session_start
from engagement.models import MoodPoint, Reading
from live import consumers
from live import engine as live_engine
from live.engine import engine
from live.ingest import frames_process
from live.records import records_load
from live.refresh import RefreshSchedule
from loadtest.loopback import free_port
from ops.metrics import sample_total
from tests.classroom.conftest import token_for
from tests.conftest import REQUIRE_SERVICES
from tests.live.conftest import fake_jpeg
from tests.live.sockets import closed_with, joined_student_socket, receive_until, student_socket, teacher_socket

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("no_rate_slack")]


# --- a private Redis


class PrivateRedis:
    """A throwaway redis-server on a free port, without persistence, that a test may stop and start."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


@pytest.fixture
def private_redis(settings) -> Iterator[PrivateRedis]:
    """Channel layer and cache on a private Redis (the shared server must never be restarted)."""
    if shutil.which("redis-server") is None:
        message = "redis-server is not installed"
        if REQUIRE_SERVICES:
            pytest.fail(message + " (PULSE_REQUIRE_SERVICES=1)")
        pytest.skip(message)
    server = PrivateRedis()
    server.start()
    prefix = "pulse-fault-" + uuid.uuid4().hex[:8]
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [server.url]}}
    }
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.ReusingRedisCache",
            "LOCATION": server.url,
            "KEY_PREFIX": prefix,
        }
    }
    channel_layers.backends.clear()
    yield server
    server.stop()
    channel_layers.backends.clear()


async def settle(communicator) -> None:
    """Ends a socket that may have died with Redis (its application's error is the expected outcome)."""
    with contextlib.suppress(Exception):
        await communicator.disconnect(timeout=2)


async def until_listening_again(seconds: float = 15) -> None:
    """Waits until the embedded worker's next receive reaches Redis (it backs off while Redis is down)."""
    layer = get_channel_layer()
    deadline = asyncio.get_running_loop().time() + seconds
    while asyncio.get_running_loop().time() < deadline:
        try:
            await layer.send("pulse.fault.probe", {"type": "probe"})
            return
        except Exception:
            await asyncio.sleep(0.2)
    raise AssertionError("Redis did not come back")


@pytest.mark.slow
async def test_a_redis_restart_mid_session_recovers_by_itself(private_redis, analyzer, teacher, student):
    dashboard = await teacher_socket(teacher, student.session_id)
    await receive_until(dashboard, "snapshot")
    browser = await joined_student_socket(student)
    await browser.send_to(bytes_data=fake_jpeg("happy"))
    await receive_until(dashboard, "student.update", where=lambda m: m["student"]["emotion"] == "happy")
    embedded_worker = engine().embedded_task
    assert embedded_worker is not None and not embedded_worker.done()

    private_redis.stop()
    await asyncio.sleep(0.5)  # the worker and the sockets notice
    # Open sockets end with their layer (the pages reconnect with backoff); nothing hangs.
    for communicator in (browser, dashboard):
        await settle(communicator)
    private_redis.start()
    await until_listening_again()

    # The pages reconnect; the same worker task, which outlived the outage, analyzes the next snapshot.
    dashboard = await teacher_socket(teacher, student.session_id)
    await receive_until(dashboard, "snapshot")
    browser = await joined_student_socket(student)
    await asyncio.sleep(1.2)  # the frame interval: the rate limit counts from the last accepted frame
    await browser.send_to(bytes_data=fake_jpeg("sad"))
    update = await receive_until(
        dashboard, "student.update", timeout=15, where=lambda m: m["student"]["emotion"] == "sad"
    )
    assert update["student"]["name"] == "Mia"
    assert engine().embedded_task is embedded_worker and not embedded_worker.done()
    assert await sync_to_async(Reading.objects.filter(participant=student).count)() == 2
    await browser.disconnect()
    await dashboard.disconnect()


async def test_connecting_while_redis_is_down_is_refused_with_try_again(private_redis, student):
    private_redis.stop()
    browser = await student_socket(token_for(student))
    assert (await receive_until(browser, "error"))["code"] == "overloaded"
    assert await closed_with(browser) == consumers.CLOSE_TRY_AGAIN
    await settle(browser)


async def test_a_frame_sent_while_the_layer_is_unreachable_is_a_counted_loss(monkeypatch, analyzer, student):
    """The socket stays up and says so; the next frame, once the layer answers again, goes through."""
    browser = await joined_student_socket(student)
    lost_before = sample_total("pulse_snapshots_lost_total", reason="channel")
    layer = get_channel_layer()
    real_send = layer.send

    async def unreachable(channel, message):
        raise RedisConnectionError("Connection refused")

    monkeypatch.setattr(layer, "send", unreachable)
    await browser.send_to(bytes_data=fake_jpeg("happy"))
    assert (await receive_until(browser, "error"))["code"] == "overloaded"
    assert sample_total("pulse_snapshots_lost_total", reason="channel") == lost_before + 1
    reports_lost_before = sample_total("pulse_messages_lost_total", type="self.report")
    await browser.send_json_to({"type": "self_report", "kind": "confused"})  # stored; its engine event is lost
    await receive_until(browser, "self_report.ack")
    assert sample_total("pulse_messages_lost_total", type="self.report") == reports_lost_before + 1
    monkeypatch.setattr(layer, "send", real_send)
    await browser.send_to(bytes_data=fake_jpeg("happy"))
    assert (await receive_until(browser, "quality"))["state"] == "ok"
    await browser.disconnect()


# --- the database failing under a batch


def job_for(participant: Participant, label: str = "happy") -> dict:
    return {
        "session_id": participant.session_id,
        "participant_id": participant.pk,
        "t": time.time(),
        "reply": "test.reply",
        "jpeg": fake_jpeg(label),
        "attention": {"camera": "on"},
    }


@pytest.fixture
def two_sessions(course) -> list[Participant]:
    first = session_start(course=course, title="A", frame_interval_s=1.0)
    second = session_start(course=course, title="B", frame_interval_s=1.0)
    return [
        participant_join(session=first, display_name="Ana"),
        participant_join(session=first, display_name="Ben"),
        participant_join(session=second, display_name="Cy"),
    ]


def failing_bulk_create(monkeypatch, failures: int) -> list[int]:
    """Makes Reading's bulk_create raise OperationalError `failures` times (the database restarting)."""
    calls = []
    real = QuerySet.bulk_create

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        if self.model is Reading:
            calls.append(len(objs))
            if len(calls) <= failures:
                raise OperationalError("server closed the connection unexpectedly")
        return real(self, objs, *args, **kwargs)

    monkeypatch.setattr(QuerySet, "bulk_create", bulk_create)
    return calls


def test_a_batch_is_stored_whole_or_not_at_all(monkeypatch, analyzer, two_sessions):
    failing_bulk_create(monkeypatch, failures=1)
    with pytest.raises(OperationalError):
        frames_process([job_for(p) for p in two_sessions], analyzer, refreshes=RefreshSchedule())
    assert Reading.objects.count() == 0
    assert MoodPoint.objects.count() == 0
    assert records_load([p.pk for p in two_sessions]) == {}  # the live state was not advanced either


def analyzed_and_lost() -> tuple[float, float]:
    """Snapshots this process analyzed, and lost in failed batches, so far (ops.metrics)."""
    return sample_total("pulse_snapshots_analyzed_total"), sample_total("pulse_snapshots_lost_total", reason="batch")


async def test_the_worker_retries_a_batch_when_the_database_blinks(monkeypatch, analyzer, two_sessions):
    monkeypatch.setattr(live_engine, "DB_RETRY_DELAYS_S", (0.0, 0.0))
    calls = failing_bulk_create(monkeypatch, failures=1)
    before = analyzed_and_lost()
    worker_engine = engine()
    for participant in two_sessions:
        worker_engine.enqueue(job_for(participant))
    await worker_engine.flush(get_channel_layer())
    assert calls == [3, 3]  # failed once, then stored on the retry
    assert await sync_to_async(Reading.objects.count)() == 3  # exactly once each
    assert analyzed_and_lost() == (before[0] + 3, before[1])


async def test_a_database_that_stays_down_loses_the_batch_counted(monkeypatch, analyzer, two_sessions):
    monkeypatch.setattr(live_engine, "DB_RETRY_DELAYS_S", (0.0, 0.0))
    worker_engine = engine()
    before = analyzed_and_lost()
    with monkeypatch.context() as database_down:
        calls = failing_bulk_create(database_down, failures=99)
        for participant in two_sessions:
            worker_engine.enqueue(job_for(participant))
        await worker_engine.flush(get_channel_layer())
    assert calls == [3, 3, 3]  # the try and two retries
    assert await sync_to_async(Reading.objects.count)() == 0
    assert analyzed_and_lost() == (before[0], before[1] + 3)
    # The next batch, with the database back, is stored.
    worker_engine.enqueue(job_for(two_sessions[0]))
    await worker_engine.flush(get_channel_layer())
    assert await sync_to_async(Reading.objects.count)() == 1


# --- a worker failing or dying


async def test_a_batch_that_crashes_the_analyzer_does_not_stop_the_next(
    monkeypatch, analyzer, teacher, course, student
):
    def crashing(jpegs, emotion_enabled):
        if fake_jpeg("boom") in jpegs:
            raise RuntimeError("the model crashed")
        return analyzer(jpegs, emotion_enabled)

    monkeypatch.setattr(engine(), "analyze", crashing)
    lost_before = analyzed_and_lost()[1]
    other_session = await sync_to_async(session_start)(course=course, title="Other", frame_interval_s=1.0)
    other = await sync_to_async(participant_join)(session=other_session, display_name="Noah")
    dashboard = await teacher_socket(teacher, other_session.pk)
    await receive_until(dashboard, "snapshot")
    mia = await student_socket(token_for(student))
    noah = await student_socket(token_for(other))
    await receive_until(mia, "hello")
    await receive_until(noah, "hello")

    await mia.send_to(bytes_data=fake_jpeg("boom"))
    for _ in range(200):
        if analyzed_and_lost()[1] > lost_before:
            break
        await asyncio.sleep(0.05)
    await noah.send_to(bytes_data=fake_jpeg("happy"))
    update = await receive_until(dashboard, "student.update", where=lambda m: m["student"]["emotion"] == "happy")
    assert update["student"]["name"] == "Noah"
    await asyncio.sleep(1.0)  # Mia's frame interval
    await mia.send_to(bytes_data=fake_jpeg("sad"))
    assert (await receive_until(mia, "quality"))["state"] == "ok"
    assert analyzed_and_lost()[1] == lost_before + 1
    assert await sync_to_async(Reading.objects.filter(participant=student).count)() == 1
    for communicator in (mia, noah, dashboard):
        await communicator.disconnect()


async def test_a_killed_embedded_worker_is_replaced_and_the_class_carries_on(analyzer, teacher, student):
    dashboard = await teacher_socket(teacher, student.session_id)
    await receive_until(dashboard, "snapshot")
    engine().embedded_task.cancel()
    await asyncio.sleep(0)
    browser = await student_socket(token_for(student))  # any new socket starts a new worker
    await receive_until(browser, "hello")
    await browser.send_to(bytes_data=fake_jpeg("happy"))
    await receive_until(dashboard, "student.update", where=lambda m: m["student"]["emotion"] == "happy")
    assert not engine().embedded_task.done()
    await browser.disconnect()
    await dashboard.disconnect()
