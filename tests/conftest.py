"""Shared fixtures: a migrated database on SQLite (always) and PostgreSQL (when
GATEWAY_TEST_POSTGRES_URL is set), a running app on it, and tokens for each role."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from gateway.app import create_app
from gateway.auth.tokens import mint_token
from gateway.schema import metadata
from gateway.settings import Settings
from gateway.storage.engine import normalise_url
from gateway.storage.migrate import upgrade
from tests.gateway.api.fhir_api import FhirApi
from tests.gateway.api.live_server import running_gateway
from tests.stores import fresh_sqlite, shared_key_dir

POSTGRES_URL = os.environ.get("GATEWAY_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", "postgres"] if POSTGRES_URL else ["sqlite"]


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, migrated once, dropped at the end."""
    if not POSTGRES_URL:
        pytest.skip("GATEWAY_TEST_POSTGRES_URL is not set")
    admin = create_engine(normalise_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    name = f"gateway_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = normalise_url(POSTGRES_URL).rsplit("/", 1)[0] + f"/{name}"
    upgrade(url)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"))
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


def _truncate(url: str) -> None:
    engine = create_engine(url)
    names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY"))
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database: a new SQLite file, or the session's PostgreSQL database emptied."""
    if request.param == "sqlite":
        return fresh_sqlite(tmp_path / "gateway.db")
    url = request.getfixturevalue("postgres_database")
    _truncate(url)
    return url


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """Settings for a test gateway: its own database and signing key."""
    return Settings(database_url=database_url, key_dir=shared_key_dir(), base_url="http://testserver",
                    audit_flush_ms=1.0, export_dir=tmp_path / "exports", import_upload_dir=tmp_path / "uploads")


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """A TestClient running the app's lifespan (audit writer started and flushed)."""
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def token_for(settings: Settings) -> Callable[..., str]:
    """Mint a token: token_for('admin') or token_for('nurse', scopes=['user/Patient.r'])."""

    def mint(role: str = "admin", user: str = "test-user", scopes: list[str] | None = None) -> str:
        return mint_token(settings, user, role, scopes=scopes)

    return mint


@pytest.fixture
def auth(token_for: Callable[..., str]) -> dict[str, str]:
    """Headers for an admin with every scope."""
    return {"Authorization": f"Bearer {token_for('admin')}", "Content-Type": "application/fhir+json"}


@pytest.fixture
def fhir(client: TestClient, auth: dict[str, str]) -> FhirApi:
    """The test client wrapped as a FHIR client speaking as an admin (see fhir_api.py)."""
    return FhirApi(client, auth)


@pytest.fixture
def live_gateway(settings: Settings) -> Iterator[str]:
    """The gateway served by uvicorn on a free 127.0.0.1 port (base URL without /fhir)."""
    with running_gateway(settings) as base:
        yield base
