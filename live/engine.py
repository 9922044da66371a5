"""This process's live engine: the one object that owns all per-process state of the live path.

It holds the latest-frame buffer (only each student's newest snapshot waits; older ones are superseded and
counted), the student events waiting (per session, taken in bounded batches in turn, so one class's flood of
events never holds up another class's tiles), the single engine thread that analyzes batches and writes to the
database (a slow model never stalls the event loop or the sockets), the put-off class refreshes, the face
analyzers and, on the embedded default, the in-process worker task. What it counts is counted in ops.metrics
(one definition of each counter). Everything shared between processes lives in the cache and the database
instead (live/records.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import InterfaceError, OperationalError, close_old_connections

from inference import FrameAnalysis, InferenceError
from live.events import events_process
from live.ingest import frames_process
from live.payloads import Outgoing
from live.refresh import RefreshSchedule
from ops import metrics

if TYPE_CHECKING:
    from inference import FaceAnalyzer

log = logging.getLogger(__name__)

# A batch whose database write fails (the database restarting) is retried this many times, after these pauses.
DB_RETRY_DELAYS_S = (0.2, 1.0)


def _on_engine_thread(function: Callable[..., list[Outgoing]], *args: Any) -> list[Outgoing]:
    close_old_connections()
    try:
        return function(*args)
    finally:
        close_old_connections()


async def deliver(layer: Any, outgoing: list[Outgoing]) -> None:
    for item in outgoing:
        try:
            if item.to_group:
                await layer.group_send(item.target, item.message)
            else:
                await layer.send(item.target, item.message)
        except Exception:  # a full or gone channel must not stop the others
            log.warning("could not deliver %s to %s", item.message.get("type"), item.target, exc_info=True)


class Engine:
    def __init__(self) -> None:
        self.pending: dict[int, dict[str, Any]] = {}  # participant id -> their latest snapshot job
        self.events: dict[int, deque[dict[str, Any]]] = {}  # session id -> its student events, in arrival order
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pulse-engine")
        self.flusher: asyncio.Task | None = None
        self.refreshes = RefreshSchedule()
        self.embedded_task: asyncio.Task | None = None  # the in-process worker (embedded default)
        self._analyzers: dict[bool, FaceAnalyzer] = {}

    # --- analysis

    def analyze(self, jpegs: list[bytes], emotion_enabled: bool) -> list[FrameAnalysis | InferenceError]:
        """The batched FaceAnalyzer call."""
        analyzer = self._analyzer(emotion_enabled)  # loads the model on first use, outside the timing
        with metrics.inference_timed():
            return analyzer.analyze_many(jpegs)

    def _analyzer(self, emotion_enabled: bool) -> FaceAnalyzer:
        if emotion_enabled not in self._analyzers:
            # Imported on first use: a web process that never analyzes never loads OpenCV or the model runtime.
            from inference import FaceAnalyzer, load_emotion_model

            model = None
            if emotion_enabled:
                try:
                    model = load_emotion_model(
                        settings.EMOTION_MODEL_PATH or None,
                        tta=settings.EMOTION_TTA,
                        threads=settings.INFERENCE_THREADS,
                    )
                except InferenceError:
                    log.exception("The emotion model could not be loaded: analyzing presence and quality only")
            self._analyzers[emotion_enabled] = FaceAnalyzer(
                model=model, detector=settings.FACE_DETECTOR, opencv_threads=settings.INFERENCE_THREADS
            )
        return self._analyzers[emotion_enabled]

    # --- the latest-frame buffer

    def enqueue(self, job: dict[str, Any]) -> None:
        if (superseded := self.pending.pop(job["participant_id"], None)) is not None:
            metrics.snapshot_superseded(superseded)
        self.pending[job["participant_id"]] = job
        metrics.queue_length(len(self.pending))

    def take_batch(self) -> list[dict[str, Any]]:
        batch = []
        for participant_id in list(self.pending)[: settings.INFERENCE_MAX_BATCH]:
            batch.append(self.pending.pop(participant_id))
        metrics.queue_length(len(self.pending))
        return batch

    # --- student events, per session

    def enqueue_event(self, message: dict[str, Any]) -> None:
        queue = self.events.setdefault(int(message.get("session_id") or 0), deque())
        if len(queue) >= settings.ENGINE_EVENTS_QUEUED_PER_SESSION:
            metrics.message_lost(message["type"])
            return
        queue.append(message)

    def take_events(self) -> list[dict[str, Any]]:
        """The next batch: at most ENGINE_EVENTS_PER_SESSION events of each session in turn, ENGINE_EVENTS_BATCH in
        all; a session with events left goes to the back of the turn."""
        batch: list[dict[str, Any]] = []
        for session_id in list(self.events):
            room = min(settings.ENGINE_EVENTS_PER_SESSION, settings.ENGINE_EVENTS_BATCH - len(batch))
            if room <= 0:
                break
            queue = self.events.pop(session_id)
            batch += [queue.popleft() for _ in range(min(room, len(queue)))]
            if queue:
                self.events[session_id] = queue
        return batch

    # --- the engine thread

    async def run(self, function: Callable[..., list[Outgoing]], *args: Any) -> list[Outgoing]:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, _on_engine_thread, function, *args)

    def ensure_flusher(self, layer: Any) -> None:
        if self.flusher is None or self.flusher.done():
            self.flusher = asyncio.get_running_loop().create_task(self.flush(layer))

    async def flush(self, layer: Any) -> None:
        """Analyzes what is pending, batch after batch; then runs the class refreshes that were put off."""
        while True:
            if self.events:
                await self.flush_events(layer)
            if self.pending:
                batch = self.take_batch()
                outgoing = await self.process(batch)
                if outgoing is None:
                    metrics.batch_lost(batch)
                    continue
                metrics.batch_analyzed(batch)
                await deliver(layer, outgoing)
                continue
            if self.events:
                continue
            due_in = self.refreshes.due_in()
            if due_in is None:
                return
            if due_in > 0:
                await asyncio.sleep(min(due_in, 0.05))  # a new snapshot may come first and take the refresh along
                continue
            try:
                await deliver(layer, await self.run(self.refreshes.run_due))
            except Exception:
                log.exception("A deferred class refresh failed; the worker carries on")

    async def flush_events(self, layer: Any) -> None:
        try:
            outgoing = await self.run(events_process, self.take_events())
        except Exception:  # events_process catches each event's own errors: this is the engine thread failing
            log.exception("A batch of student events failed; the worker carries on")
            return
        await deliver(layer, outgoing)

    def _frames_process(self, batch: list[dict[str, Any]]) -> list[Outgoing]:
        return frames_process(batch, self.analyze, refreshes=self.refreshes)

    async def process(self, batch: list[dict[str, Any]]) -> list[Outgoing] | None:
        """The batch's messages; None when it failed (it stored nothing: frames_process is atomic)."""
        for delay in (*DB_RETRY_DELAYS_S, None):
            try:
                return await self.run(self._frames_process, batch)
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

    def shutdown(self) -> None:
        """Stops the in-process worker and waits for a batch still on the engine thread."""
        if self.embedded_task is not None:
            self.embedded_task.cancel()
        if self.flusher is not None:
            self.flusher.cancel()
        self.executor.shutdown(wait=True)


_engine: Engine | None = None


def engine() -> Engine:
    """This process's engine, created on first use."""
    global _engine
    if _engine is None:
        _engine = Engine()
    return _engine


def engine_shutdown() -> None:
    """Shuts this process's engine down and forgets it: the next `engine()` starts a fresh one."""
    global _engine
    if _engine is not None:
        _engine.shutdown()
    _engine = None
