"""What `manage.py demo` does once its simulated students are done: the server outlives the session."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable

from classroom.models import ClassSession


def session_ended_by_teacher(session: ClassSession) -> bool:
    """True when the students stopped because the teacher ended the session (not because of Ctrl-C)."""
    session.refresh_from_db(fields=["status"])
    return session.status != ClassSession.Status.LIVE


def serve_until_interrupted(*, install: Callable[..., object] = signal.signal) -> None:
    """Blocks until Ctrl-C or SIGTERM, so the server keeps answering (the report of the session just ended)."""
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        install(sig, lambda *_: stop.set())
    stop.wait()
