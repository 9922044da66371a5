"""The probes and metrics of the production layout for real: two Daphne and two `runworker inference`
processes on a private Redis (a redis-server this test starts and stops) and PostgreSQL (the machine's, behind a
TCP gate this test closes), with one shared PROMETHEUS_MULTIPROC_DIR.

/readyz answers 200 with everything up and 503, saying which check failed, while Redis or the database is down
or no worker has beaten within READY_WORKER_MAX_AGE_S; it recovers when they come back. /metrics, from either
web process, counts a simulated class's snapshots end to end, from the sockets to the stored readings.
"""

import asyncio
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.error import HTTPError
from urllib.parse import urlsplit
from urllib.request import ProxyHandler, build_opener

import pytest

from loadtest.frames import FramePool
from loadtest.simulator import ClassPlan, SimulatedClass
from loadtest.stack import (
    Stack,
    base_env,
    postgres_database_create,
    postgres_database_drop,
    scaleout_env,
    with_database,
)
from tests.conftest import REQUIRE_SERVICES, need_service
from tests.ops.gate import TcpGate
from tests.scale.test_multiprocess import SESSION_SETUP, shell_json
from tests.security.test_faults import PrivateRedis

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test")
WORKER_MAX_AGE_S = 4
TEACHER = ("probe-teacher", secrets.token_urlsafe(12))
STUDENTS = 2

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.slow, pytest.mark.timeout(300)]
_http = build_opener(ProxyHandler({}))


@dataclass
class ProbedStack:
    stack: Stack
    redis: PrivateRedis
    database: TcpGate

    def web_urls(self) -> list[str]:
        return [s.url for s in self.stack.services if s.url]


def get(url: str) -> tuple[int, str]:
    try:
        with _http.open(url, timeout=15) as response:
            return response.status, response.read().decode()
    except HTTPError as error:
        return error.code, error.read().decode()


def readyz(url: str) -> tuple[int, dict[str, Any]]:
    status, body = get(url + "/readyz")
    return status, json.loads(body)


def until(probe: Callable[[], Any], done: Callable[[Any], bool], *, timeout_s: float, what: str) -> Any:
    """Calls `probe` until `done(result)`; real processes move on their own clocks, so this waits, bounded."""
    deadline = time.monotonic() + timeout_s
    while True:
        result = probe()
        if done(result):
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: still {result!r} after {timeout_s} s")
        time.sleep(0.2)


def failing_checks(answer: tuple[int, dict[str, Any]]) -> set[str]:
    return {name for name, check in answer[1]["checks"].items() if not check["ok"]}


@pytest.fixture(scope="module")
def probed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProbedStack]:
    if shutil.which("redis-server") is None:
        if REQUIRE_SERVICES:
            pytest.fail("redis-server is not installed (PULSE_REQUIRE_SERVICES=1)")
        pytest.skip("redis-server is not installed")
    need_service("PostgreSQL", POSTGRES_URL, 5432)
    workdir = tmp_path_factory.mktemp("probes")
    redis = PrivateRedis()
    redis.start()
    database_url = postgres_database_create(with_database(POSTGRES_URL, "postgres"), prefix="pulse_probe_test")
    parts = urlsplit(database_url)
    gate = TcpGate(parts.hostname or "127.0.0.1", parts.port or 5432)
    gate.open()
    gated_url = database_url.replace(f"{parts.hostname}:{parts.port or 5432}", f"127.0.0.1:{gate.port}", 1)
    if parts.port is None:
        gated_url = database_url.replace(f"@{parts.hostname}/", f"@127.0.0.1:{gate.port}/", 1)
    env = scaleout_env(base_env(workdir), redis.url, f"pulse-probe-{secrets.token_hex(4)}", gated_url)
    env.update(
        PROMETHEUS_MULTIPROC_DIR=str(workdir / "metrics"),
        WORKER_HEARTBEAT_S="0.5",
        READY_WORKER_MAX_AGE_S=str(WORKER_MAX_AGE_S),
        DB_CONNECT_TIMEOUT_S="2",
    )
    (workdir / "metrics").mkdir()
    try:
        with Stack(env, workdir, limit_s=290) as stack:
            stack.manage("migrate", "--noinput", "-v0", timeout_s=120)
            stack.daphne("web-1")
            stack.daphne("web-2")
            stack.worker("worker-1")
            stack.worker("worker-2")
            stack.wait_ready(timeout_s=90)
            yield ProbedStack(stack, redis, gate)
    finally:
        gate.close()
        redis.stop()
        postgres_database_drop(database_url)


def test_every_web_process_is_live_and_ready_with_both_workers(probed: ProbedStack) -> None:
    for url in probed.web_urls():
        assert get(url + "/healthz") == (200, '{"status": "ok"}')
        _, body = until(
            lambda url=url: readyz(url),
            lambda answer: answer[0] == 200 and answer[1]["checks"]["workers"]["detail"].startswith("2 alive"),
            timeout_s=90,
            what="both workers' heartbeats",
        )
        assert body["status"] == "ok"
        assert {name: check["ok"] for name, check in body["checks"].items()} == {
            "database": True,
            "cache": True,
            "channel_layer": True,
            "workers": True,
        }
        assert body["checks"]["database"]["detail"] == "postgresql"
        assert body["checks"]["channel_layer"]["detail"] == "RedisChannelLayer"


def probe(probed: ProbedStack, *args: str) -> subprocess.CompletedProcess:
    """`python -m ops.probe` (the image's and compose's health-check command) in the stack's environment."""
    return subprocess.run(
        [sys.executable, "-m", "ops.probe", *args], env=probed.stack.env, capture_output=True, text=True, timeout=60
    )


def test_the_health_check_command_sees_the_web_processes_and_the_workers(probed: ProbedStack) -> None:
    for url in probed.web_urls():
        done = probe(probed, url + "/readyz")
        assert done.returncode == 0, done.stdout
    done = probe(probed, "--worker")
    assert done.returncode == 0, done.stdout
    assert re.match(r"2 worker\(s\) on \S+, newest heartbeat \d+\.\d s ago", done.stdout)


def samples(text: str, name: str) -> dict[str, float]:
    """Every sample of the metric `name` in Prometheus text: {'{labels}': value}."""
    found = {}
    for line in text.splitlines():
        match = re.match(rf"^{re.escape(name)}(\{{[^}}]*\}})? (\S+)$", line)
        if match:
            found[match.group(1) or ""] = float(match.group(2))
    return found


def total(text: str, name: str, **labels: str) -> float:
    wanted = [f'{key}="{value}"' for key, value in labels.items()]
    return sum(v for k, v in samples(text, name).items() if all(w in k for w in wanted))


async def test_metrics_count_a_streamed_class_end_to_end_on_every_web_process(probed: ProbedStack) -> None:
    web_1, web_2 = probed.web_urls()
    session = shell_json(probed.stack, SESSION_SETUP.format(username=TEACHER[0], password=TEACHER[1]))
    during: dict[str, str] = {}

    async def metrics_while_connected() -> None:
        during["text"] = (await asyncio.to_thread(get, web_1 + "/metrics"))[1]

    plan = ClassPlan(
        urls=[web_1, web_2],
        code=session["code"],
        students=STUDENTS,
        interval_s=1.0,
        duration_s=4.0,
        frames=FramePool.synthetic(looks=STUDENTS, seed=11),
        teacher=TEACHER,
        teacher_url=web_2,
        session_id=session["id"],
        grace_s=20.0,
        before_close=metrics_while_connected,
    )
    outcome = await SimulatedClass(plan).run()
    assert outcome.errors_by_code == {}
    sent = len(outcome.frames)
    assert sent >= STUDENTS

    # Both Daphne processes had sockets open: each answer sums them (livesum over the shared directory).
    assert total(during["text"], "pulse_open_sockets", role="student") == STUDENTS
    assert total(during["text"], "pulse_open_sockets", role="teacher") == 1

    def settled(text: str) -> bool:
        done = sum(
            total(text, name, kind="image")
            for name in (
                "pulse_snapshots_analyzed_total",
                "pulse_snapshots_superseded_total",
                "pulse_snapshots_lost_total",
            )
        )
        return total(text, "pulse_snapshots_received_total", kind="image") == sent == done

    text = until(lambda: get(web_1 + "/metrics")[1], settled, timeout_s=30, what="every sent snapshot accounted for")
    analyzed = total(text, "pulse_snapshots_analyzed_total", kind="image")
    assert analyzed >= 1 and total(text, "pulse_snapshots_lost_total") == 0
    assert total(text, "pulse_snapshot_latency_seconds_count") == analyzed
    assert total(text, "pulse_batch_size_sum") == analyzed
    assert total(text, "pulse_inference_seconds_count") >= 1
    assert total(text, "pulse_refused_total") == 0
    # One queue series per worker process that received snapshots, labelled with its host-pid; all drained.
    queues = samples(text, "pulse_worker_queue_snapshots")
    assert queues and set(queues.values()) == {0.0}
    worker_pids = {str(s.pid) for s in probed.stack.services if s.name.startswith("worker-")}
    assert {re.fullmatch(r'\{channel="inference",pid="[\w.-]+-(\d+)"\}', labels)[1] for labels in queues} <= worker_pids
    # The other web process reads the same shared directory: the same totals.
    other = get(web_2 + "/metrics")[1]
    for name in ("pulse_snapshots_received_total", "pulse_snapshots_analyzed_total", "pulse_batch_size_count"):
        assert total(other, name) == total(text, name), name
    assert total(other, "pulse_open_sockets") == 0  # every socket closed


def test_readyz_fails_while_redis_is_down_and_recovers(probed: ProbedStack) -> None:
    web_1 = probed.web_urls()[0]
    probed.redis.stop()
    try:
        answer = until(lambda: readyz(web_1), lambda a: a[0] == 503, timeout_s=30, what="readyz with Redis down")
        assert failing_checks(answer) >= {"cache", "channel_layer", "workers"}
        assert "database" not in failing_checks(answer)
        assert get(web_1 + "/healthz")[0] == 200
    finally:
        probed.redis.start()
    until(lambda: readyz(web_1), lambda a: a[0] == 200, timeout_s=60, what="readyz after Redis came back")


def test_readyz_fails_while_the_database_is_down_and_recovers(probed: ProbedStack) -> None:
    web_1 = probed.web_urls()[0]
    probed.database.close()
    try:
        answer = until(lambda: readyz(web_1), lambda a: a[0] == 503, timeout_s=30, what="readyz with the database down")
        assert failing_checks(answer) == {"database"}
        assert get(web_1 + "/healthz")[0] == 200
    finally:
        probed.database.open()
    until(lambda: readyz(web_1), lambda a: a[0] == 200, timeout_s=60, what="readyz after the database came back")


def test_readyz_fails_when_no_worker_has_a_recent_heartbeat(probed: ProbedStack) -> None:
    web_1 = probed.web_urls()[0]
    analyzed = total(get(web_1 + "/metrics")[1], "pulse_snapshots_analyzed_total")
    for worker in [s for s in probed.stack.services if s.name.startswith("worker-")]:
        worker.kill_hard()
    answer = until(lambda: readyz(web_1), lambda a: a[0] == 503, timeout_s=WORKER_MAX_AGE_S + 30, what="readyz")
    assert failing_checks(answer) == {"workers"}
    assert answer[1]["checks"]["workers"]["detail"] == f"no inference worker heartbeat within {WORKER_MAX_AGE_S} s"
    assert get(web_1 + "/healthz")[0] == 200
    done = probe(probed, "--worker")
    assert done.returncode == 1 and done.stdout.startswith("no heartbeat from a worker on ")
    # The killed workers' counts stay counted.
    assert total(get(web_1 + "/metrics")[1], "pulse_snapshots_analyzed_total") == analyzed
