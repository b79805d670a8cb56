"""Assemble the FastAPI application: storage, auth, audit, FHIR routes, probes, pages."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from typing import Any

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse

from gateway import errors
from gateway.audit.writer import AuditWriter
from gateway.auth.keys import ensure_local_key, jwks
from gateway.auth.tokens import TokenVerifier
from gateway.delivery.routes import router as delivery_router
from gateway.delivery.worker import DeliveryWorker
from gateway.export.routes import router as export_router
from gateway.export.worker import ExportWorker
from gateway.health import router as health_router
from gateway.imports.liveness import sweep_stale_runs
from gateway.imports.provenance import provenance_changes
from gateway.imports.routes import router as imports_router
from gateway.imports.uploads import upload_root
from gateway.inbox import sending as inbox_sending
from gateway.inbox.routes import router as inbox_router
from gateway.inbox.updates import update_listener
from gateway.limits.body import BodyLimit
from gateway.limits.budget import bound_database
from gateway.limits.scope import RequestScope
from gateway.linking.hooks import install as install_linking
from gateway.linking.routes import router as links_router
from gateway.negotiation import FhirNegotiation
from gateway.openapi_doc import install_openapi
from gateway.operate import install_operations
from gateway.outbound.configured import policy_from_settings
from gateway.outbound.hook import make_endpoint_hook
from gateway.pages import router as pages_router
from gateway.pages.caseload_warm import warm_caseload
from gateway.repository.base import Hooks
from gateway.repository.sql import SqlRepository
from gateway.routes import read_route
from gateway.routes import router as fhir_router
from gateway.security import audit_changes, audit_failure
from gateway.security_headers import SecurityHeaders
from gateway.settings import Settings, get_settings
from gateway.storage.engine import open_database
from gateway.storage.migrate import require_current
from gateway.subscriptions import sending as subscription_sending
from gateway.subscriptions.emit import make_commit_hook
from gateway.subscriptions.lifecycle import subscription_changes
from gateway.subscriptions.routes import router as subscriptions_router

# FastAPI's built-in OpenTelemetry hooks look up providers (and the environment) on every request;
# the gateway exports no traces or metrics, and the check costs 2.4 µs a request (0.05 µs when off).
_NO_TELEMETRY: dict[str, Any] = (
    {"telemetry": {"tracing": False, "metrics": False, "logs": False, "operation_spans": False}}
    if "telemetry" in inspect.signature(FastAPI.__init__).parameters else {}
)


def install_hooks(hooks: Hooks, settings: Settings) -> Hooks:
    """Register every feature's change hooks, in the order they run after each flush of a unit of
    work: audit, Provenance of source rows, subscription state, the outbound check of Subscription
    endpoints, person linking; then, once per unit before it commits, subscription events and the
    social-care inbox."""
    hooks.register(audit_changes)
    hooks.register(provenance_changes)
    hooks.register(subscription_changes)  # refuses an unusable Subscription (criteria, channel...) first
    hooks.register(make_endpoint_hook(policy_from_settings(settings)))  # then an endpoint not allowed
    install_linking(hooks)
    hooks.register(make_commit_hook([update_listener(settings)]), before_commit=True)
    subscription_sending.register_kinds()  # what delivery sends for the rows these hooks queue
    inbox_sending.register_kinds()
    return hooks


def build_repository(settings: Settings, check_schema: bool = True) -> SqlRepository:
    """The repository with every hook the gateway runs inside write transactions."""
    db = open_database(settings.database_url)
    bound_database(db)  # before the first connection: request-scoped queries obey the request's budget
    if check_schema:
        require_current(db.reader)
    return SqlRepository(db, install_hooks(Hooks(), settings))


def create_app(settings: Settings | None = None) -> FastAPI:
    """The gateway app. Refuses to start (DatabaseBehind) on a database that is not migrated."""
    settings = settings or get_settings()
    repo = build_repository(settings)
    local_key = ensure_local_key(settings.key_dir) if not settings.jwks_url else None
    audit_writer = AuditWriter(repo.db.writer, settings.audit_flush_ms, settings.audit_batch_size)
    exporter = ExportWorker(repo, settings) if settings.export_worker else None

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        ops.start()  # first: it refuses to start while a restore replaces the store
        audit_writer.start()
        await run_in_threadpool(sweep_stale_runs, repo, settings.import_stale_after_s,  # killed imports
                                upload_root(settings.import_upload_dir))
        worker = DeliveryWorker(repo, settings) if settings.delivery_worker else None
        ops.workers["audit-writer"] = lambda: audit_writer.running
        if worker is not None:
            await worker.start()
            ops.workers["delivery"] = lambda: worker.running
        if exporter is not None:
            await exporter.start()
            ops.workers["export"] = lambda: exporter.running
        if settings.pages_warm_caseload:
            warming = asyncio.create_task(run_in_threadpool(
                warm_caseload, _app.state, settings.pages_as_of or date.today()), name="warm caseload")
        try:
            yield
        finally:
            if settings.pages_warm_caseload:
                await warming
            await ops.stop()
            if exporter is not None:
                await exporter.stop()
            if worker is not None:
                await worker.stop()
            await audit_writer.stop()
            repo.db.dispose()

    app = FastAPI(title="Care-record gateway", version="0.1.0", lifespan=lifespan,
                  docs_url="/docs", redoc_url=None, **_NO_TELEMETRY)
    app.state.settings = settings
    app.state.repo = repo
    app.state.verifier = TokenVerifier(settings, local_key=local_key)
    app.state.audit_writer = audit_writer
    app.state.export_worker = exporter
    app.state.audit_failure = audit_failure
    errors.install(app)
    # Outermost last: headers and request ids on every answer, then size limits, then the budget.
    app.add_middleware(FhirNegotiation)
    app.add_middleware(RequestScope, timeout_ms=settings.request_db_timeout_ms)
    # The import upload streams to disk and checks GATEWAY_IMPORT_UPLOAD_MAX_BYTES itself.
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes, by_prefix=[("/api/imports/", None)])
    app.add_middleware(SecurityHeaders, https_base=settings.base_url.startswith("https://"))
    ops = install_operations(app, repo, settings)  # metrics middleware (outermost), /metrics, jobs
    app.include_router(health_router)
    app.include_router(inbox_router)
    app.include_router(delivery_router)
    app.include_router(subscriptions_router)
    app.include_router(export_router)  # before the FHIR routes, whose /{type}/{id} would take /_export/{job}
    app.router.routes.append(read_route)  # before the other FHIR routes: see routes.read
    app.include_router(fhir_router)
    app.include_router(imports_router)
    app.include_router(links_router)
    app.include_router(pages_router)

    if local_key is not None:
        public = jwks(local_key)

        @app.get("/.well-known/jwks.json", include_in_schema=False)
        async def well_known_jwks() -> JSONResponse:
            return JSONResponse(public)

    install_openapi(app)
    return app
