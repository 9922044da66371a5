"""Small network helpers for the load benchmark and the tests that start servers of their own."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def reachable(url: str, default_port: int) -> bool:
    """Whether something accepts TCP connections at the host and port of `url` (within 2 s)."""
    parts = urlsplit(url)
    try:
        socket.create_connection((parts.hostname or "127.0.0.1", parts.port or default_port), timeout=2).close()
        return True
    except OSError:
        return False
