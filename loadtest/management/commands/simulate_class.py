"""`manage.py simulate_class`: a simulated class against a running server, with latency figures.

Runs with the same settings (database, cache) as the server it targets: without --code it creates
its own teacher, class and live session there, and ends the session afterwards.
"""

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from classroom import services
from loadtest.frames import FramePool
from loadtest.session import (
    run_until_done,
    simulated_session,
    simulator_teacher,
    simulator_teacher_retire,
    token_from_server_session,
)
from loadtest.simulator import ClassPlan, SimulatedClass


class Command(BaseCommand):
    help = "Simulate a class: N students join over HTTP and stream snapshots; a teacher socket times each frame."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="Server URL; a comma list spreads students.")
        parser.add_argument(
            "--teacher-url", default="", help="Where the teacher socket connects (default: first --url)."
        )
        parser.add_argument("--code", default="", help="Join code of a live session (default: create one).")
        parser.add_argument("--students", type=int, default=10)
        parser.add_argument("--interval", type=float, default=2.0, help="Seconds between one student's frames.")
        parser.add_argument("--duration", type=float, default=30.0, help="Seconds of streaming (0: until Ctrl-C).")
        parser.add_argument("--grace", type=float, default=5.0, help="Seconds to wait for late updates.")
        parser.add_argument("--images", type=Path, help="Folder of .jpg/.png faces (default: drawn faces).")
        parser.add_argument("--teacher", default="", help="Teacher username (default: the simulator's own).")
        parser.add_argument("--password", default="")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--join-concurrency", type=int, default=8)
        parser.add_argument("--trace", type=Path, help="Write one JSON line per sent frame here.")
        parser.add_argument("--json", action="store_true", help="Print only the JSON result.")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["students"] < 1 or opts["interval"] <= 0:
            raise CommandError("--students must be at least 1 and --interval positive.")
        if bool(opts["teacher"]) != bool(opts["password"]):
            raise CommandError("Give --teacher and --password together.")
        urls = [u.strip().rstrip("/") for u in opts["url"].split(",") if u.strip()]
        frames = (
            FramePool.from_directory(opts["images"])
            if opts["images"]
            else FramePool.synthetic(looks=min(opts["students"], 24), seed=opts["seed"])
        )
        own_teacher = not opts["teacher"]
        teacher = simulator_teacher(staff=bool(opts["code"])) if own_teacher else (opts["teacher"], opts["password"])
        session = None
        if opts["code"]:
            code, session_id = opts["code"], None
        else:
            session = simulated_session(teacher_username=teacher[0], interval_s=opts["interval"])
            code, session_id = session.code, session.pk
        plan = ClassPlan(
            urls=urls,
            code=code,
            students=opts["students"],
            interval_s=opts["interval"],
            duration_s=opts["duration"] or None,
            frames=frames,
            teacher=teacher,
            teacher_url=opts["teacher_url"] or None,
            session_id=session_id,
            grace_s=opts["grace"],
            join_concurrency=opts["join_concurrency"],
            token_lookup=token_from_server_session,
            seed=opts["seed"],
        )
        try:
            outcome = run_until_done(SimulatedClass(plan))
        finally:
            if session is not None:
                services.session_end(session=session)
            if own_teacher:
                simulator_teacher_retire()
        if opts["trace"]:
            with opts["trace"].open("w") as out:
                for f in outcome.frames:
                    out.write(json.dumps(f.__dict__) + "\n")
        result = {**outcome.summary, "errors_by_code": outcome.errors_by_code, "join_s": outcome.join_s}
        if not opts["json"]:
            lat = result["latency_ms"]
            self.stderr.write(
                f"{result['students']} students on {', '.join(urls)} (code {code}): sent {result['sent']}, "
                f"answered {result['updates']}, dropped {result['dropped']}, errors {result['errors']}; "
                f"latency p50 {lat['p50']} ms, p95 {lat['p95']} ms, max {lat['max']} ms"
            )
        sys.stdout.write(json.dumps(result) + "\n")
