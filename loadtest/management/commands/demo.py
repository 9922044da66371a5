"""`manage.py demo`: the server plus a live demo class of simulated students, until Ctrl-C.

Starts Daphne (the embedded default unless the environment says otherwise) as a child process,
opens a live session in a class of the demo teacher, and lets simulated students join it through
the join page and stream drawn faces, pausing and tapping the voice buttons now and then. When the
teacher ends the session the students leave but the server stays up (its report is one click away)
until Ctrl-C.
"""

import os
import tempfile
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from classroom import services
from classroom.demo import DEMO_PASSWORD, DEMO_USERNAME
from loadtest.demo import serve_until_interrupted, session_ended_by_teacher
from loadtest.frames import FramePool
from loadtest.session import run_until_done, simulated_session, token_from_server_session
from loadtest.simulator import ClassPlan, SimulatedClass
from loadtest.stack import Stack


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
        session = None
        # The server runs in its own process group: Ctrl-C reaches this command only, which stops the
        # students first, then the server.
        with (
            tempfile.TemporaryDirectory(prefix="pulse-demo-") as logs,
            Stack({**os.environ, "PYTHONUNBUFFERED": "1"}, Path(logs), limit_s=0) as stack,
        ):
            server = stack.daphne("server", host=opts["host"], port=opts["port"])
            url = server.url or ""
            try:
                stack.wait_ready()
            except RuntimeError as exc:
                raise CommandError(f"The server did not start (is port {opts['port']} free?): {exc}") from exc
            try:
                session = simulated_session(
                    teacher_username=teacher.get_username(),
                    interval_s=opts["interval"],
                    show_snapshots=True,
                    course_name="Demo class",
                    title="Demo lesson",
                )
                known_login = teacher.check_password(DEMO_PASSWORD)
                login = f"{teacher.get_username()!r} / {DEMO_PASSWORD!r}" if known_login else ""
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
                run_until_done(SimulatedClass(plan))
                if session_ended_by_teacher(session):
                    self.stdout.write(
                        "\nThe demo session has ended; the server keeps running for its report:\n"
                        + f"  Report:     {url}/reports/sessions/{session.pk}/\n"
                        + "  Ctrl-C stops the server.\n"
                    )
                    serve_until_interrupted()
            finally:
                if session is not None:
                    services.session_end(session=session)
        self.stdout.write("Demo stopped: the session has ended.")
