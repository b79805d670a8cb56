"""The administrator's status page (/app/status): alerts firing and recent alert events, imports by
source, the delivery outbox and the retention periods in force: what an area IT team checks first."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from gateway.alerts.evaluate import firing_now, recent_events
from gateway.monitoring.figures import import_figures, outbox_figures
from gateway.outcomes import forbidden
from gateway.pages.handling import render
from gateway.request_context import Caller
from gateway.retention.registry import period_days, registered
from gateway.security import audit
from gateway.storage.times import now_us, us_to_instant


def _when(us: object) -> str:
    return us_to_instant(int(us)).replace("T", " ")[:19] + " UTC" if isinstance(us, int) else "never"


async def status_page(request: Request, who: Caller) -> Response:
    if who.principal.role != "admin":
        raise forbidden(f"{who.principal.user} may not open the status page: it is for administrators")
    settings = request.app.state.settings
    repo = request.app.state.repo

    def work() -> dict[str, Any]:
        with repo.db.reader.connect() as conn:
            outbox = outbox_figures(conn)
            return {"firing": firing_now(conn), "events": recent_events(conn, 20),
                    "imports": sorted(import_figures(conn).values(), key=lambda i: i.source),
                    "outbox": outbox, "now": now_us()}

    figures = await run_in_threadpool(work)
    retention = [(p, period_days(settings, p)) for p in registered()]
    await audit(request, who, "read", None, query="page status")
    oldest = figures["outbox"].oldest_pending
    return render(request, who, "status.html", when=_when, retention=retention, webhook=bool(
        settings.alert_webhook_url), oldest_age_s=(figures["now"] - oldest) / 1e6 if oldest else None, **figures)
