"""One retention pass: each registered purger in its own write transaction, with an audit row
(user `gateway:retention`, action D) in that same transaction saying what was purged and why."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import Engine

from gateway.audit.entry import AuditEntry
from gateway.audit.writer import record_in
from gateway.retention import purgers as _defaults  # noqa: F401 - registers the default purgers
from gateway.retention.registry import Purger, period_days, registered
from gateway.settings import Settings
from gateway.storage.times import now_us, us_to_instant

log = logging.getLogger(__name__)
RETENTION_USER = "gateway:retention"
_DAY_US = 86_400 * 1_000_000


@dataclass(frozen=True)
class Purged:
    """What one purger removed in one pass (error set when it failed; its transaction rolled back)."""

    name: str
    removed: int
    cutoff: int
    error: str | None = None


def _audit(purger: Purger, removed: int, cutoff: int, days: float) -> AuditEntry:
    return AuditEntry(user=RETENTION_USER, role="system", interaction="delete", action="D", status=200,
                      query=f"retention {purger.name}: removed {removed} {purger.what} older than "
                            f"{us_to_instant(cutoff)} ({days:g} days)")


def run_retention(engine: Engine, settings: Settings, now: int | None = None,
                  purgers: list[Purger] | None = None) -> list[Purged]:
    """Purge everything past its period, one purger at a time; a failing purger does not stop the rest."""
    now = now_us() if now is None else now
    out = []
    for purger in purgers if purgers is not None else registered():
        days = period_days(settings, purger)
        cutoff = now - int(days * _DAY_US)
        try:
            with engine.begin() as conn:
                removed = purger.purge(conn, settings, cutoff)
                record_in(conn, _audit(purger, removed, cutoff, days))
        except Exception as exc:  # noqa: BLE001 - reported, and the next pass tries again
            log.exception("retention %s failed", purger.name)
            out.append(Purged(purger.name, 0, cutoff, f"{type(exc).__name__}: {exc}"))
            continue
        if removed:
            log.info("retention purged", extra={"kind": purger.name, "removed": removed})
        out.append(Purged(purger.name, removed, cutoff))
    return out
