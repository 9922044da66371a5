"""The production shape for real: two Daphne processes and two `runworker inference` processes sharing one
Redis (channel layer and cache) and one PostgreSQL database, driven by the class simulator over real HTTP
and WebSockets. Students stream to both Daphne processes while the teacher watches on one of them.
A second run kills both workers mid-class (SIGKILL) and starts a replacement: the class goes on, and every
update the teacher saw is a stored reading.

Skips without Redis or PostgreSQL (CI has both). Redis: a spare database number and a key prefix of this
run's own (channel layer and cache), so two runs at once never share the inference channel; its keys are
deleted afterwards. PostgreSQL: a throwaway database, dropped afterwards.
"""

import asyncio
import json
import os
import secrets
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from loadtest.browser import teacher_snapshot
from loadtest.frames import FramePool
from loadtest.simulator import ClassPlan, SimulatedClass
from loadtest.stack import (
    Stack,
    base_env,
    postgres_database_create,
    postgres_database_drop,
    redis_prefix_delete,
    scaleout_env,
    with_database,
)
from tests.conftest import need_service

SCALE_REDIS_URL = os.environ.get("TEST_SCALE_REDIS_URL", "redis://127.0.0.1:6379/13")
POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test")
STUDENTS = 4
TEACHER = ("scale-teacher", secrets.token_urlsafe(12))

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.slow, pytest.mark.timeout(150)]

SESSION_SETUP = """
import json
from django.contrib.auth import get_user_model
from loadtest.session import simulated_session
get_user_model().objects.create_user(username={username!r}, password={password!r})
session = simulated_session(teacher_username={username!r}, interval_s=1.0, title="Scale-out test")
print(json.dumps({{"code": session.code, "id": session.pk}}))
"""

READINGS_PER_STUDENT = """
import json
from django.db.models import Count
from engagement.models import Reading
rows = Reading.objects.filter(session_id={session_id}).values("participant_id").annotate(n=Count("id"))
print(json.dumps({{row["participant_id"]: row["n"] for row in rows}}))
"""


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    """Migrated PostgreSQL + Redis keys of its own; Daphne `web-1`, `web-2` and workers `worker-1`, `worker-2`."""
    need_service("Redis", SCALE_REDIS_URL, 6379)
    need_service("PostgreSQL", POSTGRES_URL, 5432)
    prefix = f"pulse-scale-test-{secrets.token_hex(4)}"
    database_url = postgres_database_create(with_database(POSTGRES_URL, "postgres"), prefix="pulse_scale_test")
    try:
        env = scaleout_env(base_env(tmp_path), SCALE_REDIS_URL, prefix, database_url)
        with Stack(env, tmp_path, limit_s=140) as stack:
            stack.manage("migrate", "--noinput", "-v0", timeout_s=90)
            stack.daphne("web-1")
            stack.daphne("web-2")
            stack.worker("worker-1")
            stack.worker("worker-2")
            stack.wait_ready(timeout_s=60)
            yield stack
    finally:
        postgres_database_drop(database_url)
        redis_prefix_delete(SCALE_REDIS_URL, prefix)


def shell_json(stack: Stack, code: str) -> Any:
    """Runs Python in `manage.py shell` with the stack's settings; returns the JSON it printed last."""
    return json.loads(stack.manage("shell", "-v", "0", "-c", code).strip().splitlines()[-1])


def web_urls(stack: Stack) -> list[str]:
    return [s.url for s in stack.services if s.url]


def without_snapshot_image(tile: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in tile.items() if k != "snapshot"}


async def test_two_daphne_two_workers_give_the_teacher_every_student_and_one_dashboard(stack: Stack) -> None:
    web_1, web_2 = web_urls(stack)
    session = shell_json(stack, SESSION_SETUP.format(username=TEACHER[0], password=TEACHER[1]))
    seen_from_web_1: dict[str, Any] = {}

    async def dashboard_on_web_1() -> None:
        seen_from_web_1.update(await teacher_snapshot(web_1, TEACHER, session["id"]))

    plan = ClassPlan(
        urls=[web_1, web_2],  # students alternate between the two Daphne processes
        code=session["code"],
        students=STUDENTS,
        interval_s=1.0,
        duration_s=8.0,
        frames=FramePool.synthetic(looks=STUDENTS, seed=3),
        teacher=TEACHER,
        teacher_url=web_2,  # the simulated teacher watches on web-2 only
        session_id=session["id"],
        grace_s=15.0,
        before_close=dashboard_on_web_1,  # after every frame is answered, before any socket closes
    )
    outcome = await SimulatedClass(plan).run()
    readings = {
        int(pid): n for pid, n in shell_json(stack, READINGS_PER_STUDENT.format(session_id=session["id"])).items()
    }

    assert outcome.errors_by_code == {}
    assert [s.name for s in stack.services if not s.alive()] == []
    students = sorted(outcome.student_urls)
    assert len(students) == STUDENTS
    assert Counter(outcome.student_urls.values()) == {web_1: STUDENTS // 2, web_2: STUDENTS // 2}

    # Every reading the workers stored reached the teacher on web-2, whichever Daphne the student used.
    answered = Counter(frame.participant_id for frame in outcome.frames if frame.latency_s is not None)
    assert sorted(readings) == students
    assert all(readings[pid] > 0 for pid in students)
    assert dict(answered) == readings
    assert outcome.summary["updates"] == sum(readings.values())

    # A teacher opening the dashboard on web-1 sees exactly the tiles web-2's teacher was sent last.
    assert seen_from_web_1["type"] == "snapshot"
    snapshot_tiles = {tile["id"]: tile for tile in seen_from_web_1["students"]}
    assert sorted(snapshot_tiles) == students
    for pid in students:
        assert snapshot_tiles[pid]["status"] not in ("waiting", "disconnected")
        assert without_snapshot_image(snapshot_tiles[pid]) == without_snapshot_image(outcome.teacher_tiles[pid])
    # The class-level numbers count every student, though different workers handled their connects.
    assert seen_from_web_1["timeline"], "no timeline point was stored"
    assert seen_from_web_1["timeline"][-1]["connected"] == STUDENTS


async def test_killed_workers_are_replaced_and_the_class_goes_on_without_losing_stored_readings(stack: Stack) -> None:
    web_1, web_2 = web_urls(stack)
    session = shell_json(stack, SESSION_SETUP.format(username=TEACHER[0], password=TEACHER[1]))
    plan = ClassPlan(
        urls=[web_1, web_2],
        code=session["code"],
        students=STUDENTS,
        interval_s=1.0,
        duration_s=10.0,
        frames=FramePool.synthetic(looks=STUDENTS, seed=5),
        teacher=TEACHER,
        teacher_url=web_1,
        session_id=session["id"],
        grace_s=40.0,  # frames sent while no worker listens wait in Redis for the replacement
    )
    simulation = SimulatedClass(plan)
    running = asyncio.create_task(simulation.run())
    while sum(f.latency_s is not None for f in simulation.book.all_frames()) < STUDENTS:  # noqa: ASYNC110
        await asyncio.sleep(0.2)  # polls the simulator's book; the pytest timeout bounds the wait

    workers = [s for s in stack.services if s.name.startswith("worker-")]
    for worker in workers:
        await asyncio.to_thread(worker.kill_hard)  # SIGKILL, mid-batch or not: nothing listens on the channel now
    assert [w.alive() for w in workers] == [False, False]
    killed_at = time.time()
    stack.worker("worker-3")
    outcome = await running
    readings = {
        int(pid): n for pid, n in shell_json(stack, READINGS_PER_STUDENT.format(session_id=session["id"])).items()
    }

    assert outcome.errors_by_code == {}
    students = sorted(outcome.student_urls)
    assert len(students) == STUDENTS
    answered = Counter(frame.participant_id for frame in outcome.frames if frame.latency_s is not None)
    answered_after_kill = Counter(
        frame.participant_id for frame in outcome.frames if frame.latency_s is not None and frame.sent_wall > killed_at
    )
    # The replacement worker carried every student on.
    assert sorted(answered_after_kill) == students
    # Every update the teacher saw is a stored reading; at most the killed workers' batch in flight went unanswered.
    assert sorted(readings) == students
    for pid in students:
        assert answered[pid] <= readings[pid] <= answered[pid] + 1
