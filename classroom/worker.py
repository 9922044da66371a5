"""The inference worker: a Channels consumer on settings.INFERENCE_CHANNEL.

Production runs it with `python manage.py runworker inference` (any number of processes on any
machine that reaches Redis); the embedded default starts the same consumer inside the web process.
Snapshots wait in a per-process buffer that keeps only each student's latest frame (older ones are
dropped and counted), and are analyzed in batches on one engine thread, so a slow model never
stalls the event loop or the sockets.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from typing import Any

from channels.consumer import AsyncConsumer
from channels.layers import get_channel_layer
from channels.worker import Worker
from django.conf import settings
from django.db import InterfaceError, OperationalError, close_old_connections

from classroom.dispatch import DirectDispatch
from engagement import live
from inference import FrameAnalysis, InferenceError

log = logging.getLogger(__name__)

# A batch whose database write fails (the database restarting) is retried this many times, after these pauses.
DB_RETRY_DELAYS_S = (0.2, 1.0)
# How long the worker waits before listening again when the channel layer is unreachable (doubling up to the max).
LAYER_RETRY_S = 0.2
LAYER_RETRY_MAX_S = 5.0


@cache
def _analyzer(emotion_enabled: bool) -> Any:
    from inference import FaceAnalyzer

    model = None
    if emotion_enabled:
        try:
            from inference import load_emotion_model

            model = load_emotion_model(
                settings.EMOTION_MODEL_PATH or None, tta=settings.EMOTION_TTA, threads=settings.INFERENCE_THREADS
            )
        except InferenceError:
            log.exception("The emotion model could not be loaded: analyzing presence and quality only")
    return FaceAnalyzer(model=model, detector=settings.FACE_DETECTOR, opencv_threads=settings.INFERENCE_THREADS)


def analyze(jpegs: list[bytes], emotion_enabled: bool) -> list[FrameAnalysis | InferenceError]:
    return _analyzer(emotion_enabled).analyze_many(jpegs)


def _on_engine_thread(function: Any, *args: Any) -> list[live.Outgoing]:
    close_old_connections()
    try:
        return function(*args)
    finally:
        close_old_connections()


class Engine:
    """One per process: the latest-frame buffer, the engine thread and the counters."""

    def __init__(self) -> None:
        self.pending: dict[int, dict[str, Any]] = {}
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pulse-engine")
        self.flusher: asyncio.Task | None = None
        self.frames_processed = 0
        self.frames_superseded = 0
        self.frames_lost = 0
        self.batches = 0

    def enqueue(self, job: dict[str, Any]) -> None:
        if self.pending.pop(job["participant_id"], None) is not None:
            self.frames_superseded += 1
        self.pending[job["participant_id"]] = job

    def take_batch(self) -> list[dict[str, Any]]:
        batch = []
        for participant_id in list(self.pending)[: settings.INFERENCE_MAX_BATCH]:
            batch.append(self.pending.pop(participant_id))
        return batch

    async def run(self, function: Any, *args: Any) -> list[live.Outgoing]:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, _on_engine_thread, function, *args)

    def ensure_flusher(self, layer: Any) -> None:
        if self.flusher is None or self.flusher.done():
            self.flusher = asyncio.get_running_loop().create_task(self.flush(layer))

    async def flush(self, layer: Any) -> None:
        """Analyzes what is pending, batch after batch; then runs the class refreshes that were put off."""
        while True:
            if self.pending:
                batch = self.take_batch()
                outgoing = await self.process(batch)
                if outgoing is None:
                    self.frames_lost += len(batch)
                    continue
                self.batches += 1
                self.frames_processed += len(batch)
                await deliver(layer, outgoing)
                continue
            due_in = live.deferred_refresh_due_in()
            if due_in is None:
                return
            if due_in > 0:
                await asyncio.sleep(min(due_in, 0.05))  # a new snapshot may come first and take the refresh along
                continue
            try:
                await deliver(layer, await self.run(live.deferred_refreshes_run))
            except Exception:
                log.exception("A deferred class refresh failed; the worker carries on")

    async def process(self, batch: list[dict[str, Any]]) -> list[live.Outgoing] | None:
        """The batch's messages; None when it failed (it stored nothing: frames_process is atomic)."""
        for delay in (*DB_RETRY_DELAYS_S, None):
            try:
                return await self.run(live.frames_process, batch, analyze)
            except (OperationalError, InterfaceError):
                if delay is None:
                    log.exception("The database stayed unavailable: %d snapshots lost", len(batch))
                    return None
                log.warning("The database is unavailable; retrying %d snapshots in %.1f s", len(batch), delay)
                await asyncio.sleep(delay)
            except Exception:
                log.exception("A batch of %d snapshots failed; the worker carries on", len(batch))
                return None
        return None


async def deliver(layer: Any, outgoing: list[live.Outgoing]) -> None:
    for item in outgoing:
        try:
            if item.to_group:
                await layer.group_send(item.target, item.message)
            else:
                await layer.send(item.target, item.message)
        except Exception:  # a full or gone channel must not stop the others
            log.warning("could not deliver %s to %s", item.message.get("type"), item.target, exc_info=True)


_engine: Engine | None = None


def engine() -> Engine:
    global _engine
    if _engine is None:
        _engine = Engine()
    return _engine


class ResilientWorker(Worker):
    """A channels Worker that outlives a channel-layer outage (Redis restarting): it waits and listens again."""

    async def listener(self, channel: str) -> None:
        pause = LAYER_RETRY_S
        while True:
            try:
                message = await self.channel_layer.receive(channel)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("channel layer unreachable (%s); listening again in %.1f s", type(exc).__name__, pause)
                await asyncio.sleep(pause)
                pause = min(pause * 2, LAYER_RETRY_MAX_S)
                continue
            pause = LAYER_RETRY_S
            if not message.get("type"):
                log.warning("dropped a message with no type on %s", channel)
                continue
            queue = self.get_or_create_application_instance(channel, {"type": "channel", "channel": channel})
            await queue.put(message)


class InferenceWorker(DirectDispatch, AsyncConsumer):
    async def frame_analyze(self, message: dict[str, Any]) -> None:
        engine().enqueue(message)
        engine().ensure_flusher(self.channel_layer)

    async def student_event(self, message: dict[str, Any]) -> None:
        try:
            outgoing = await engine().run(live.EVENT_HANDLERS[message["type"]], message)
        except Exception:
            log.exception("could not handle %s", message.get("type"))
            return
        await deliver(self.channel_layer, outgoing)

    participant_connect = student_event
    participant_disconnect = student_event
    self_report = student_event
    flag_dismiss = student_event


_embedded_task: asyncio.Task | None = None


def ensure_embedded_worker() -> None:
    """On the embedded default, serves the inference channel inside this process's event loop."""
    global _embedded_task
    if not settings.INFERENCE_IN_PROCESS or (_embedded_task is not None and not _embedded_task.done()):
        return
    worker = ResilientWorker(
        application=InferenceWorker.as_asgi(),
        channels=[settings.INFERENCE_CHANNEL],
        channel_layer=get_channel_layer(),
    )
    _embedded_task = asyncio.get_running_loop().create_task(worker.arun())
