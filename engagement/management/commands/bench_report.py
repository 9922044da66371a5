"""`manage.py bench_report [--students 40] [--minutes 60]`: how long the session report takes on a big session.

Seeds a scratch class with one ended session of simulated students (engagement.core.synthetic.lesson: attentive,
confused, away, dark, hidden-tab and paused spells; one reading every --interval seconds), runs the live flag
rules over them to store real flags, adds some student taps, then renders the report page, the JSON export and the
readings CSV through the test client and prints JSON: seconds per render (each run, best and median), the number
of queries per request, and the readings seeded. The scratch data is deleted afterwards unless --keep.
"""

import json
import os
import random
import statistics
import time
import uuid
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from classroom.models import ClassSession, Course, Participant
from engagement.core import rules_for
from engagement.core.signals import quality_of
from engagement.core.synthetic import lesson, replay
from engagement.models import Flag, Reading, SelfReport
from engagement.retention import report_timeline_store
from engagement.rows import as_datetime, flag_row, reading_row


class Command(BaseCommand):
    help = "Seed a scratch session with simulated readings and time the session report."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--students", type=int, default=40)
        parser.add_argument("--minutes", type=int, default=60)
        parser.add_argument("--interval", type=float, default=1.44, help="Seconds between two readings of a student.")
        parser.add_argument("--runs", type=int, default=5, help="Timed renders of each page.")
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--keep", action="store_true", help="Keep the scratch class, session and user.")

    def handle(self, *args, students: int, minutes: int, interval: float, runs: int, seed: int, keep: bool, **_):
        tag = uuid.uuid4().hex[:8]
        user = get_user_model().objects.create_user(username=f"bench-{tag}", is_staff=True)
        course = Course.objects.create(teacher=user, name=f"Bench {tag}")
        try:
            began = time.perf_counter()
            session, seeded = self._seed(course, students=students, minutes=minutes, interval=interval, seed=seed)
            seed_s = time.perf_counter() - began
            client = Client()
            client.force_login(user)
            pages = {
                "report": reverse("engagement:session_report", args=[session.pk]),
                "json": reverse("engagement:report_json", args=[session.pk]),
                "readings_csv": reverse("engagement:readings_csv", args=[session.pk]),
            }
            load = os.getloadavg()
            timings = {name: self._time(client, url, runs) for name, url in pages.items()}
            result = {
                "students": students,
                "minutes": minutes,
                "readings": seeded["readings"],
                "flags": seeded["flags"],
                "self_reports": seeded["reports"],
                "seed_s": round(seed_s, 2),
                "database": connection.vendor,
                "load_average_before": [round(x, 2) for x in load],
                **timings,
            }
            self.stdout.write(json.dumps(result, indent=2))
        finally:
            if not keep:
                course.delete()
                user.delete()

    def _seed(self, course: Course, *, students: int, minutes: int, interval: float, seed: int):
        rng = random.Random(seed)
        rules = rules_for("normal")
        start = (timezone.now() - timedelta(days=1)).replace(microsecond=0)
        t0 = start.timestamp()
        with transaction.atomic():
            session = ClassSession.objects.create(course=course, title="Benchmark", frame_interval_s=interval)
            ClassSession.objects.filter(pk=session.pk).update(
                started_at=start, ended_at=start + timedelta(minutes=minutes), status=ClassSession.Status.ENDED
            )
            session.refresh_from_db()
            participants = Participant.objects.bulk_create(
                Participant(session=session, display_name=f"Student {i + 1:02d}", consented_at=start)
                for i in range(students)
            )
            counts = {"readings": 0, "flags": 0, "reports": 0}
            for participant in participants:
                readings = lesson(participant.pk, start=t0, minutes=minutes, rng=rng, step=interval)
                rows = [reading_row(session.pk, r, quality_of(r, rules=rules)) for r in readings]
                counts["readings"] += len(rows)
                Reading.objects.bulk_create(rows, batch_size=5000)
                _, events = replay(readings, rules=rules)
                counts["flags"] += _flags_store(session.pk, events)
                taps = [
                    SelfReport(
                        session=session,
                        participant=participant,
                        kind=rng.choice(["confused", "too_fast", "all_good"]),
                        t=as_datetime(t0 + rng.uniform(0, minutes * 60)),
                    )
                    for _ in range(rng.randint(0, 3))
                ]
                SelfReport.objects.bulk_create(taps)
                counts["reports"] += len(taps)
        report_timeline_store(session=session)
        return session, counts

    def _time(self, client: Client, url: str, runs: int) -> dict:
        seconds, cpu = [], []
        queries = 0
        for _ in range(runs):
            with CaptureQueriesContext(connection) as ctx:
                began, cpu_began = time.perf_counter(), time.process_time()
                response = client.get(url)
                body = b"".join(response.streaming_content) if response.streaming else response.content
                seconds.append(time.perf_counter() - began)
                cpu.append(time.process_time() - cpu_began)
            if response.status_code != 200:
                raise RuntimeError(f"{url} answered {response.status_code}")
            queries = len(ctx.captured_queries)
        return {
            "runs_s": [round(s, 3) for s in seconds],
            "best_s": round(min(seconds), 3),
            "median_s": round(statistics.median(seconds), 3),
            "cpu_best_s": round(min(cpu), 3),  # this process's CPU time: less sensitive to a busy machine
            "queries": queries,
            "bytes": len(body),
        }


def _flags_store(session_id: int, events) -> int:
    """Raised/cleared events from the live rules, stored as Flag rows the way the live path does (live/flags.py)."""
    open_flags: dict[str, Flag] = {}
    done: list[Flag] = []
    for event in events:
        if event.action == "raised":
            open_flags[event.kind] = flag_row(session_id, event)
        elif event.kind in open_flags:
            flag = open_flags.pop(event.kind)
            flag.cleared_at = as_datetime(event.t)
            done.append(flag)
    done += open_flags.values()
    Flag.objects.bulk_create(done)
    return len(done)
