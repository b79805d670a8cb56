"""Wire what it takes to run the gateway for years into an app: the store-in-use lock (restore
refuses a live store), request metrics and /metrics, the retention and alert jobs, and the worker
checks /readyz makes. Part of the app layer: only `gateway.app` imports it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from fastapi import FastAPI
from prometheus_client import CollectorRegistry

from gateway.alerts import webhook as alert_webhook
from gateway.alerts.job import AlertJob, alert_metrics
from gateway.backup.in_use import StoreInUse
from gateway.monitoring.metrics_route import router as metrics_router
from gateway.monitoring.request_metrics import MetricsMiddleware, RequestMetrics
from gateway.monitoring.scrape import DatabaseCollector, default_sources
from gateway.repository.sql import SqlRepository
from gateway.retention.job import RetentionJob
from gateway.settings import Settings


@dataclass
class Operations:
    """The app's operating machinery, started and stopped by its lifespan."""

    store_lock: StoreInUse
    retention: RetentionJob | None
    alerts: AlertJob
    # name -> is it running; /readyz answers 503 while any is not
    workers: dict[str, Callable[[], bool]] = field(default_factory=dict)

    def start(self) -> None:
        if not self.store_lock.shared():
            raise RuntimeError(f"a restore is replacing the store ({self.store_lock.path}): start again once it ends")
        if self.retention is not None:
            self.retention.start()
        self.alerts.start()

    async def stop(self) -> None:
        await self.alerts.stop()
        if self.retention is not None:
            await self.retention.stop()
        self.store_lock.release()


def install_operations(app: FastAPI, repo: SqlRepository, settings: Settings) -> Operations:
    """Metrics middleware and route, scrape sources, the jobs, and the alert webhook's delivery kind.
    (The default retention purgers and alert rules register themselves where they are defined.)"""
    alert_webhook.register()
    registry = CollectorRegistry()
    app.state.metrics_registry = registry
    sources = [*default_sources(), ("alerts", alert_metrics)]
    registry.register(DatabaseCollector(repo.db.reader, sources))
    app.state.metric_sources = sources  # a feature appends (name, source) here (e.g. MLLP messages)
    app.add_middleware(MetricsMiddleware, metrics=RequestMetrics(registry), log_requests=settings.access_log)
    app.include_router(metrics_router)
    retention = RetentionJob(repo.db.writer, settings, registry) if settings.retention_job else None
    ops = Operations(StoreInUse(settings.database_url), retention, AlertJob(repo.db.writer, repo.db.reader, settings))
    ops.workers["alerts"] = lambda: ops.alerts.running
    if retention is not None:
        ops.workers["retention"] = lambda: retention.running
    app.state.operations = ops
    return ops
