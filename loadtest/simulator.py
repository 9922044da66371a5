"""A simulated class: students join through the real join flow and stream JPEG snapshots over real
WebSockets, while a simulated teacher watches the dashboard socket and times every frame (loadtest/latency.py
says how a tile is matched to a frame).

Used by `manage.py simulate_class`, `manage.py demo` and `manage.py bench_load`. Networking is the
stdlib HTTP client (in threads, one cookie jar per browser, never through a proxy) and the
`websockets` client; nothing here needs Django except the optional `token_lookup` a caller passes.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from engagement.core import REPORT_KINDS
from loadtest.browser import Browser, Joined, JoinError, origin_of, student_join, ws_url
from loadtest.frames import FramePool
from loadtest.latency import Frame, LatencyBook

log = logging.getLogger(__name__)

ATTENTION_ON = json.dumps({"type": "attention", "visible": True, "focused": True, "idle_s": 0, "camera": "on"})
MIN_GAP_SHARE = 0.9  # of the interval, between two frames of one student (the server refuses under 0.75)


@dataclass
class ClassPlan:
    """What to simulate. `duration_s` None streams until `SimulatedClass.stop()`."""

    urls: list[str]  # students are spread round-robin over these (a load balancer's view)
    code: str
    students: int
    interval_s: float
    duration_s: float | None
    frames: FramePool
    teacher: tuple[str, str] | None = None  # username, password; None: no teacher socket, no latency
    teacher_url: str | None = None  # default: the first of `urls`
    session_id: int | None = None  # the teacher socket's session; default: from the join redirect
    grace_s: float = 5.0
    join_concurrency: int = 8
    join_wait_s: float = 180.0  # the longest to wait out the server's join rate limit
    token_lookup: Callable[[str, int], str | None] | None = None
    name_prefix: str = "Student"
    seed: int = 0
    lively: bool = False  # demo behaviour: pauses, camera off for a while, voice taps
    # Awaited once every frame is answered (or the grace period ended), before any socket closes.
    before_close: Callable[[], Awaitable[None]] | None = None


@dataclass
class Outcome:
    summary: dict[str, Any]
    errors_by_code: dict[str, int]
    frames: list[Frame]
    teacher_messages: dict[str, int] = field(default_factory=dict)
    join_s: float = 0.0
    teacher_tiles: dict[int, dict[str, Any]] = field(default_factory=dict)  # the last tile of each student
    student_urls: dict[int, str] = field(default_factory=dict)  # the server each student streamed to


class SimulatedClass:
    def __init__(self, plan: ClassPlan) -> None:
        self.plan = plan
        self.book = LatencyBook()
        self.errors: Counter[str] = Counter()
        self.teacher_messages: Counter[str] = Counter()
        self.teacher_tiles: dict[int, dict[str, Any]] = {}
        self.student_urls: dict[int, str] = {}
        self.rng = random.Random(plan.seed)
        self._start = asyncio.Event()
        self._stop_sending = asyncio.Event()
        self._finished = asyncio.Event()
        self._teacher_ready = asyncio.Event()
        self._session_id: int | None = plan.session_id
        self.settled = 0  # student sockets connected, or failed for good

    def stop(self) -> None:
        """Stops sending (the grace period for answers still runs)."""
        self._stop_sending.set()

    def error(self, code: str) -> None:
        self.errors[code] += 1

    async def run(self) -> Outcome:
        plan = self.plan
        began = time.monotonic()
        tasks: list[asyncio.Task] = []
        # Like a browser, each student opens its socket as soon as it has joined, not all at once afterwards.
        joined = await self._join_all(lambda i, j: tasks.append(asyncio.create_task(self._student(i, j))))
        join_s = time.monotonic() - began
        if self._session_id is None and joined:
            self._session_id = joined[0].session_id
        teacher = asyncio.create_task(self._teacher()) if plan.teacher and self._session_id else None
        if teacher is not None:
            try:
                await asyncio.wait_for(self._teacher_ready.wait(), timeout=60)
            except TimeoutError:
                self.error("teacher_not_ready")
        deadline = time.monotonic() + 130  # each socket settles within its open and hello timeouts
        while self.settled < len(tasks) and time.monotonic() < deadline:  # noqa: ASYNC110 - polls a counter
            await asyncio.sleep(0.05)
        started = time.monotonic()
        self._start.set()
        try:
            await asyncio.wait_for(self._stop_sending.wait(), timeout=plan.duration_s)
        except TimeoutError:
            pass
        self._stop_sending.set()
        streaming_s = time.monotonic() - started
        if teacher is not None:
            deadline = time.monotonic() + plan.grace_s
            while self.book.unanswered() and time.monotonic() < deadline and not teacher.done():  # noqa: ASYNC110
                await asyncio.sleep(0.1)
        if plan.before_close is not None:
            await plan.before_close()
        self._finished.set()
        await asyncio.gather(*tasks, *([teacher] if teacher else []), return_exceptions=True)
        errors = sum(self.errors.values())
        return Outcome(
            summary=self.book.summary(students=plan.students, errors=errors, streaming_s=streaming_s),
            errors_by_code=dict(self.errors),
            frames=self.book.all_frames(),
            teacher_messages=dict(self.teacher_messages),
            join_s=round(join_s, 2),
            teacher_tiles=dict(self.teacher_tiles),
            student_urls=dict(self.student_urls),
        )

    # --- joining

    async def _join_all(self, on_joined: Callable[[int, Joined], None]) -> list[Joined]:
        plan = self.plan
        gate = asyncio.Semaphore(plan.join_concurrency)
        deadline = time.monotonic() + plan.join_wait_s

        async def one(i: int) -> Joined | None:
            base = plan.urls[i % len(plan.urls)]
            name = f"{plan.name_prefix} {i + 1:03d}"
            while True:
                async with gate:
                    try:
                        joined = await asyncio.to_thread(
                            student_join, base, plan.code, name, token_lookup=plan.token_lookup
                        )
                        on_joined(i, joined)
                        return joined
                    except JoinError as exc:
                        if exc.code != "join_rate_limited" or time.monotonic() > deadline:
                            log.warning("%s could not join: %s", name, exc)
                            self.error(exc.code)
                            return None
                    except OSError as exc:
                        log.warning("%s could not join: %s", name, exc)
                        self.error("join_unreachable")
                        return None
                if not waited:
                    waited.append(True)
                    log.warning(
                        "The server allows JOIN_ATTEMPTS_PER_MINUTE joins a minute from one address: "
                        "waiting for the next minute (start the server with a higher limit to avoid this)."
                    )
                await asyncio.sleep(60.5 - time.time() % 60)  # the limiter's windows are clock minutes

        waited: list[bool] = []
        results = await asyncio.gather(*(one(i) for i in range(plan.students)))
        return [r for r in results if r is not None]

    # --- sockets

    def _connect(self, url: str, origin: str, headers: dict[str, str] | None = None) -> Any:
        from websockets.asyncio.client import connect

        # Browsers neither ping nor compress JPEGs; the Origin header is what AllowedHostsOriginValidator checks.
        return connect(
            url,
            origin=origin,  # type: ignore[arg-type]
            additional_headers=headers,
            proxy=None,
            compression=None,
            ping_interval=None,
            open_timeout=60,
            close_timeout=5,
            max_size=8 * 2**20,
        )

    async def _student(self, index: int, joined: Joined) -> None:
        from websockets.exceptions import ConnectionClosed, InvalidHandshake

        settled = False
        try:
            async with self._connect(
                ws_url(joined.base_url, f"/ws/student/?token={joined.token}"), origin_of(joined.base_url)
            ) as ws:
                hello = json.loads(await asyncio.wait_for(ws.recv(), timeout=60))
                if hello.get("type") != "hello":
                    self.error(hello.get("code", "no_hello"))
                    return
                pid = int(hello["participant"]["id"])
                self.student_urls[pid] = joined.base_url
                self.settled += 1
                settled = True
                reader = asyncio.create_task(self._student_reader(ws))
                await self._start.wait()
                await self._stream(ws, index, pid)
                await self._finished.wait()
                reader.cancel()
        except (ConnectionClosed, InvalidHandshake, OSError, TimeoutError) as exc:
            if not self._finished.is_set():
                log.warning("student %d socket: %r", index + 1, exc)
                self.error("socket_" + type(exc).__name__)
        finally:
            if not settled:
                self.settled += 1

    async def _stream(self, ws: Any, index: int, pid: int) -> None:
        plan, loop = self.plan, asyncio.get_running_loop()
        rng = random.Random(plan.seed * 7919 + index)
        next_at = loop.time() + rng.uniform(0, plan.interval_s)  # random phase
        seq, paused_until = 0, 0.0
        while True:
            try:
                await asyncio.wait_for(self._stop_sending.wait(), timeout=max(0.0, next_at - loop.time()))
                return
            except TimeoutError:
                pass
            # A late tick (a busy event loop) must not bring the next one closer than the server's rate limit allows.
            next_at = max(next_at + plan.interval_s, loop.time() + plan.interval_s * MIN_GAP_SHARE)
            if plan.lively:
                roll = rng.random()
                if loop.time() < paused_until:
                    await ws.send(json.dumps({"type": "attention", "visible": True, "focused": False,
                                              "idle_s": 30, "camera": "paused"}))  # fmt: skip
                    continue
                if roll < 0.004:
                    paused_until = loop.time() + rng.uniform(10, 25)
                elif roll > 0.99:
                    await ws.send(json.dumps({"type": "self_report", "kind": rng.choice(REPORT_KINDS)}))
            await ws.send(ATTENTION_ON)
            self.book.frame_sent(pid, mono=time.monotonic(), wall=time.time())
            await ws.send(plan.frames.frame(index, seq))
            seq += 1

    async def _student_reader(self, ws: Any) -> None:
        async for raw in ws:
            if isinstance(raw, str):
                message = json.loads(raw)
                if message.get("type") == "error":
                    self.error(message.get("code", "error"))
                elif message.get("type") == "session.ended":
                    self._stop_sending.set()

    async def _teacher(self) -> None:
        from websockets.exceptions import ConnectionClosed, InvalidHandshake

        plan = self.plan
        base = plan.teacher_url or plan.urls[0]
        assert plan.teacher is not None
        try:
            browser = Browser(base)
            await asyncio.to_thread(browser.login, *plan.teacher)
            cookies = "; ".join(f"{c.name}={c.value}" for c in browser.jar)
            url = ws_url(base, f"/ws/teacher/sessions/{self._session_id}/")
            async with self._connect(url, origin_of(base), {"Cookie": cookies}) as ws:
                reader = asyncio.create_task(self._teacher_reader(ws))
                await self._finished.wait()
                reader.cancel()
        except JoinError as exc:
            log.warning("teacher: %s", exc)
            self.error(exc.code)
        except (ConnectionClosed, InvalidHandshake, OSError) as exc:
            log.warning("teacher socket: %r", exc)
            self.error("teacher_socket_" + type(exc).__name__)
        finally:
            self._teacher_ready.set()

    async def _teacher_reader(self, ws: Any) -> None:
        async for raw in ws:
            arrived = time.monotonic()
            message = json.loads(raw)
            kind = message.get("type", "")
            self.teacher_messages[kind] += 1
            if kind == "snapshot":
                self._teacher_ready.set()
            elif kind in ("student.update", "students.update"):
                batch = kind == "students.update"
                tiles = (message.get("students") or []) if batch else [message.get("student") or {}]
                for tile in tiles:
                    self.book.update_received(tile, mono=arrived)
                    if isinstance(tile.get("id"), int):
                        self.teacher_tiles[tile["id"]] = tile
            elif kind == "error":
                log.warning("teacher socket error: %s", message)
                self.error("teacher_" + message.get("code", "error"))
