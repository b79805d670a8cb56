"""Figures gathered when Prometheus scrapes: every registered source reads what it owns from one
read transaction. A feature adds its figures by registering a source at start-up (the HL7 v2
listener adds MLLP messages by outcome and time since each sender's last message this way)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Connection, Engine

from gateway.monitoring import sessions
from gateway.monitoring.figures import import_figures, outbox_figures
from gateway.storage.times import now_us

log = logging.getLogger(__name__)

# (a read connection, now in µs) -> metric families
MetricSource = Callable[[Connection, int], Iterable[Metric]]


class DatabaseCollector(Collector):
    """Runs the registered sources on each scrape; a source that fails is logged and left out, and
    `gateway_scrape_source_up` says which, so one broken figure never hides the others."""

    def __init__(self, engine: Engine, sources: list[tuple[str, MetricSource]]) -> None:
        self.engine = engine
        self.sources = sources

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("gateway_scrape_source_up", "1 when the source's figures were read", labels=["source"])
        now = now_us()
        with self.engine.connect() as conn:
            for name, source in self.sources:
                try:
                    with conn.begin():
                        families = list(source(conn, now))
                except Exception:  # noqa: BLE001 - reported as source_up 0, logged once per scrape
                    log.exception("metrics source %s failed", name)
                    up.add_metric([name], 0)
                    continue
                up.add_metric([name], 1)
                yield from families
        yield up


def import_metrics(conn: Connection, _now: int) -> Iterable[Metric]:
    runs = GaugeMetricFamily("gateway_import_runs", "Import runs by source and status", labels=["source", "status"])
    rows = CounterMetricFamily("gateway_import_rows", "Rows read by imports, by source and outcome",
                               labels=["source", "outcome"])
    last = GaugeMetricFamily("gateway_import_last_completed_timestamp_seconds",
                             "When the source's newest completed import finished", labels=["source"])
    for source, item in sorted(import_figures(conn).items()):
        for status, n in sorted(item.runs_by_status.items()):
            runs.add_metric([source, status], n)
        for outcome, n in sorted(item.rows_by_outcome.items()):
            rows.add_metric([source, outcome], n)
        if item.last_completed is not None:
            last.add_metric([source], item.last_completed / 1_000_000)
    return [runs, rows, last]


def outbox_metrics(conn: Connection, now: int) -> Iterable[Metric]:
    figures = outbox_figures(conn)
    rows = GaugeMetricFamily("gateway_outbox_rows", "Delivery outbox rows by state: pending (the depth), "
                             "delivered, dead (dead letters), cancelled", labels=["state"])
    for state in ("pending", "delivered", "dead", "cancelled"):
        rows.add_metric([state], figures.by_state.get(state, 0))
    age = GaugeMetricFamily("gateway_outbox_oldest_pending_age_seconds",
                            "How long the oldest undelivered row has waited (0 when none)")
    age.add_metric([], max(0.0, (now - figures.oldest_pending) / 1_000_000) if figures.oldest_pending else 0.0)
    dead = GaugeMetricFamily("gateway_dead_letters", "Deliveries given up on, waiting for someone to look")
    dead.add_metric([], figures.dead)
    return [rows, age, dead]


def session_metrics(_conn: Connection, _now: int) -> Iterable[Metric]:
    gauge = GaugeMetricFamily("gateway_active_users", "Distinct users and clients authenticated by this process "
                              "in the last 15 minutes (sign-in is a token, so this stands for active sessions)")
    gauge.add_metric([], sessions.active())
    return [gauge]


def default_sources() -> list[tuple[str, MetricSource]]:
    """The sources for what exists today; features append theirs in create_app."""
    return [("imports", import_metrics), ("outbox", outbox_metrics), ("sessions", session_metrics)]
