"""`manage.py demo`: the server plus a live demo class of simulated students, until Ctrl-C.

Starts Daphne (the embedded default unless the environment says otherwise) as a child process,
opens a live session in a class of the demo teacher, and lets simulated students join it through
the join page and stream drawn faces, pausing and tapping the voice buttons now and then.
"""

import asyncio
import os
import signal
import subprocess
import sys
import time
from typing import Any
from urllib.request import ProxyHandler, build_opener

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from classroom import services
from classroom.management.commands.ensure_demo_teacher import DEMO_PASSWORD, DEMO_USERNAME
from loadtest.management.commands.simulate_class import simulated_session, token_from_server_session
from loadtest.simulator import ClassPlan, FramePool, SimulatedClass


def server_start(host: str, port: int) -> subprocess.Popen:
    argv = [sys.executable, "-m", "daphne", "-b", host, "-p", str(port), "config.asgi:application"]
    # Its own session: Ctrl-C reaches this command only, which stops the students first, then the server.
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(argv, cwd=settings.BASE_DIR, env=env, start_new_session=True)


def server_wait(url: str, server: subprocess.Popen, timeout_s: float = 60) -> None:
    opener = build_opener(ProxyHandler({}))
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise CommandError(f"The server exited with status {server.returncode} (is port {url} free?).")
        try:
            with opener.open(url + "/accounts/login/", timeout=5):
                return
        except OSError:
            time.sleep(0.3)
    raise CommandError(f"The server did not answer on {url} within {timeout_s:g} s.")


def server_stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


class Command(BaseCommand):
    help = "Serve the app with a live demo class of simulated students a teacher can watch (Ctrl-C stops)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--students", type=int, default=8)
        parser.add_argument("--interval", type=float, default=2.0, help="Seconds between one student's frames.")
        parser.add_argument("--teacher", default=DEMO_USERNAME, help="Whose class the demo session is in.")

    def handle(self, *args: Any, **opts: Any) -> None:
        teacher = get_user_model().objects.filter(username=opts["teacher"]).first()
        if teacher is None:
            raise CommandError(
                f"No user {opts['teacher']!r}: run `manage.py ensure_demo_teacher` (fresh embedded database) "
                "or `manage.py createteacher`, or pass --teacher."
            )
        local_host = "127.0.0.1" if opts["host"] in ("0.0.0.0", "::", "") else opts["host"]
        url = f"http://{local_host}:{opts['port']}"
        server = server_start(opts["host"], opts["port"])
        session = None
        try:
            server_wait(url, server)
            session = simulated_session(
                teacher_username=teacher.get_username(),
                interval_s=opts["interval"],
                show_snapshots=True,
                title="Demo class",
            )
            login = f"{teacher.get_username()!r} / {DEMO_PASSWORD!r}" if teacher.check_password(DEMO_PASSWORD) else ""
            self.stdout.write(
                self.style.SUCCESS(f"\nClassroom Pulse demo on {url}\n")
                + f"  Log in:     {url}/accounts/login/  {login or 'as ' + repr(teacher.get_username())}\n"
                + f"  Dashboard:  {url}/sessions/{session.pk}/live/\n"
                + f"  Join code:  {session.code}  ({url}/join/{session.code}/ adds you as a student)\n"
                + f"  {opts['students']} simulated students are joining; Ctrl-C stops the demo.\n"
            )
            plan = ClassPlan(
                urls=[url],
                code=session.code,
                students=opts["students"],
                interval_s=opts["interval"],
                duration_s=None,
                frames=FramePool.synthetic(looks=opts["students"], seed=7, hold=4, dim_share=0.15),
                token_lookup=token_from_server_session,
                name_prefix="Demo student",
                lively=True,
            )
            simulation = SimulatedClass(plan)

            async def main() -> None:
                loop = asyncio.get_running_loop()
                for sig in (signal.SIGINT, signal.SIGTERM):
                    loop.add_signal_handler(sig, simulation.stop)
                await simulation.run()

            asyncio.run(main())
        finally:
            if session is not None:
                services.session_end(session=session)
            server_stop(server)
        self.stdout.write("Demo stopped: the session has ended.")
