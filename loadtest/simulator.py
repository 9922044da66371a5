"""A simulated class: students join through the real join flow and stream JPEG snapshots over real
WebSockets, while a simulated teacher watches the dashboard socket and times every frame.

Used by `manage.py simulate_class`, `manage.py demo` and `manage.py bench_load`. Networking is the
stdlib HTTP client (in threads, one cookie jar per browser, never through a proxy) and the
`websockets` client; nothing here needs Django except the optional `token_lookup` a caller passes.

How a teacher's tile (in `student.update` or in a batch's `students.update`) is matched to a sent frame
(`LatencyBook`):
- Every frame is remembered per student with its send time (monotonic and wall clock).
- A tile's `last_seen` is the server's receive time of the reading it shows (epoch seconds, same clock
  on loopback). A tile whose `last_seen` is newer than that student's last matched one belongs to the
  newest unmatched frame sent no later than `last_seen`; latency = arrival - send, both monotonic.
  Older unmatched frames of that student are passed over for good: the worker's latest-wins buffer
  superseded them, or the socket refused them (`rate_limited`, `overloaded`).
- A tile without `last_seen` falls back to arrival order: the oldest unmatched frame sent before it.
- Tiles in status "waiting" or "disconnected" (connect and disconnect updates) never match a frame.
- A frame still unmatched when the grace period after the last send ends is "dropped".
"""

from __future__ import annotations

import asyncio
import html
import json
import logging
import math
import random
import re
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any
from urllib.error import HTTPError
from urllib.parse import urlencode, urljoin, urlsplit
from urllib.request import HTTPCookieProcessor, ProxyHandler, Request, build_opener

log = logging.getLogger(__name__)

ATTENTION_ON = json.dumps({"type": "attention", "visible": True, "focused": True, "idle_s": 0, "camera": "on"})
NOT_A_FRAME = frozenset({"waiting", "disconnected"})
MIN_GAP_SHARE = 0.9  # of the interval, between two frames of one student (the server refuses under 0.75)
SELF_REPORT_KINDS = ("confused", "too_fast", "all_good", "raise_hand")
_TOKEN_IN_PAGE = re.compile(r"/ws/student/\?token=([A-Za-z0-9_\-:.]+)")
_CSRF_IN_FORM = re.compile(r'name="csrfmiddlewaretoken"\s+value="([^"]+)"')
_STUDENT_PAGE = re.compile(r"/sessions/(\d+)/student/")


# --- latency bookkeeping (pure)


@dataclass
class Frame:
    participant_id: int
    seq: int
    sent_mono: float
    sent_wall: float
    latency_s: float | None = None
    last_seen: float | None = None


def percentile(values: Sequence[float], q: float) -> float | None:
    """The nearest-rank percentile (q in 0-100) of `values`, or None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


class LatencyBook:
    """Pairs sent frames with the teacher's `student.update`s (rules in the module docstring)."""

    def __init__(self) -> None:
        self.frames: dict[int, list[Frame]] = {}
        self._next: dict[int, int] = {}  # per student: index of the oldest frame that may still match
        self._last_seen: dict[int, float] = {}
        self.updates_seen = 0

    def frame_sent(self, participant_id: int, *, mono: float, wall: float) -> Frame:
        frames = self.frames.setdefault(participant_id, [])
        frame = Frame(participant_id, len(frames), mono, wall)
        frames.append(frame)
        return frame

    def update_received(self, tile: dict[str, Any], *, mono: float) -> Frame | None:
        """Returns the frame this tile answers (its latency set), or None if it answers none."""
        self.updates_seen += 1
        pid, status = tile.get("id"), tile.get("status")
        frames = self.frames.get(pid) if isinstance(pid, int) else None
        if not frames or status in NOT_A_FRAME:
            return None
        start = self._next.get(pid, 0)
        seen = tile.get("last_seen")
        if isinstance(seen, int | float) and not isinstance(seen, bool):
            if seen <= self._last_seen.get(pid, -math.inf):
                return None  # the same reading again (a self report, a repeated tile)
            self._last_seen[pid] = seen
            index = next((i for i in range(len(frames) - 1, start - 1, -1) if frames[i].sent_wall <= seen), None)
        else:
            index = start if start < len(frames) and frames[start].sent_mono <= mono else None
        if index is None:
            return None
        frame = frames[index]
        frame.latency_s = mono - frame.sent_mono
        frame.last_seen = seen if isinstance(seen, int | float) else None
        self._next[pid] = index + 1
        return frame

    def all_frames(self) -> list[Frame]:
        return [frame for frames in self.frames.values() for frame in frames]

    def unanswered(self) -> int:
        """Frames that may still be answered: those after each student's last matched one."""
        return sum(len(frames) - self._next.get(pid, 0) for pid, frames in self.frames.items())

    def summary(self, *, students: int, errors: int, streaming_s: float) -> dict[str, Any]:
        """The simulator's JSON result: counts, latency percentiles (ms) and answered frames per second."""
        frames = self.all_frames()
        latencies = [f.latency_s * 1000 for f in frames if f.latency_s is not None]

        def ms(value: float | None) -> float | None:
            return None if value is None else round(value, 1)

        return {
            "students": students,
            "sent": len(frames),
            "updates": len(latencies),
            "dropped": len(frames) - len(latencies),
            "errors": errors,
            "latency_ms": {
                "p50": ms(percentile(latencies, 50)),
                "p95": ms(percentile(latencies, 95)),
                "max": ms(max(latencies, default=None)),
            },
            "frames_per_s": round(len(latencies) / streaming_s, 2) if streaming_s > 0 else 0.0,
        }


# --- frames


class FramePool:
    """The JPEG snapshots each simulated student streams: `frame(student, seq)`."""

    def __init__(self, looks: list[list[bytes]], *, hold: int = 1) -> None:
        if not looks or not all(looks):
            raise ValueError("FramePool needs at least one frame")
        self.looks = looks
        self.hold = hold  # frames in a row with the same picture

    def frame(self, student: int, seq: int) -> bytes:
        frames = self.looks[student % len(self.looks)]
        return frames[(seq // self.hold + student) % len(frames)]

    @classmethod
    def synthetic(cls, *, looks: int, seed: int = 0, hold: int = 1, dim_share: float = 0.0) -> FramePool:
        """Drawn faces (inference.synthetic): `looks` people, some dimly lit, each shifting a little in their
        seat from one snapshot to the next and going through every expression twice.

        Each look's frames play forwards then backwards, so its face never jumps when the loop restarts.
        """
        from inference.synthetic import EXPRESSIONS, drifting_face_samples, encode_jpeg

        rng = random.Random(seed)
        pool = []
        for look in range(looks):
            brightness = 0.22 if rng.random() < dim_share else rng.uniform(0.85, 1.1)
            drifting = drifting_face_samples(
                2 * len(EXPRESSIONS), seed=seed * 1000 + look, brightness=brightness, expressions=EXPRESSIONS
            )
            frames = [encode_jpeg(frame, quality=80) for frame, _ in drifting]
            pool.append(frames + frames[-2:0:-1])
        return cls(pool, hold=hold)

    @classmethod
    def from_directory(cls, folder: Path, *, width: int = 320, height: int = 240) -> FramePool:
        """Every *.jpg/*.jpeg/*.png in `folder`, cropped to fill width x height and re-encoded as JPEG."""
        import cv2

        paths = sorted(p for p in folder.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
        pool = []
        for path in paths:
            image = cv2.imread(str(path), cv2.IMREAD_COLOR)
            if image is None:
                log.warning("skipping %s: not a readable image", path)
                continue
            scale = max(width / image.shape[1], height / image.shape[0])
            image = cv2.resize(
                image, (max(width, round(image.shape[1] * scale)), max(height, round(image.shape[0] * scale)))
            )
            y, x = (image.shape[0] - height) // 2, (image.shape[1] - width) // 2
            ok, jpeg = cv2.imencode(".jpg", image[y : y + height, x : x + width], [cv2.IMWRITE_JPEG_QUALITY, 80])
            if ok:
                pool.append([jpeg.tobytes()])
        if not pool:
            raise ValueError(f"no readable .jpg or .png images in {folder}")
        return cls(pool)


# --- HTTP: one browser's cookies


class JoinError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class Browser:
    """A cookie jar and the stdlib HTTP client, with no proxy (the simulator talks to loopback)."""

    def __init__(self, base_url: str, *, timeout_s: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.jar = CookieJar()
        self.opener = build_opener(ProxyHandler({}), HTTPCookieProcessor(self.jar))
        self.timeout_s = timeout_s

    def request(self, path: str, form: dict[str, str] | None = None) -> tuple[int, str, str]:
        """(status, final URL after redirects, body text); HTTP errors are returned, not raised."""
        data = urlencode(form).encode() if form is not None else None
        request = Request(urljoin(self.base_url + "/", path.lstrip("/")), data=data)
        try:
            with self.opener.open(request, timeout=self.timeout_s) as response:
                return response.status, response.url, response.read().decode(errors="replace")
        except HTTPError as exc:
            return exc.code, exc.url, exc.read().decode(errors="replace")

    def cookie(self, name: str) -> str | None:
        return next((c.value for c in self.jar if c.name == name), None)

    def csrf(self, page: str) -> str:
        found = _CSRF_IN_FORM.search(page)
        token = found[1] if found else self.cookie("csrftoken")
        if not token:
            raise JoinError("no_csrf", "no CSRF token in the form or cookies")
        return token

    def login(self, username: str, password: str) -> None:
        _, _, page = self.request("/accounts/login/")
        form = {"username": username, "password": password, "csrfmiddlewaretoken": self.csrf(page), "next": "/"}
        status, url, _ = self.request("/accounts/login/", form)
        if urlsplit(url).path.startswith("/accounts/login") or self.cookie("sessionid") is None:
            raise JoinError("login_failed", f"teacher login as {username!r} failed (HTTP {status})")


@dataclass(frozen=True)
class Joined:
    base_url: str
    session_id: int
    token: str


def student_join(
    base_url: str, code: str, name: str, *, token_lookup: Callable[[str, int], str | None] | None = None
) -> Joined:
    """The join flow a browser goes through; returns the socket token. Raises JoinError.

    GET /join/<code>/ (CSRF cookie), POST /join/ (code, name, consent), follow the redirect to the
    student page and read the token from its `ws/student/?token=` path. If that page cannot be read,
    `token_lookup(session cookie, session id)` may find the token in the server's session store.
    """
    browser = Browser(base_url)
    _, _, page = browser.request(f"/join/{code}/")
    form = {"code": code, "display_name": name, "consent": "on", "csrfmiddlewaretoken": browser.csrf(page)}
    status, url, page = browser.request("/join/", form)
    if status == 429:
        raise JoinError("join_rate_limited", "the server's JOIN_ATTEMPTS_PER_MINUTE limit was hit")
    on_student_page = _STUDENT_PAGE.search(urlsplit(url).path)
    if on_student_page is None:
        raise JoinError("join_refused", f"the join form was refused (HTTP {status})")
    session_id = int(on_student_page[1])
    found = _TOKEN_IN_PAGE.search(html.unescape(page)) if status == 200 else None
    token = found[1] if found else None
    session_key = browser.cookie("sessionid")
    if token is None and token_lookup is not None and session_key:
        token = token_lookup(session_key, session_id)
    if token is None:
        raise JoinError("no_token", f"no socket token on the student page (HTTP {status})")
    return Joined(base_url, session_id, token)


def ws_url(base_url: str, path: str) -> str:
    parts = urlsplit(base_url)
    return f"{'wss' if parts.scheme == 'https' else 'ws'}://{parts.netloc}{path}"


def origin_of(base_url: str) -> str:
    parts = urlsplit(base_url)
    return f"{parts.scheme}://{parts.netloc}"


async def teacher_snapshot(base_url: str, teacher: tuple[str, str], session_id: int) -> dict[str, Any]:
    """The dashboard `snapshot` a teacher who opens the live page on `base_url` gets now."""
    from websockets.asyncio.client import connect

    browser = Browser(base_url)
    await asyncio.to_thread(browser.login, *teacher)
    cookies = "; ".join(f"{c.name}={c.value}" for c in browser.jar)
    url = ws_url(base_url, f"/ws/teacher/sessions/{session_id}/")
    async with connect(url, origin=origin_of(base_url), additional_headers={"Cookie": cookies}, proxy=None) as ws:  # type: ignore[arg-type]
        while True:
            message = json.loads(await asyncio.wait_for(ws.recv(), timeout=30))
            if message.get("type") in ("snapshot", "error"):
                return message


# --- the class


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
                    await ws.send(json.dumps({"type": "self_report", "kind": rng.choice(SELF_REPORT_KINDS)}))
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
