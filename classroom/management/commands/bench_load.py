"""`manage.py bench_load`: the simulated class against the embedded default and against Redis + workers.

Every process it needs (Daphne, `runworker inference`, the simulator) is started here on free loopback
ports, each under `timeout` in its own process group, and stopped in `finally`; the Redis keys
(own prefix, own db number) and the throwaway PostgreSQL database are removed afterwards.
`Stack` is reused by tests/scale.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from urllib.request import ProxyHandler, build_opener

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from classroom.loopback import free_port, reachable

PYTHON = sys.executable
BENCH_REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
BENCH_POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")


# --- processes


def _proc_field(pid: int, name: str) -> str | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(name + ":"):
                return line.split(":", 1)[1].strip()
    except OSError:
        return None
    return None


def rss_mib(pid: int) -> float | None:
    """The resident set size of a process in MiB, from /proc/<pid>/status (VmRSS), or None if it is gone."""
    value = _proc_field(pid, "VmRSS")
    return round(int(value.split()[0]) / 1024, 1) if value else None


def cpu_s(pid: int) -> float | None:
    """User + system CPU seconds a process has used so far, from /proc/<pid>/stat."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Service:
    """One started process: `timeout` (in a new process group) and the program under it."""

    name: str
    popen: subprocess.Popen
    log_path: Path
    url: str | None = None
    samples: list[float] = field(default_factory=list)

    @property
    def pid(self) -> int:
        """The program's pid (the child of `timeout`), or timeout's own while it has not forked yet."""
        try:
            children = Path(f"/proc/{self.popen.pid}/task/{self.popen.pid}/children").read_text().split()
        except OSError:
            children = []
        return int(children[0]) if children else self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def kill_hard(self) -> None:
        """SIGKILL to the program only, as a crash would (its `timeout` parent then exits too)."""
        os.kill(self.pid, signal.SIGKILL)
        self.popen.wait(timeout=10)

    def stop(self) -> None:
        if self.popen.poll() is None:
            try:
                os.killpg(self.popen.pid, signal.SIGTERM)
                self.popen.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(timeout=10)
            except ProcessLookupError:
                pass

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


class Stack:
    """Server processes on loopback sharing one environment; `close()` stops every one of them."""

    def __init__(self, env: dict[str, str], workdir: Path, *, limit_s: int) -> None:
        self.env = env
        self.workdir = workdir
        self.limit_s = limit_s
        self.services: list[Service] = []

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for service in reversed(self.services):
            service.stop()

    def start(self, name: str, argv: list[str], *, url: str | None = None) -> Service:
        log_path = self.workdir / f"{name}.log"
        with log_path.open("ab") as log:
            popen = subprocess.Popen(
                ["timeout", "-k", "10", str(self.limit_s), *argv],
                env=self.env,
                cwd=settings.BASE_DIR,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        service = Service(name, popen, log_path, url)
        self.services.append(service)
        return service

    def daphne(self, name: str) -> Service:
        port = free_port()
        argv = [PYTHON, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"]
        return self.start(name, argv, url=f"http://127.0.0.1:{port}")

    def worker(self, name: str) -> Service:
        return self.start(name, [PYTHON, "manage.py", "runworker", settings.INFERENCE_CHANNEL])

    def manage(self, *args: str, timeout_s: int = 300) -> str:
        """Runs a management command to the end in this environment; returns its stdout."""
        done = subprocess.run(
            ["timeout", "-k", "10", str(timeout_s), PYTHON, "manage.py", *args],
            env=self.env,
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
        )
        if done.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
        return done.stdout

    def wait_ready(self, timeout_s: float = 60) -> None:
        """Waits until every web process answers its login page and every worker has imported Django."""
        opener = build_opener(ProxyHandler({}))
        deadline = time.monotonic() + timeout_s
        for service in self.services:
            while True:
                if not service.alive():
                    raise RuntimeError(f"{service.name} exited:\n{service.log_tail()}")
                if service.url is None:
                    break  # workers: nothing to ask; they log errors if they cannot start
                try:
                    with opener.open(service.url + "/accounts/login/", timeout=5) as response:
                        if response.status == 200:
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{service.name} did not answer within {timeout_s} s:\n{service.log_tail()}")
                time.sleep(0.2)

    def rss(self) -> dict[str, float | None]:
        return {s.name: rss_mib(s.pid) for s in self.services}

    def cpu(self) -> dict[str, float | None]:
        return {s.name: cpu_s(s.pid) for s in self.services}


# --- environments


def base_env(workdir: Path) -> dict[str, str]:
    """Production-like settings for the bench's own processes (no DEBUG; joins from one address unlimited)."""
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(40),
        SECURE_COOKIES="false",  # plain HTTP on loopback
        SECURE_SSL_REDIRECT="false",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        JOIN_ATTEMPTS_PER_MINUTE="100000",
        LOG_LEVEL="WARNING",
        INFERENCE_THREADS="1",
        DATABASE_URL=f"sqlite:///{workdir / 'bench.sqlite3'}",
        PYTHONUNBUFFERED="1",
    )
    return env


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def postgres_database_create(admin_url: str, *, prefix: str = "pulse_bench") -> str:
    """Creates an empty throwaway database and returns its URL."""
    import psycopg

    name = f"{prefix}_{secrets.token_hex(4)}"
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return with_database(admin_url, name)


def postgres_database_drop(database_url: str) -> None:
    import psycopg

    name = urlsplit(database_url).path.lstrip("/")
    admin_url = with_database(database_url, "postgres")
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def redis_prefix_delete(url: str, prefix: str) -> int:
    import redis

    client = redis.Redis.from_url(url)
    try:
        keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
        return client.delete(*keys) if keys else 0
    finally:
        client.close()


def scaleout_env(env: dict[str, str], redis_url: str, prefix: str, database_url: str | None) -> dict[str, str]:
    env = {**env, "REDIS_URL": redis_url, "CHANNEL_PREFIX": prefix, "CACHE_PREFIX": prefix}
    env["INFERENCE_IN_PROCESS"] = "false"
    if database_url:
        env.update(DATABASE_URL=database_url, DB_CONN_MAX_AGE="60")
    return env


# --- one run


def simulate(stack: Stack, urls: list[str], *, students: int, interval_s: float, duration_s: float) -> dict[str, Any]:
    """Runs `manage.py simulate_class --json` against `urls`; samples RSS of every server process meanwhile."""
    limit = int(duration_s + students * 0.5 + 240)
    argv = [PYTHON, "manage.py", "simulate_class", "--url", ",".join(urls), "--students", str(students)]
    argv += ["--interval", str(interval_s), "--duration", str(duration_s), "--json"]
    out_path = stack.workdir / f"simulate-{students}-{time.monotonic_ns()}.json"
    with out_path.open("wb") as out, (stack.workdir / "simulator.log").open("ab") as err:
        popen = subprocess.Popen(
            ["timeout", "-k", "10", str(limit), *argv],
            env=stack.env,
            cwd=settings.BASE_DIR,
            stdout=out,
            stderr=err,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            peak: dict[str, float] = {}
            samples: list[tuple[float, dict[str, float | None]]] = []  # every 30 s: (seconds since start, RSS)
            began = time.monotonic()
            while popen.poll() is None:
                rss = stack.rss()
                for name, value in rss.items():
                    if value is not None:
                        peak[name] = max(peak.get(name, 0.0), value)
                elapsed = time.monotonic() - began
                if not samples or elapsed - samples[-1][0] >= 30:
                    samples.append((round(elapsed, 1), rss))
                time.sleep(2)
        finally:
            if popen.poll() is None:
                os.killpg(popen.pid, signal.SIGTERM)
                popen.wait(timeout=20)
    lines = out_path.read_text().strip().splitlines()
    if popen.returncode != 0 or not lines:
        tail = (stack.workdir / "simulator.log").read_text(errors="replace")[-3000:]
        raise RuntimeError(f"the simulator failed ({popen.returncode}):\n{tail}")
    return {**json.loads(lines[-1]), "rss_peak_mib": peak, "rss_samples_mib": samples}


def run_setup(
    setup: str,
    *,
    students: int,
    interval_s: float,
    duration_s: float,
    workdir: Path,
    database: str,
    pinned: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Starts the setup's processes, runs one simulated class against them, stops everything."""
    env = {**base_env(workdir), **(pinned or {})}
    prefix = f"pulse-bench-{secrets.token_hex(4)}"
    database_url = None
    if setup == "scaleout":
        database_url = postgres_database_create(BENCH_POSTGRES_URL) if database == "postgresql" else None
        env = scaleout_env(env, BENCH_REDIS_URL, prefix, database_url)
    else:
        env["DATABASE_URL"] = f"sqlite:///{workdir / f'embedded-{students}.sqlite3'}"
    if setup == "scaleout" and database_url is None:
        env["DATABASE_URL"] = f"sqlite:///{workdir / f'scaleout-{students}.sqlite3'}"
    stack = Stack(env, workdir, limit_s=int(duration_s) + 900)
    try:
        stack.manage("migrate", "--noinput", "-v0")
        if setup == "scaleout":
            urls = [stack.daphne("daphne-1").url, stack.daphne("daphne-2").url]
            stack.worker("worker-1")
            stack.worker("worker-2")
        else:
            urls = [stack.daphne("daphne").url]
        stack.wait_ready()
        rss_start, cpu_start, load_start = stack.rss(), stack.cpu(), os.getloadavg()
        result = simulate(
            stack, [u for u in urls if u], students=students, interval_s=interval_s, duration_s=duration_s
        )
        rss_end, cpu_end, load_end = stack.rss(), stack.cpu(), os.getloadavg()
        dead = [s.name for s in stack.services if not s.alive()]
    finally:
        stack.close()
        if setup == "scaleout":
            redis_prefix_delete(BENCH_REDIS_URL, prefix)
            if database_url:
                postgres_database_drop(database_url)
    return {
        "setup": setup,
        "database": "postgresql" if database_url else "sqlite",
        **result,
        "rss_mib": {name: {"start": rss_start[name], "end": rss_end[name]} for name in rss_start},
        "cpu_s": {
            name: round(cpu_end[name] - cpu_start[name], 1)
            for name in cpu_start
            if cpu_start[name] is not None and cpu_end[name] is not None
        },
        "loadavg_1m": {"start": round(load_start[0], 2), "end": round(load_end[0], 2)},
        "died": dead,
    }


# --- what else the machine was doing


def emotion_model_pinned() -> tuple[str, dict[str, str]]:
    """Which emotion model every process of the bench serves, and the environment that pins it for all runs.

    The model is resolved once (a model file appearing mid-bench must not change later runs); without one,
    emotion inference is switched off, which is what a worker without a model file does anyway: presence
    and picture quality only.
    """
    from inference.model import shipped_model_path

    if settings.EMOTION_INFERENCE == "off":
        return "none (EMOTION_INFERENCE=off: presence and quality only)", {"EMOTION_INFERENCE": "off"}
    path = Path(settings.EMOTION_MODEL_PATH) if settings.EMOTION_MODEL_PATH else shipped_model_path()
    if not path.is_file():
        return "none found (presence and quality only)", {"EMOTION_INFERENCE": "off"}
    path = path.resolve()
    label = str(path.relative_to(settings.BASE_DIR)) if path.is_relative_to(settings.BASE_DIR) else str(path)
    return label, {"EMOTION_MODEL_PATH": str(path), "EMOTION_INFERENCE": "on"}


def other_cpu_jobs(markers: tuple[str, ...] = ("inference train",)) -> list[str]:
    """Command lines of running processes that contain any of `markers` (e.g. a training job competing for CPU)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            continue
        if any(marker in cmdline for marker in markers):
            found.append(f"{proc.name} {cmdline[:120]}")
    return found


# --- the command


def table(runs: list[dict[str, Any]]) -> str:
    head = (
        "| setup | students | sent | answered | dropped | errors | p50 ms | p95 ms | max ms | answered/s "
        "| RSS MiB start → end |"
    )
    rows = [head, "|" + "---|" * 11]
    for r in runs:
        rss = ", ".join(f"{n} {v['start']} → {v['end']}" for n, v in r["rss_mib"].items())
        lat = r["latency_ms"]
        dropped = f"{r['dropped']} ({100 * r['dropped'] / r['sent']:.1f} %)" if r["sent"] else "0"
        label = "embedded (1 Daphne, in-process inference, in-memory layer)"
        if r["setup"] == "scaleout":
            label = f"Redis + 2 Daphne + 2 workers, {r['database']}"
        rows.append(
            f"| {label} | {r['students']} | {r['sent']} | {r['updates']} | {dropped} | {r['errors']} | "
            f"{lat['p50']} | {lat['p95']} | {lat['max']} | {r['frames_per_s']} | {rss} |"
        )
    return "\n".join(rows)


def memory_lines(run: dict[str, Any], *, warm_s: float = 60.0) -> str:
    """RSS of each process: before the class, once warm (the first sample at or after `warm_s`), at the end."""
    samples = run["rss_samples_mib"]
    warm = next((rss for t, rss in samples if t >= warm_s), samples[-1][1] if samples else {})
    return "\n".join(
        f"- {name}: {v['start']} MiB before the class, {warm.get(name)} MiB after {warm_s:g} s, "
        f"{v['end']} MiB at the end"
        for name, v in run["rss_mib"].items()
    )


class Command(BaseCommand):
    help = "Load benchmark: the simulated class on the embedded default and on Redis + 2 Daphne + 2 workers."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--students", default="50,200", help="Comma list of class sizes.")
        parser.add_argument("--interval", type=float, default=2.0)
        parser.add_argument("--duration", type=float, default=60.0, help="Seconds of streaming per run.")
        parser.add_argument("--setups", default="embedded,scaleout")
        parser.add_argument("--quick", action="store_true", help="Smoke run: 5 and 20 students, 15 s each.")
        parser.add_argument(
            "--soak",
            action="store_true",
            help="Memory check: 100 students (or --students) for 10 minutes on Redis + workers.",
        )
        parser.add_argument("--json-out", type=Path, help="Also write the runs as JSON here.")

    def handle(self, *args: Any, **opts: Any) -> None:
        setups = [s for s in opts["setups"].split(",") if s]
        sizes = [int(n) for n in opts["students"].split(",") if n]
        if opts["quick"]:
            sizes, opts["duration"] = [5, 20], 15.0
        if opts["soak"]:
            setups, opts["duration"] = ["scaleout"], max(opts["duration"], 600.0)
            sizes = [100] if opts["students"] == "50,200" else sizes
        if "scaleout" in setups and not reachable(BENCH_REDIS_URL, 6379):
            raise CommandError(f"Redis is not reachable at {BENCH_REDIS_URL} (set BENCH_REDIS_URL).")
        database = "postgresql" if reachable(BENCH_POSTGRES_URL, 5432) else "sqlite"
        (model, pinned), competing = emotion_model_pinned(), other_cpu_jobs()
        self.stderr.write(f"emotion model: {model}; other CPU jobs: {competing or 'none'}")
        runs = []
        with tempfile.TemporaryDirectory(prefix="pulse-bench-") as tmp:
            for setup in setups:
                for students in sizes:
                    self.stderr.write(f"== {setup}, {students} students, {opts['duration']:g} s ...")
                    run = run_setup(
                        setup,
                        students=students,
                        interval_s=opts["interval"],
                        duration_s=opts["duration"],
                        workdir=Path(tmp),
                        database=database,
                        pinned=pinned,
                    )
                    self.stderr.write(json.dumps(run))
                    runs.append(run)
        report = {
            "machine": {"cpus": os.cpu_count(), "loadavg": os.getloadavg()},
            "emotion_model": model,
            "other_cpu_jobs": competing,
            "interval_s": opts["interval"],
            "duration_s": opts["duration"],
            "runs": runs,
        }
        self.stdout.write(table(runs))
        if opts["soak"]:
            self.stdout.write("\n" + "\n".join(memory_lines(run) for run in runs))
        self.stdout.write(
            f"\n{os.cpu_count()} CPUs; {opts['interval']:g} s between a student's frames, {opts['duration']:g} s "
            f"per run; emotion model: {model}; other CPU jobs at the start: {len(competing) or 'none'}"
        )
        if opts["json_out"]:
            opts["json_out"].write_text(json.dumps(report, indent=2))
