"""The inference workers' heartbeat: each worker process records itself in Redis every WORKER_HEARTBEAT_S
seconds, and /readyz asks which workers did so recently.

The heartbeats are one sorted set (member: the worker's host-pid, score: Redis's own clock at the beat), so
the age of a beat never depends on the clocks of the machines the workers and web processes run on. Under
systemd (`Type=notify`), each beat also pets the unit's watchdog, so a worker whose event loop hangs is
restarted.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from ops.identity import process_identity

log = logging.getLogger(__name__)

# KEYS[1]: the set; ARGV: member, seconds a stale member is kept. Scored with Redis's clock.
_BEAT = """
local now = redis.call('TIME')
local t = tonumber(now[1]) + tonumber(now[2]) / 1000000
redis.call('ZADD', KEYS[1], t, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', t - tonumber(ARGV[2]))
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1
"""
# KEYS[1]: the set; ARGV[1]: max age (s). Returns member, age, member, age, ... (ages as strings).
_RECENT = """
local now = redis.call('TIME')
local t = tonumber(now[1]) + tonumber(now[2]) / 1000000
local rows = redis.call('ZRANGEBYSCORE', KEYS[1], t - tonumber(ARGV[1]), '+inf', 'WITHSCORES')
local out = {}
for i = 1, #rows, 2 do
  out[#out + 1] = rows[i]
  out[#out + 1] = tostring(t - tonumber(rows[i + 1]))
end
return out
"""
STALE_KEPT_S = 3600


@dataclass(frozen=True)
class WorkerBeat:
    worker: str  # host-pid
    age_s: float


def heartbeat_key(cache_prefix: str | None = None) -> str:
    """The sorted set of heartbeats (CACHE_PREFIX: every installation sharing a Redis has its own)."""
    return f"{settings.CACHE_PREFIX if cache_prefix is None else cache_prefix}:ops:worker-heartbeats"


def recent_heartbeats(*, max_age_s: float, redis_url: str | None = None, key: str | None = None) -> list[WorkerBeat]:
    """The workers whose last heartbeat is at most `max_age_s` old, newest first (default Redis and key: the
    settings'). Raises RedisError or OSError when Redis does not answer."""
    import redis

    url = settings.REDIS_URL if redis_url is None else redis_url
    client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    try:
        rows: Any = client.eval(_RECENT, 1, key or heartbeat_key(), str(max_age_s))
    finally:
        client.close()
    beats = [WorkerBeat(rows[i].decode(), float(rows[i + 1])) for i in range(0, len(rows), 2)]
    return sorted(beats, key=lambda beat: beat.age_s)


class _Systemd:
    """sd_notify(3) over $NOTIFY_SOCKET, when systemd started this process with one."""

    def __init__(self) -> None:
        address = os.environ.get("NOTIFY_SOCKET", "")
        self.address = "\0" + address[1:] if address.startswith("@") else address

    def notify(self, state: str) -> None:
        if not self.address:
            return
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            try:
                sock.sendto(state.encode(), self.address)
            except OSError:
                pass


async def _beat_forever(interval_s: float) -> None:
    import redis.asyncio as aioredis
    from redis.exceptions import RedisError

    systemd = _Systemd()
    systemd.notify("READY=1")
    client = aioredis.Redis.from_url(settings.REDIS_URL, socket_timeout=5, socket_connect_timeout=5)
    member, failing = process_identity(), False
    try:
        while True:
            try:
                await client.eval(_BEAT, 1, heartbeat_key(), member, str(STALE_KEPT_S))
                if failing:
                    log.info("worker heartbeat written again")
                failing = False
            except (RedisError, OSError) as exc:
                if not failing:
                    log.warning("worker heartbeat not written (%s); retrying", type(exc).__name__)
                failing = True
            systemd.notify("WATCHDOG=1")  # the event loop is alive, whether or not Redis is
            await asyncio.sleep(interval_s)
    finally:
        await client.aclose()


_task: asyncio.Task | None = None


def heartbeat_start() -> None:
    """Starts this worker process's heartbeat on the running event loop (once; a no-op without Redis)."""
    global _task
    loop = asyncio.get_running_loop()
    if not settings.REDIS_URL or (_task is not None and not _task.done() and _task.get_loop() is loop):
        return
    _task = loop.create_task(_beat_forever(settings.WORKER_HEARTBEAT_S))
