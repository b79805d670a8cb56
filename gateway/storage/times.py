"""Instants as integer microseconds (what the database stores) and FHIR `instant` strings."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from functools import lru_cache


def now_us() -> int:
    """Current time, microseconds since the epoch (UTC)."""
    return time.time_ns() // 1000


def us_to_instant(us: int) -> str:
    """A FHIR instant (`2026-11-23T18:33:01.123456+00:00`) for microseconds since the epoch."""
    return datetime.fromtimestamp(us / 1_000_000, tz=UTC).isoformat(timespec="microseconds")


@lru_cache(maxsize=65536)
def us_to_http_date(us: int) -> str:
    """An RFC 9110 date for `Last-Modified`."""
    return datetime.fromtimestamp(us / 1_000_000, tz=UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")


def instant_to_us(text: str) -> int:
    """Microseconds for an ISO 8601 instant with offset (a missing offset is taken as UTC)."""
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp() * 1_000_000)
