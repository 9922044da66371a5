"""A fixed-window counter in the shared cache (Redis in production), for join and log-in attempts."""

import time

from django.core.cache import cache
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The client's address as the server sees it (behind a proxy, daphne's --proxy-headers sets it)."""
    return request.META.get("REMOTE_ADDR") or "unknown"


def _bucket(key: str, window_s: int) -> str:
    return f"ratelimit:{key}:{int(time.time() // window_s)}"


def rate_limit_reached(*, key: str, limit: int, window_s: int = 60) -> bool:
    """True when `limit` attempts were already counted in this window (counts nothing)."""
    return (cache.get(_bucket(key, window_s)) or 0) >= limit


def rate_limit_hit(*, key: str, limit: int, window_s: int = 60) -> bool:
    """Counts one attempt; returns True when the caller is over `limit` attempts in this window."""
    bucket = _bucket(key, window_s)
    if cache.add(bucket, 1, timeout=window_s + 1):
        return False
    try:
        return cache.incr(bucket) > limit
    except ValueError:  # expired between add and incr
        cache.add(bucket, 1, timeout=window_s + 1)
        return False
