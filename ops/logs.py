"""Log lines that say which request and which class session they belong to.

`RequestContextMiddleware` (HTTP) and `RequestContextASGIMiddleware` (WebSockets, per socket) set a request
id: the client's or proxy's `X-Request-ID` when it is a sane token, else a new one, sent back in the
response header. The class session's id comes from the URL (`session_id`) or from a consumer calling
`bind(session_id=...)`. `ContextFilter` puts both on every record; `JsonFormatter` writes one JSON object per
line (LOG_FORMAT=json).
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse

current_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
current_session_id: contextvars.ContextVar[int | None] = contextvars.ContextVar("session_id", default=None)

_SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def new_request_id(offered: str | None = None) -> str:
    """The offered id when it is 1-64 safe characters, else a fresh random one."""
    return offered if offered and _SANE_ID.match(offered) else secrets.token_hex(8)


def bind(*, session_id: int | None) -> None:
    """Tags the rest of this request's or socket's log lines with a class session id."""
    current_session_id.set(session_id)


class ContextFilter(logging.Filter):
    """Adds `request_id` and `session_id` (None outside a request or socket) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id.get()
        record.session_id = current_session_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, request_id, session_id, and
    the exception's traceback as `exc_info` when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
            "session_id": getattr(record, "session_id", None),
        }
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str)


class RequestContextMiddleware:
    """Sets the request id (and the session id, from the URL) for one HTTP request; answers with X-Request-ID."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Set, not reset afterwards: each request runs in a context of its own (ASGI), or sets both first (WSGI).
        rid = new_request_id(request.headers.get("X-Request-ID"))
        current_request_id.set(rid)
        current_session_id.set(None)
        response = self.get_response(request)
        response.headers.setdefault("X-Request-ID", rid)
        return response

    def process_view(self, request: HttpRequest, view: Any, args: Any, kwargs: dict[str, Any]) -> None:
        if isinstance(kwargs.get("session_id"), int):
            current_session_id.set(kwargs["session_id"])


class RequestContextASGIMiddleware:
    """Sets a request id for the whole life of a WebSocket (every handler of its consumer logs it)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        offered = dict(scope.get("headers", [])).get(b"x-request-id", b"").decode("latin-1")
        current_request_id.set(new_request_id(offered))
        current_session_id.set(None)
        return await self.app(scope, receive, send)
