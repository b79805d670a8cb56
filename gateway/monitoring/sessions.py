"""Who has used this gateway process lately: sign-in is a bearer token (or a cookie holding one),
not a server-side session, so "active sessions" counts the distinct users and clients whose
requests were authenticated in the last 15 minutes. Marking costs one dictionary store."""

from __future__ import annotations

import time

WINDOW_S = 15 * 60.0
_last_seen: dict[str, float] = {}


def seen(user: str) -> None:
    """Called once per authenticated request (API and pages)."""
    _last_seen[user] = time.monotonic()


def active(window_s: float = WINDOW_S) -> int:
    """Distinct users seen within `window_s`; forgets the ones seen before it."""
    cutoff = time.monotonic() - window_s
    for user in [u for u, at in list(_last_seen.items()) if at < cutoff]:
        _last_seen.pop(user, None)
    return sum(1 for at in list(_last_seen.values()) if at >= cutoff)
