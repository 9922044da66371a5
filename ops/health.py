"""The readiness checks behind /readyz: each answers whether one thing a web process needs works right now.

    database       a query on the default database
    cache          a write, read and delete in the shared cache (Redis in production)
    channel_layer  a message sent to a fresh channel and received back
    workers        production only (INFERENCE_IN_PROCESS=false): an inference worker's heartbeat within
                   READY_WORKER_MAX_AGE_S seconds

Every check is bounded in time (READY_TIMEOUT_S); a check that fails says why in one line, and the details go
to the log.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from asgiref.sync import async_to_sync
from django.conf import settings
from django.core.cache import cache, caches
from django.db import connection

from ops.heartbeat import recent_heartbeats

log = logging.getLogger(__name__)


class CheckFailed(Exception):
    """A check's one-line reason, safe to show to a probe."""


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    seconds: float
    detail: str

    def to_dict(self) -> dict[str, object]:
        return {"ok": self.ok, "seconds": round(self.seconds, 4), "detail": self.detail}


def database_check() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return connection.vendor


def cache_check() -> str:
    key, value = f"ops:readyz:{secrets.token_hex(8)}", secrets.token_hex(8)
    cache.set(key, value, timeout=30)
    try:
        if cache.get(key) != value:
            raise CheckFailed("the cache did not return what was written")
    finally:
        cache.delete(key)
    return type(caches["default"]).__name__


async def _layer_round_trip() -> None:
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    channel = await layer.new_channel("readyz.")
    token = secrets.token_hex(8)
    await layer.send(channel, {"type": "readyz.ping", "token": token})
    message = await layer.receive(channel)
    if message.get("token") != token:
        raise CheckFailed("the channel layer returned another message")


async def _layer_round_trip_bounded(timeout_s: float) -> None:
    try:
        await asyncio.wait_for(_layer_round_trip(), timeout_s)
    except TimeoutError as exc:
        raise CheckFailed(f"no round trip within {timeout_s:g} s") from exc


def channel_layer_check() -> str:
    async_to_sync(_layer_round_trip_bounded)(settings.READY_TIMEOUT_S)
    from channels.layers import get_channel_layer

    return type(get_channel_layer()).__name__


def workers_check() -> str:
    if settings.INFERENCE_IN_PROCESS:
        return "in process"
    if not settings.REDIS_URL:
        raise CheckFailed("INFERENCE_IN_PROCESS=false needs REDIS_URL: no worker can be reached")
    max_age = settings.READY_WORKER_MAX_AGE_S
    beats = recent_heartbeats(max_age_s=max_age)
    if not beats:
        raise CheckFailed(f"no inference worker heartbeat within {max_age:g} s")
    return f"{len(beats)} alive, newest heartbeat {beats[0].age_s:.1f} s ago"


CHECKS: dict[str, Callable[[], str]] = {
    "database": database_check,
    "cache": cache_check,
    "channel_layer": channel_layer_check,
    "workers": workers_check,
}


def check_run(name: str, check: Callable[[], str]) -> CheckResult:
    started = time.monotonic()
    try:
        detail = check()
        ok = True
    except CheckFailed as exc:
        ok, detail = False, str(exc)
    except Exception as exc:
        log.warning("readiness check %s failed", name, exc_info=True)
        ok, detail = False, f"{type(exc).__name__}"
    seconds = time.monotonic() - started
    if ok and seconds > settings.READY_TIMEOUT_S:
        ok, detail = False, f"answered in {seconds:.1f} s (over READY_TIMEOUT_S={settings.READY_TIMEOUT_S:g})"
    return CheckResult(name, ok, seconds, detail)


def readiness() -> list[CheckResult]:
    """Every check's result, in CHECKS order."""
    return [check_run(name, check) for name, check in CHECKS.items()]
