"""A request's database work stops when its time runs out (503) or its client leaves: SQLite by the
progress handler, PostgreSQL by statement_timeout and a protocol cancel. Work outside a request
(imports, delivery) has no budget and is not stopped."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from gateway.app import create_app
from gateway.auth.tokens import mint_token
from gateway.limits.budget import Budget, bound_database, current_budget, stopped_by_budget
from gateway.limits.scope import RequestScope
from gateway.settings import Settings
from gateway.storage.engine import Database, open_database
from tests.gateway.api.live_server import free_port

# Work that runs for many seconds on either database unless something stops it.
SLOW = {
    "sqlite": "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000000000) "
              "SELECT count(*) FROM n",
    "postgresql": "SELECT pg_sleep(30)",
}


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    db = open_database(database_url)
    bound_database(db)
    yield db
    db.dispose()


def _slow(db: Database) -> str:
    return SLOW["sqlite" if db.is_sqlite else "postgresql"]


def test_a_spent_budget_stops_the_statement(database: Database) -> None:
    token = current_budget.set(Budget.starting_now(200))
    started = time.monotonic()
    try:
        with pytest.raises(DBAPIError) as caught, database.reader.connect() as conn:
            conn.execute(text(_slow(database))).scalar()
        assert stopped_by_budget(caught.value)
    finally:
        current_budget.reset(token)
    assert time.monotonic() - started < 5


def test_work_without_a_budget_is_not_bound(database: Database) -> None:
    quick = "SELECT 1" if not database.is_sqlite else (
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000) SELECT count(*) FROM n")
    with database.reader.connect() as conn:
        assert conn.execute(text(quick)).scalar() in (1, 200000)
        if not database.is_sqlite:
            assert conn.execute(text("SHOW statement_timeout")).scalar() == "0"


@pytest.mark.slow
def test_a_search_past_its_time_answers_503(settings: Settings) -> None:
    """With no time at all, any search that does real work is stopped at its first check."""
    if not settings.database_url.startswith("sqlite"):
        pytest.skip("a 1 ms statement_timeout is not reliably exceeded by one search on PostgreSQL: "
                    "test_a_spent_budget_stops_the_statement covers it there")
    generous = settings.model_copy(update={"delivery_worker": False})
    auth = {"Authorization": f"Bearer {mint_token(settings, 'u', 'admin')}", "Content-Type": "application/fhir+json"}
    with TestClient(create_app(generous)) as client:
        entries = [{"request": {"method": "POST", "url": "Patient"},
                    "resource": {"resourceType": "Patient", "name": [{"family": f"Budget{i:03d}"}]}}
                   for i in range(150)]
        created = client.post("/fhir", json={"resourceType": "Bundle", "type": "transaction", "entry": entries},
                              headers=auth)
        assert created.status_code == 200, created.text[:300]
    starved = settings.model_copy(update={"request_db_timeout_ms": 0, "delivery_worker": False})
    with TestClient(create_app(starved), raise_server_exceptions=False) as client:
        response = client.get("/fhir/Patient?name=Budget&_sort=-name&_count=150", headers=auth)
        assert response.status_code == 503, response.text[:300]
        issue = response.json()["issue"][0]
        assert issue["code"] == "timeout" and "GATEWAY_REQUEST_DB_TIMEOUT_MS" in issue["diagnostics"]
        assert client.get("/healthz").status_code == 200  # the probe is not request-scoped work


def _disconnect_app(db: Database, seen: list[tuple[str, float]]) -> Starlette:
    """An endpoint running the slow statement in the thread pool, recording how it ended."""

    async def slow(_request: Request) -> PlainTextResponse:
        def work() -> None:
            started = time.monotonic()
            try:
                with db.reader.connect() as conn:
                    conn.execute(text(_slow(db))).scalar()
                seen.append(("finished", time.monotonic() - started))
            except DBAPIError as exc:
                seen.append(("stopped" if stopped_by_budget(exc) else repr(exc), time.monotonic() - started))
                raise

        await run_in_threadpool(work)
        return PlainTextResponse("done")

    return Starlette(routes=[Route("/fhir/slow", slow)])


def test_work_stops_when_the_client_disconnects(database: Database) -> None:
    seen: list[tuple[str, float]] = []
    app: Any = RequestScope(_disconnect_app(database, seen), timeout_ms=60_000)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="critical", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        with pytest.raises(httpx.ReadTimeout):
            httpx.get(f"http://127.0.0.1:{port}/fhir/slow", timeout=0.5)  # gives up and closes the connection
        deadline = time.monotonic() + 10
        while not seen and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        server.should_exit = True
        thread.join(timeout=15)
    assert seen and seen[0][0] == "stopped", seen
    assert seen[0][1] < 5, seen  # well before the 60 s budget or the statement's own end
