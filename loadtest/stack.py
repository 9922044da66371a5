"""Server processes on loopback for the load benchmark, the demo and the scale-out tests: Daphne and
`runworker inference` processes, each under `timeout` in its own process group and stopped by `Stack.close()`;
the environments they run in; throwaway PostgreSQL databases and Redis key prefixes.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from urllib.request import ProxyHandler, build_opener

from django.conf import settings

from loadtest.loopback import free_port

PYTHON = sys.executable


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
    """Server processes on loopback sharing one environment; `close()` stops every one of them.

    Each runs under `timeout` for at most `limit_s` seconds (0: no limit) and logs to `workdir`/<name>.log.
    """

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

    def daphne(self, name: str, *, host: str = "127.0.0.1", port: int | None = None) -> Service:
        """A Daphne process serving the app on host:port (a free loopback port by default)."""
        port = port or free_port()
        argv = [PYTHON, "-m", "daphne", "-b", host, "-p", str(port), "config.asgi:application"]
        local_host = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
        return self.start(name, argv, url=f"http://{local_host}:{port}")

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
        JOINS_PER_ADDRESS_PER_MINUTE="100000",
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
