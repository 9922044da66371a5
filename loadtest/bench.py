"""The load benchmark (`manage.py bench_load`): the simulated class against the embedded default and against
Redis + 2 Daphne + 2 workers, with what each server process used.

Every process it needs is started on free loopback ports (loadtest/stack.py) and stopped in `finally`; the
Redis keys (own prefix, own db number) and the throwaway PostgreSQL database are removed afterwards.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from django.conf import settings

from loadtest.loopback import reachable
from loadtest.stack import (
    PYTHON,
    Stack,
    base_env,
    postgres_database_create,
    postgres_database_drop,
    redis_prefix_delete,
    scaleout_env,
)

BENCH_REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
BENCH_POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")


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
    from inference import shipped_model_path

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


def load_bench(
    *, setups: list[str], sizes: list[int], interval_s: float, duration_s: float, say: Any = print
) -> dict[str, Any]:
    """Runs every setup at every class size; returns the JSON report ({"machine", "emotion_model",
    "other_cpu_jobs", "interval_s", "duration_s", "runs": [run_setup(...)]}). `say` gets progress lines."""
    if "scaleout" in setups and not reachable(BENCH_REDIS_URL, 6379):
        raise RuntimeError(f"Redis is not reachable at {BENCH_REDIS_URL} (set BENCH_REDIS_URL).")
    database = "postgresql" if reachable(BENCH_POSTGRES_URL, 5432) else "sqlite"
    (model, pinned), competing = emotion_model_pinned(), other_cpu_jobs()
    say(f"emotion model: {model}; other CPU jobs: {competing or 'none'}")
    runs = []
    with tempfile.TemporaryDirectory(prefix="pulse-bench-") as tmp:
        for setup in setups:
            for students in sizes:
                say(f"== {setup}, {students} students, {duration_s:g} s ...")
                run = run_setup(
                    setup,
                    students=students,
                    interval_s=interval_s,
                    duration_s=duration_s,
                    workdir=Path(tmp),
                    database=database,
                    pinned=pinned,
                )
                say(json.dumps(run))
                runs.append(run)
    return {
        "machine": {"cpus": os.cpu_count(), "loadavg": os.getloadavg()},
        "emotion_model": model,
        "other_cpu_jobs": competing,
        "interval_s": interval_s,
        "duration_s": duration_s,
        "runs": runs,
    }
