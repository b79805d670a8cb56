"""The retention job: an asyncio task in the app's lifespan that runs a retention pass five minutes
after start-up and then every `GATEWAY_RETENTION_INTERVAL_HOURS`, counting what it removed for /metrics."""

from __future__ import annotations

import logging

from prometheus_client import CollectorRegistry, Counter, Gauge
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from gateway.periodic import Periodic
from gateway.retention.run import Purged, run_retention
from gateway.settings import Settings

log = logging.getLogger(__name__)
FIRST_PASS_AFTER_S = 300.0


class RetentionJob(Periodic):
    """Runs `run_retention` periodically until stopped."""

    name = "retention pass"

    def __init__(self, engine: Engine, settings: Settings, registry: CollectorRegistry) -> None:
        super().__init__()
        self.engine = engine
        self.settings = settings
        self.purged = Counter("gateway_retention_purged", "Items removed by retention, by kind", ["kind"],
                              registry=registry)
        self.failures = Counter("gateway_retention_failures", "Retention passes of a kind that failed", ["kind"],
                                registry=registry)
        self.last_run = Gauge("gateway_retention_last_run_timestamp_seconds", "When retention last ran",
                              registry=registry)

    def period(self) -> float:
        return self.settings.retention_interval_hours * 3600

    def first_wait(self) -> float:
        # The first pass waits a few minutes, so a gateway restarting in a loop does not purge in a loop.
        return min(FIRST_PASS_AFTER_S, self.period())

    async def tick(self) -> None:
        await self.run_once()

    async def run_once(self) -> list[Purged]:
        results = await run_in_threadpool(run_retention, self.engine, self.settings)
        for item in results:
            if item.error:
                self.failures.labels(item.name).inc()
            else:
                self.purged.labels(item.name).inc(item.removed)
        self.last_run.set_to_current_time()
        return results
