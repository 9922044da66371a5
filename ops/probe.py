"""`python -m ops.probe`: the health-check command of the image, compose and systemd (no Django set-up).

    python -m ops.probe                      GET http://127.0.0.1:$PORT/healthz (PORT default 8000)
    python -m ops.probe URL                  GET URL; healthy on 200
    python -m ops.probe --wait 60 URL        retry until healthy, for up to 60 s (systemd ExecStartPost)
    python -m ops.probe --worker             this host's inference worker wrote a heartbeat to Redis within
                                             READY_WORKER_MAX_AGE_S (REDIS_URL, CACHE_PREFIX from the environment)

Exit status 0 when healthy, 1 otherwise, with one line saying why.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import time
from urllib.error import HTTPError, URLError
from urllib.request import ProxyHandler, build_opener


def http_healthy(url: str) -> tuple[bool, str]:
    try:
        with build_opener(ProxyHandler({})).open(url, timeout=5) as response:
            return response.status == 200, f"{url}: {response.status}"
    except HTTPError as error:
        return False, f"{url}: {error.code}"
    except (URLError, OSError) as error:
        return False, f"{url}: {error}"


def worker_healthy() -> tuple[bool, str]:
    from ops.heartbeat import heartbeat_key, recent_heartbeats

    max_age = float(os.environ.get("READY_WORKER_MAX_AGE_S", "10"))
    host = socket.gethostname().replace("_", "-")
    try:
        beats = recent_heartbeats(
            max_age_s=max_age,
            redis_url=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
            key=heartbeat_key(os.environ.get("CACHE_PREFIX", "pulse")),
        )
    except Exception as error:
        return False, f"Redis: {type(error).__name__}: {error}"
    mine = [beat for beat in beats if beat.worker.startswith(f"{host}-")]
    if not mine:
        return False, f"no heartbeat from a worker on {host} within {max_age:g} s"
    return True, f"{len(mine)} worker(s) on {host}, newest heartbeat {mine[0].age_s:.1f} s ago"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.probe", description=__doc__.splitlines()[0])
    parser.add_argument("url", nargs="?", default=f"http://127.0.0.1:{os.environ.get('PORT', '8000')}/healthz")
    parser.add_argument("--worker", action="store_true", help="check this host's inference worker heartbeat")
    parser.add_argument("--wait", type=float, default=0.0, help="keep trying for this many seconds")
    args = parser.parse_args(argv)
    deadline = time.monotonic() + args.wait
    while True:
        healthy, why = worker_healthy() if args.worker else http_healthy(args.url)
        if healthy or time.monotonic() >= deadline:
            print(why)
            return 0 if healthy else 1
        time.sleep(1)


if __name__ == "__main__":
    sys.exit(main())
