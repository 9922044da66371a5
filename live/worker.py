"""The inference worker: a Channels consumer on settings.INFERENCE_CHANNEL.

Production runs it with `python manage.py runworker inference` (any number of processes on any machine that
reaches Redis); the embedded default starts the same consumer inside the web process. Snapshots go to this
process's Engine (live/engine.py), and so do student events (handled in its batches by their entry in
`live.events.STUDENT_EVENTS`).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from channels.consumer import AsyncConsumer
from channels.layers import get_channel_layer
from channels.worker import Worker
from django.conf import settings

from live.engine import engine
from live.events import STUDENT_EVENTS
from ops import heartbeat

log = logging.getLogger(__name__)

# How long the worker waits before listening again when the channel layer is unreachable (doubling up to the max).
LAYER_RETRY_S = 0.2
LAYER_RETRY_MAX_S = 5.0


class ResilientWorker(Worker):
    """A channels Worker that outlives a channel-layer outage (Redis restarting): it waits and listens again."""

    async def listener(self, channel: str) -> None:
        heartbeat.heartbeat_start()
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


class InferenceWorker(AsyncConsumer):
    async def dispatch(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind == "frame.analyze":
            engine().enqueue(message)
            engine().ensure_flusher(self.channel_layer)
            return
        if kind not in STUDENT_EVENTS:
            log.warning("dropped a message of unknown type %r", kind)
            return
        engine().enqueue_event(message)
        engine().ensure_flusher(self.channel_layer)


def ensure_embedded_worker() -> None:
    """On the embedded default, serves the inference channel inside this process's event loop."""
    live_engine = engine()
    task = live_engine.embedded_task
    if not settings.INFERENCE_IN_PROCESS or (task is not None and not task.done()):
        return
    worker = ResilientWorker(
        application=InferenceWorker.as_asgi(),
        channels=[settings.INFERENCE_CHANNEL],
        channel_layer=get_channel_layer(),
    )
    live_engine.embedded_task = asyncio.get_running_loop().create_task(worker.arun())
