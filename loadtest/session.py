"""The simulator's side of the server: its own teacher, a fresh live session, the token a join stored.

Runs with the same settings (database, cache) as the server the simulated class targets.
"""

from __future__ import annotations

import asyncio
import secrets
import signal
from importlib import import_module

from django.conf import settings
from django.contrib.auth import get_user_model

from classroom import services
from classroom.models import ClassSession, Course
from classroom.tokens import SESSION_TOKENS_KEY
from loadtest.simulator import Outcome, SimulatedClass

SIMULATOR_USERNAME = "pulse-simulator"


def token_from_server_session(session_key: str, session_id: int) -> str | None:
    """The participant token the join view stored in the server-side session (same settings as the server)."""
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    return store.get(SESSION_TOKENS_KEY, {}).get(str(session_id))


def simulator_teacher(*, staff: bool) -> tuple[str, str]:
    """The simulator's own teacher account with a fresh random password: (username, password).

    Staff only when it must watch someone else's session (--code); its password is made unusable
    again when the run ends (`simulator_teacher_retire`).
    """
    user, _ = get_user_model().objects.get_or_create(username=SIMULATOR_USERNAME)
    password = secrets.token_urlsafe(18)
    user.set_password(password)
    user.is_staff = user.is_staff or staff
    user.save()
    return SIMULATOR_USERNAME, password


def simulator_teacher_retire() -> None:
    user = get_user_model().objects.filter(username=SIMULATOR_USERNAME).first()
    if user is not None:
        user.set_unusable_password()
        user.save(update_fields=["password"])


def simulated_session(
    *,
    teacher_username: str,
    interval_s: float,
    show_snapshots: bool = False,
    title: str = "Simulated class",
    course_name: str | None = None,
) -> ClassSession:
    """A fresh live session titled `title` in the class `course_name` (default: the title) of `teacher_username`
    (created if missing)."""
    teacher = get_user_model().objects.get(username=teacher_username)
    course, _ = Course.objects.get_or_create(teacher=teacher, name=course_name or title)
    return services.session_start(
        course=course,
        title=title,
        frame_interval_s=min(10.0, max(1.0, interval_s)),
        show_snapshots=show_snapshots,
    )


def run_until_done(simulation: SimulatedClass) -> Outcome:
    """Runs the simulation; Ctrl-C or SIGTERM stops the sending and lets it finish cleanly."""

    async def main() -> Outcome:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, simulation.stop)
        return await simulation.run()

    return asyncio.run(main())
