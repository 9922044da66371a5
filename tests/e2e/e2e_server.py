"""A real Classroom Pulse server in a subprocess: daphne on the embedded default (SQLite, in-memory
channel layer, inference in the web process), on a port of its own, restartable on that same port."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 60.0


def server_env(database: Path) -> dict[str, str]:
    """The environment of an embedded deployment with its own SQLite file (no Redis, whatever the caller has)."""
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(
        DATABASE_URL=f"sqlite:///{database}",
        DEBUG="true",
        SECRET_KEY="e2e-tests-only",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        INFERENCE_IN_PROCESS="true",
        EMOTION_INFERENCE="per-session",
        JOIN_ATTEMPTS_PER_MINUTE="100",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
        # Two cores: keep the model and OpenCV to one thread each, next to the browser.
        INFERENCE_THREADS="1",
        OMP_NUM_THREADS="1",
        TF_CPP_MIN_LOG_LEVEL="2",
    )
    return env


SHIPPED_MODEL = REPO / "inference" / "weights" / "emotion.tflite"
_STAND_IN_MODEL = """
import sys
from pathlib import Path
from inference.training.architecture import build_classifier
from inference.training.keras_model import export_serving_model
out = Path(sys.argv[1])
build_classifier(widths=(8, 16), dropout=0.0).save(out.with_suffix(".keras"))
export_serving_model(out.with_suffix(".keras"), out, quantize=False)
"""


def stand_in_model_build(path: Path) -> subprocess.Popen[bytes]:
    """Start building a tiny untrained .tflite emotion model at path, for servers without the shipped one.
    Its labels mean nothing; the pages, sockets and worker run exactly as with the real model."""
    return subprocess.Popen(
        [sys.executable, "-c", _STAND_IN_MODEL, str(path)],
        cwd=REPO,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=REPO, env=env, check=True, capture_output=True)


class LiveServer:
    """`python -m daphne config.asgi:application` on 127.0.0.1:port, logging to log_path."""

    def __init__(self, *, env: dict[str, str], port: int, log_path: Path) -> None:
        self.env = env
        self.port = port
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port), "config.asgi:application"],
            cwd=REPO,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        self._wait_until_serving()

    def stop(self) -> None:
        """Kill the process the way a crash or a redeploy would: the sockets drop without a goodbye."""
        if self.process is None:
            return
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def _wait_until_serving(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/accounts/login/", timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        raise RuntimeError(f"the server did not answer within {START_TIMEOUT_S:.0f} s:\n{self.log_tail()}")

    def log_tail(self, chars: int = 4000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path.exists() else ""
