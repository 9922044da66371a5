"""A Channels consumer dispatch without the per-message database clean-up hop."""

from typing import Any

from channels.consumer import get_handler_name


class DirectDispatch:
    """Calls each message's handler directly.

    Channels' own dispatch first runs `close_old_connections` in a thread for every message, in case the
    handler touches the database. These consumers only reach the database through database_sync_to_async
    or the engine thread, both of which close stale connections themselves, so the hop is pure cost: at a
    class's snapshot rate it was about 7% of a web process's CPU (docs/benchmarks.md, "Load").
    """

    async def dispatch(self, message: dict[str, Any]) -> None:
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)
