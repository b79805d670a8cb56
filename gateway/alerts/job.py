"""The alert job: every `GATEWAY_ALERT_CHECK_S` seconds, evaluate the registered rules in one write
transaction (taken only when something changed: the rules are read first)."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy import Connection, Engine, select
from starlette.concurrency import run_in_threadpool

from gateway.alerts.evaluate import Changes, evaluate, firing_now
from gateway.alerts.rules import registered
from gateway.alerts.tables import alert_state
from gateway.periodic import Periodic
from gateway.settings import Settings
from gateway.storage.times import now_us

log = logging.getLogger(__name__)


def check_alerts(writer: Engine, reader: Engine, settings: Settings, now: int | None = None) -> Changes:
    """Evaluate every rule; write state and events only when what is firing changed."""
    now = now_us() if now is None else now
    rules = registered()
    with reader.connect() as conn:
        firing = {(f.rule, f.subject) for rule in rules for f in rule.evaluate(conn, settings, now)}
        known = {(r.rule, r.subject) for r in conn.execute(select(alert_state.c.rule, alert_state.c.subject))}
    if firing == known:
        return Changes()
    with writer.begin() as conn:
        changes = evaluate(conn, settings, rules, now)
    for item in changes.fired:
        log.warning("alert firing", extra={"alert": item.rule, "subject": item.subject})
    for rule, subject in changes.resolved:
        log.info("alert resolved", extra={"alert": rule, "subject": subject})
    return changes


def alert_metrics(conn: Connection, _now: int) -> Iterable[Metric]:
    gauge = GaugeMetricFamily("gateway_alerts_firing", "1 for each alert firing now", labels=["alert", "subject"])
    for item in firing_now(conn):
        gauge.add_metric([str(item["rule"]), str(item["subject"])], 1)
    return [gauge]


class AlertJob(Periodic):
    """Runs `check_alerts` every `alert_check_s` (the first check one period after start)."""

    name = "alert check"

    def __init__(self, writer: Engine, reader: Engine, settings: Settings) -> None:
        super().__init__()
        self.writer = writer
        self.reader = reader
        self.settings = settings

    def period(self) -> float:
        return max(1.0, self.settings.alert_check_s)

    async def tick(self) -> None:
        await run_in_threadpool(check_alerts, self.writer, self.reader, self.settings)
