"""Each student's live record in the shared cache (Redis in production), and the locks that keep two workers
from writing one record at once.

Every process reads and writes the same records, so a record crosses process (and release) boundaries: it is
stored as a plain, versioned dict (`StudentRecord.to_dict`), never as a pickled class.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache

from engagement import core

log = logging.getLogger(__name__)

RECORD_VERSION = 1
STATE_TTL_S = 12 * 3600
# Several workers may hold messages of one student at once: each loads, updates and saves that student's record
# under a lock in the shared cache. A lock outlives a crashed holder by at most STUDENT_LOCK_TTL_S.
STUDENT_LOCK_TTL_S = 30
STUDENT_LOCK_WAIT_S = 5.0


def student_key(participant_id: int) -> str:
    return f"pulse:student:{participant_id}"


def alert_key(session_id: int) -> str:
    """Where the session's class-alert state (core.ClassAlertState.to_dict()) is kept."""
    return f"pulse:session:{session_id}:alert"


def socket_key(participant_id: int) -> str:
    """A counter of the student's live sockets, the number of the newest one (`socket_claim`)."""
    return f"pulse:socket:{participant_id}"


def socket_claim(participant_id: int) -> int:
    """The number of a socket the student is opening: higher than any of theirs before, atomically (one Redis
    INCR; the in-memory cache increments under its lock), so among sockets connecting at once exactly one is the
    newest."""
    key = socket_key(participant_id)
    cache.add(key, 0, timeout=STATE_TTL_S)
    try:
        return cache.incr(key)
    except ValueError:  # the counter expired between the two calls
        cache.add(key, 0, timeout=STATE_TTL_S)
        return cache.incr(key)


def socket_is_newest(participant_id: int, number: int) -> bool:
    return cache.get(socket_key(participant_id)) == number


def refreshed_key(session_id: int) -> str:
    """Present while the session's timeline was refreshed less than SESSION_REFRESH_S ago, by any process."""
    return f"pulse:refreshed:{session_id}"


@dataclass
class StudentRecord:
    """What the live path remembers about one student between messages."""

    participant_id: int
    name: str
    connected: bool = False
    channel: str | None = None  # the reply channel of their open socket
    socket: int = 0  # the number (socket_claim) of the newest socket whose connect was handled
    state: core.StudentState | None = None
    flag_ids: dict[str, int] = field(default_factory=dict)  # kind -> id of the Flag row that is up
    last_report: dict[str, Any] | None = None  # {"kind", "text", "t"}
    quality: str | None = None  # of their last snapshot, as last told to them

    def to_dict(self) -> dict[str, Any]:
        return {
            "v": RECORD_VERSION,
            "participant_id": self.participant_id,
            "name": self.name,
            "connected": self.connected,
            "channel": self.channel,
            "socket": self.socket,
            "state": None if self.state is None else self.state.to_dict(),
            "flag_ids": dict(self.flag_ids),
            "last_report": self.last_report,
            "quality": self.quality,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> StudentRecord | None:
        """The record `to_dict` wrote; None for a record of another version (the caller starts a new one).

        A student state of a version this release does not know (or cannot read) is dropped with a warning:
        the student's rules start afresh instead of the class breaking.
        """
        # Records written before the version field existed have version 1's fields.
        version = d.get("v", 1) if isinstance(d, dict) else None
        if version != RECORD_VERSION:
            log.warning("a live record of version %r dropped (this release reads %d)", version, RECORD_VERSION)
            return None
        state = None
        if d["state"]:
            try:
                state = core.StudentState.from_dict(d["state"])
            except (ValueError, KeyError, TypeError) as exc:
                log.warning("student %s: unreadable live state (%s); starting afresh", d["participant_id"], exc)
        return cls(
            participant_id=int(d["participant_id"]),
            name=str(d["name"]),
            connected=bool(d["connected"]),
            channel=d["channel"],
            socket=int(d.get("socket", 0)),  # absent from records written before it existed
            state=state,
            flag_ids={str(kind): int(flag_id) for kind, flag_id in d["flag_ids"].items()},
            last_report=d["last_report"],
            quality=d["quality"],
        )


def records_load(participant_ids: Sequence[int]) -> dict[int, StudentRecord]:
    """The records found for these students (one round trip); students without a readable record are left out."""
    found = cache.get_many([student_key(pid) for pid in participant_ids])
    records = {}
    for pid in participant_ids:
        stored = found.get(student_key(pid))
        record = StudentRecord.from_dict(stored) if stored is not None else None
        if record is not None:
            records[pid] = record
    return records


def records_save(records: Iterable[StudentRecord]) -> None:
    cache.set_many({student_key(r.participant_id): r.to_dict() for r in records}, timeout=STATE_TTL_S)


def record_forget(participant_id: int) -> None:
    """Deletes the student's live record (name, state, last note) and their socket counter."""
    cache.delete_many([student_key(participant_id), socket_key(participant_id)])


@contextmanager
def students_locked(participant_ids: Iterable[int]) -> Iterator[None]:
    """Holds the shared-cache locks of these students (taken in id order, so two holders never deadlock).

    A lock still held by another process after STUDENT_LOCK_WAIT_S is passed over with a warning: a stale
    record is better than a stalled worker.
    """
    token = secrets.token_hex(8)
    keys = [f"pulse:lock:student:{pid}" for pid in sorted(set(participant_ids))]
    held: list[str] = []
    deadline = time.monotonic() + STUDENT_LOCK_WAIT_S
    try:
        if hasattr(cache, "add_in_order"):  # the Redis cache: the uncontended case in one round trip
            held = keys[: cache.add_in_order(keys, token, timeout=STUDENT_LOCK_TTL_S)]
        for key in keys[len(held) :]:
            while not cache.add(key, token, timeout=STUDENT_LOCK_TTL_S):
                if time.monotonic() > deadline:
                    log.warning("%s is held by another worker for over %.0f s; going on", key, STUDENT_LOCK_WAIT_S)
                    break
                time.sleep(0.002)
            else:
                held.append(key)
        yield
    finally:
        if held:
            cache.delete_many(held)
