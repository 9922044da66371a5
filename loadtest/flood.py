"""The flood benchmark (`manage.py bench_flood`, issue 14): two classes on one server, one of them flooding.

A quiet class (the simulator's students streaming snapshots, a teacher socket timing every tile) shares the server
with a flooding class: its students send every command type at full speed (attention, self-reports with long
notes, poll answers, malformed messages, snapshots) and reconnect at once when closed; its teacher socket floods
too (polls opened and closed, settings, flag dismissals, malformed messages). The quiet class is run alone, then
again beside the flood, each on a fresh server (loadtest/stack.py): the quiet class's p95 tile latency should stay
within twice its quiet value, and the flood must not store thousands of rows.

`flood_run` is what one run does (in a process with the server's settings: `manage.py bench_flood --child`);
`flood_bench` starts the servers and the runs.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections import Counter
from pathlib import Path
from typing import Any

from loadtest.bench import emotion_model_pinned, other_cpu_jobs
from loadtest.browser import Browser, origin_of, student_join, ws_url
from loadtest.frames import FramePool
from loadtest.loopback import reachable
from loadtest.simulator import ATTENTION_ON, ClassPlan, SimulatedClass
from loadtest.stack import PYTHON, Stack, base_env, postgres_database_create, postgres_database_drop

BENCH_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/postgres"
NOTE = "flood " * 46  # 276 characters: near the 280 a note may have


def _student_commands(poll_id: int | None) -> list[str | bytes]:
    commands: list[str | bytes] = [
        ATTENTION_ON,
        json.dumps({"type": "self_report", "kind": "confused", "text": NOTE}),
        json.dumps({"type": "attention", "visible": False, "focused": False, "idle_s": 5, "camera": "paused"}),
        json.dumps({"type": ["attention"]}),
        "{not json",
    ]
    if poll_id is not None:
        commands.append(json.dumps({"type": "poll.answer", "poll_id": poll_id, "answer": "yes"}))
    return commands


class Flood:
    """The flooding class: counts what it sent, the error codes it got back and how its sockets were closed."""

    def __init__(self, base_url: str, code: str, session_id: int, teacher: tuple[str, str], frame: bytes) -> None:
        self.base_url, self.code, self.session_id, self.teacher, self.frame = base_url, code, session_id, teacher, frame
        self.sent: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()
        self.closes: Counter[str] = Counter()
        self.poll_id: int | None = None
        self.stop = asyncio.Event()

    def _connect(self, url: str, headers: dict[str, str] | None = None) -> Any:
        from websockets.asyncio.client import connect

        origin = origin_of(self.base_url)
        return connect(url, origin=origin, additional_headers=headers, proxy=None, ping_interval=None)  # type: ignore[arg-type]

    async def _read(self, ws: Any) -> None:
        async for raw in ws:
            if isinstance(raw, str):
                message = json.loads(raw)
                if message.get("type") == "error":
                    self.errors[message.get("code", "?")] += 1
                elif message.get("type") == "poll.started":
                    self.poll_id = message["poll"]["id"]

    async def _socket(self, role: str, url: str, commands: Any, headers: dict[str, str] | None = None) -> None:
        """Sends `commands()` round and round at full speed; reconnects at once whenever the server closes."""
        from websockets.exceptions import ConnectionClosed, InvalidHandshake

        while not self.stop.is_set():
            try:
                async with self._connect(url, headers) as ws:
                    reader = asyncio.create_task(self._read(ws))
                    try:
                        while not self.stop.is_set():
                            for command in commands():
                                await ws.send(command)
                                self.sent[role] += 1
                            await asyncio.sleep(0)  # full speed, yet the reader gets its turn
                    finally:
                        reader.cancel()
            except ConnectionClosed as exc:
                self.closes[f"{role} {exc.rcvd.code if exc.rcvd else 'none'}"] += 1
            except (InvalidHandshake, OSError, TimeoutError) as exc:
                self.closes[f"{role} {type(exc).__name__}"] += 1
                await asyncio.sleep(0.2)

    async def run(self, flooders: int) -> None:
        browser = Browser(self.base_url)
        await asyncio.to_thread(browser.login, *self.teacher)
        cookies = {"Cookie": "; ".join(f"{c.name}={c.value}" for c in browser.jar)}
        dashboard = ws_url(self.base_url, f"/ws/teacher/sessions/{self.session_id}/")

        def teacher_commands() -> list[str]:
            poll = [json.dumps({"type": "poll.close", "poll_id": self.poll_id})] if self.poll_id else []
            return [
                json.dumps({"type": "poll.start", "question": "Flood?"}),
                *poll,
                json.dumps({"type": "settings", "sensitivity": "high"}),
                json.dumps({"type": "flag.dismiss", "flag_id": 1}),
                json.dumps({"type": {"a": 1}}),
            ]

        joins = [
            await asyncio.to_thread(student_join, self.base_url, self.code, f"Flooder {i + 1}") for i in range(flooders)
        ]
        tasks = [asyncio.create_task(self._socket("teacher", dashboard, teacher_commands, cookies))]
        for joined in joins:
            url = ws_url(joined.base_url, f"/ws/student/?token={joined.token}")
            tasks.append(
                asyncio.create_task(
                    self._socket("student", url, lambda: [*_student_commands(self.poll_id), self.frame])
                )
            )
        await self.stop.wait()
        for task in tasks:  # a send may be waiting on a server that no longer reads
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def rows_stored(session_id: int) -> dict[str, int]:
    from engagement.models import Flag, Poll, PollAnswer, Reading, SelfReport

    return {
        model.__name__: model.objects.filter(
            **{"poll__session_id" if model is PollAnswer else "session_id": session_id}
        ).count()
        for model in (SelfReport, PollAnswer, Poll, Reading, Flag)
    }


FLOOD_TEACHER = "pulse-flooder"


def flood_teacher() -> tuple[str, str]:
    """The flooding class's own teacher (not the simulator's: the two runs are separate processes)."""
    import secrets

    from django.contrib.auth import get_user_model

    user, _ = get_user_model().objects.get_or_create(username=FLOOD_TEACHER)
    password = secrets.token_urlsafe(18)
    user.set_password(password)
    user.save()
    return FLOOD_TEACHER, password


def flood_class_run(*, url: str, flooders: int) -> dict[str, Any]:
    """Floods until SIGTERM (`manage.py bench_flood --child flood`): a class of `flooders` students and their
    teacher, every command type at full speed. Runs with the server's settings."""
    import signal

    from classroom import services
    from loadtest.session import simulated_session

    teacher = flood_teacher()
    session = simulated_session(teacher_username=teacher[0], interval_s=1.0, title="Flooding class")
    flood = Flood(url, session.code, session.pk, teacher, FramePool.synthetic(looks=1, seed=2).frame(0, 0))

    async def main() -> float:
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, flood.stop.set)
        began = time.monotonic()
        running = asyncio.create_task(flood.run(flooders))
        await flood.stop.wait()
        try:
            await asyncio.wait_for(running, timeout=5)
        except TimeoutError:
            running.cancel()
        return time.monotonic() - began

    try:
        run_s = asyncio.run(main())
    finally:
        services.session_end(session=session)
    return {
        "flooders": flooders,
        "sent": dict(flood.sent),
        "sent_per_s": round(sum(flood.sent.values()) / run_s, 1),
        "errors_by_code": dict(flood.errors),
        "closes": dict(flood.closes),
        "rows_stored": rows_stored(session.pk),
        "run_s": round(run_s, 1),
    }


def quiet_class_run(*, url: str, students: int, interval_s: float, duration_s: float) -> dict[str, Any]:
    """The quiet class (`manage.py bench_flood --child quiet`): the simulator's students and teacher, timed."""
    from classroom import services
    from loadtest.session import (
        run_until_done,
        simulated_session,
        simulator_teacher,
        simulator_teacher_retire,
        token_from_server_session,
    )

    teacher = simulator_teacher(staff=False)
    session = simulated_session(teacher_username=teacher[0], interval_s=interval_s, title="Quiet class")
    plan = ClassPlan(
        urls=[url], code=session.code, students=students, interval_s=interval_s, duration_s=duration_s,
        frames=FramePool.synthetic(looks=min(students, 24), seed=1), teacher=teacher, session_id=session.pk,
        token_lookup=token_from_server_session,
    )  # fmt: skip
    try:
        outcome = run_until_done(SimulatedClass(plan))
    finally:
        services.session_end(session=session)
        simulator_teacher_retire()
    return {**outcome.summary, "errors_by_code": outcome.errors_by_code, "rows_stored": rows_stored(session.pk)}


def flood_bench(
    *, students: int, flooders: int, interval_s: float, duration_s: float, workdir: Path, say: Any = print
) -> dict[str, Any]:
    """The quiet run and the flooded run, back to back, each on a fresh embedded server (1 Daphne, in-process
    inference, in-memory layer; PostgreSQL when reachable, else SQLite). The quiet class, the flood and the
    server are three processes, so the flood's client never slows the quiet class's own client."""
    (model, pinned), competing = emotion_model_pinned(), other_cpu_jobs()
    say(f"emotion model: {model}; other CPU jobs: {competing or 'none'}")
    runs = {}
    for name, n_flooders in (("quiet", 0), ("flooded", flooders)):
        env = {**base_env(workdir), **pinned}
        database_url = postgres_database_create(BENCH_POSTGRES_URL) if reachable(BENCH_POSTGRES_URL, 5432) else None
        env["DATABASE_URL"] = database_url or f"sqlite:///{workdir / f'flood-{name}.sqlite3'}"
        stack = Stack(env, workdir, limit_s=int(duration_s) + 600)
        try:
            stack.manage("migrate", "--noinput", "-v0")
            server = stack.daphne("daphne")
            stack.wait_ready()
            say(f"== {name}: {students} quiet students, {n_flooders} flooders, {duration_s:g} s ...")
            flooder = None
            if n_flooders:
                argv = ["manage.py", "bench_flood", "--child", "flood", "--url", str(server.url)]
                flooder = stack.start("flooder", [PYTHON, *argv, "--flooders", str(n_flooders)])
                time.sleep(5)  # the flood is under way before the quiet class joins
            load_start = os.getloadavg()[0]
            argv = ["bench_flood", "--child", "quiet", "--url", str(server.url), "--students", str(students)]
            argv += ["--interval", str(interval_s), "--duration", str(duration_s)]
            run = {"quiet": json.loads(stack.manage(*argv, timeout_s=int(duration_s) + 400).strip().splitlines()[-1])}
            run["loadavg_1m"] = {"start": round(load_start, 2), "end": round(os.getloadavg()[0], 2)}
            if flooder is not None:
                flooder.stop()
                lines = flooder.log_path.read_text(errors="replace").strip().splitlines()
                if not lines or not lines[-1].startswith("{"):
                    raise RuntimeError(f"the flooder failed:\n{flooder.log_tail()}")
                run["flood"] = json.loads(lines[-1])
            run["server_log_flood_closes"] = server.log_path.read_text(errors="replace").count("commands kept coming")
            run["database"] = "postgresql" if database_url else "sqlite"
            say(json.dumps(run))
            runs[name] = run
        finally:
            stack.close()
            if database_url:
                postgres_database_drop(database_url)
    quiet_p95, flooded_p95 = runs["quiet"]["quiet"]["latency_ms"]["p95"], runs["flooded"]["quiet"]["latency_ms"]["p95"]
    return {
        "machine": {"cpus": os.cpu_count()},
        "emotion_model": model,
        "other_cpu_jobs": competing,
        "runs": runs,
        "p95_ratio": round(flooded_p95 / quiet_p95, 2) if quiet_p95 and flooded_p95 else None,
    }
