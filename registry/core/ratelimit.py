"""A fixed-window rate limit on Django's cache (configure a shared cache when running several processes)."""

from __future__ import annotations

import time

from django.core.cache import cache


def allow(scope: str, key: str, limit: int, window_seconds: int) -> bool:
    """Count one attempt; False once `limit` attempts were made in the current window."""
    bucket = f"rl:{scope}:{key}:{int(time.time()) // window_seconds}"
    if cache.add(bucket, 1, timeout=window_seconds + 1):
        return True
    try:
        count = cache.incr(bucket)
    except ValueError:  # expired between add and incr
        cache.add(bucket, 1, timeout=window_seconds + 1)
        return True
    return count <= limit
