"""Figures read from the database at scrape time, shared by /metrics, the alert rules and the status
page: imports by source and the delivery outbox. Each is one or two small queries
on indexed or small tables, so a scrape every 15 s costs the database little."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlalchemy import Connection, func, select

from gateway.delivery.tables import delivery_outbox
from gateway.imports.tables import import_runs


@dataclass
class SourceImports:
    """One source's import history, as monitoring needs it."""

    source: str
    runs_by_status: dict[str, int] = field(default_factory=dict)
    rows_by_outcome: dict[str, int] = field(default_factory=dict)
    last_completed: int | None = None  # µs: when the newest completed run finished
    latest_rows: int = 0  # rows read by the newest completed run
    latest_rejected: int = 0


def import_figures(conn: Connection) -> dict[str, SourceImports]:
    """Per source: runs by status, rows by outcome over all runs, and the newest completed run."""
    r = import_runs.c
    out: dict[str, SourceImports] = {}
    rows = conn.execute(select(r.source, r.status, r.finished, r.counts).order_by(r.started))
    for row in rows:
        item = out.setdefault(row.source, SourceImports(row.source))
        item.runs_by_status[row.status] = item.runs_by_status.get(row.status, 0) + 1
        counts: dict[str, int] = json.loads(row.counts or "{}")
        for outcome, n in counts.items():
            item.rows_by_outcome[outcome] = item.rows_by_outcome.get(outcome, 0) + int(n)
        if row.status == "completed" and row.finished is not None and row.finished >= (item.last_completed or 0):
            item.last_completed = int(row.finished)
            item.latest_rows = sum(int(n) for n in counts.values())
            item.latest_rejected = int(counts.get("rejected", 0))
    return out


@dataclass
class OutboxFigures:
    """The delivery outbox: rows by state and the age of the oldest row still waiting."""

    by_state: dict[str, int]
    oldest_pending: int | None  # µs: when the oldest pending row was queued

    @property
    def dead(self) -> int:
        return self.by_state.get("dead", 0)

    @property
    def pending(self) -> int:
        return self.by_state.get("pending", 0)


def outbox_figures(conn: Connection) -> OutboxFigures:
    o = delivery_outbox.c
    by_state = {str(state): int(n) for state, n in conn.execute(
        select(o.state, func.count()).group_by(o.state))}
    oldest = conn.execute(select(func.min(o.created_at)).where(o.state == "pending")).scalar()
    return OutboxFigures(by_state, int(oldest) if oldest is not None else None)


def dead_letters_by_queue(conn: Connection) -> dict[str, int]:
    o = delivery_outbox.c
    return {str(q): int(n) for q, n in conn.execute(
        select(o.queue, func.count()).where(o.state == "dead").group_by(o.queue))}


def oldest_pending_by_queue(conn: Connection) -> dict[str, int]:
    """When each queue's oldest undelivered row was queued (µs)."""
    o = delivery_outbox.c
    return {str(q): int(at) for q, at in conn.execute(
        select(o.queue, func.min(o.created_at)).where(o.state == "pending").group_by(o.queue))}
