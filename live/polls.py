"""A poll's live results, sent to the teacher coalesced: at most once per POLL_RESULTS_EVERY_S per poll,
however many answers come (one message per answer let one student flood the dashboard).

The first answer after a push claims the next one in the shared cache (any web process may hold the answers);
the claimer waits, gives the claim back, then reads the results: an answer stored before that read is in them,
and one stored after it claims a push of its own.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from channels.db import database_sync_to_async
from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError

from classroom.broadcast import LAYER_ERRORS
from classroom.groups import teachers_group
from engagement.models import Poll
from engagement.services import poll_dict

log = logging.getLogger(__name__)

_pushes: set[asyncio.Task[None]] = set()  # held here so that the event loop does not drop them half-way


def poll_push_key(poll_id: int) -> str:
    return f"pulse:poll:{poll_id}:push"


def _push_claim(poll_id: int) -> bool:
    return cache.add(poll_push_key(poll_id), 1, timeout=int(settings.POLL_RESULTS_EVERY_S) + 10)


def _results_after_claim(poll_id: int) -> dict[str, Any] | None:
    cache.delete(poll_push_key(poll_id))
    poll = Poll.objects.filter(pk=poll_id).first()
    return None if poll is None else poll_dict(poll)


async def poll_results_soon(layer: Any, session_id: int, poll_id: int) -> None:
    """Makes sure the teacher gets this poll's results within POLL_RESULTS_EVERY_S, once for many answers."""
    if await database_sync_to_async(_push_claim)(poll_id):
        task = asyncio.get_running_loop().create_task(_push_later(layer, session_id, poll_id))
        _pushes.add(task)
        task.add_done_callback(_pushes.discard)


async def _push_later(layer: Any, session_id: int, poll_id: int) -> None:
    await asyncio.sleep(settings.POLL_RESULTS_EVERY_S)
    try:
        poll = await database_sync_to_async(_results_after_claim)(poll_id)
        if poll is not None:
            await layer.group_send(teachers_group(session_id), {"type": "poll.results", "poll": poll})
    except (*LAYER_ERRORS, DatabaseError) as exc:  # the next answer, or the poll's close, sends them again
        log.warning("poll %s results not sent: %s unavailable", poll_id, type(exc).__name__)
