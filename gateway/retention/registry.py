"""The retention registry: each feature registers a purger for the transient copies it owns.

A purger has a name (its key in `GATEWAY_RETENTION_DAYS`), a default period in days with the
reason for it, and a function that removes what is older than a cutoff inside the transaction the
job gives it, returning how many items it removed. The job writes one audit row per purger run in
that same transaction. Clinical and social care records (resources, their history, provenance),
person links and the audit trail are never registered here: the gateway does not purge them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection

from gateway.settings import Settings

# (the job's write transaction, settings, cutoff in µs: remove what is older) -> items removed
PurgeFn = Callable[[Connection, Settings, int], int]


@dataclass(frozen=True)
class Purger:
    """One kind of transient copy and how to remove it once it is older than its period."""

    name: str
    what: str  # for the README, the status page and the audit row
    default_days: float
    why: str  # where the default comes from
    purge: PurgeFn


_PURGERS: dict[str, Purger] = {}


def register(purger: Purger) -> None:
    """Add (or replace, by name) a purger; features call this at start-up."""
    _PURGERS[purger.name] = purger


def registered() -> list[Purger]:
    return [_PURGERS[name] for name in sorted(_PURGERS)]


def period_days(settings: Settings, purger: Purger) -> float:
    """The configured period for `purger` (GATEWAY_RETENTION_DAYS), else its default."""
    return float(settings.retention_days.get(purger.name, purger.default_days))
