"""Databases for search tests: a temp SQLite file, and PostgreSQL in a throwaway schema when configured."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import Connection, Engine, create_engine, delete, event

import gateway.storage.index_tables  # noqa: F401  (registers the index tables on the metadata)
from gateway.search.dates import date_range
from gateway.search.indexer import index_rows, write_index
from gateway.storage.metadata import metadata
from gateway.storage.tables import resources
from tests.pg_schema import throwaway_schema

BASE = "https://gw.example/fhir"
Store = Callable[..., None]


def _sqlite(path: Path) -> Engine:
    engine = create_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "connect")
    def _wal(dbapi_conn: Any, _: Any) -> None:
        dbapi_conn.execute("PRAGMA journal_mode=WAL")

    return engine


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A fresh database with every table; PostgreSQL uses a unique schema dropped afterwards."""
    if request.param == "sqlite":
        eng = _sqlite(tmp_path / "search.db")
        metadata.create_all(eng)
        yield eng
        eng.dispose()
        return
    url = os.environ.get("GATEWAY_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("GATEWAY_TEST_POSTGRES_URL not set")
    with throwaway_schema(url, "search") as eng:
        metadata.create_all(eng)
        yield eng


def put(
    conn: Connection, resource: dict[str, Any], updated: str = "2024-01-01T00:00:00Z", deleted: bool = False
) -> None:
    """Store one resource with its index rows, the way the repository will (same transaction)."""
    res_type, res_id = resource["resourceType"], resource["id"]
    resource = {**resource, "meta": {**resource.get("meta", {}), "versionId": "1", "lastUpdated": updated}}
    conn.execute(delete(resources).where(resources.c.res_type == res_type, resources.c.res_id == res_id))
    conn.execute(
        resources.insert().values(
            res_type=res_type, res_id=res_id, version=1, last_updated=date_range(updated)[0],
            deleted=deleted, content=None if deleted else orjson.dumps(resource).decode(),
        )
    )  # fmt: skip
    write_index(conn, res_type, res_id, {} if deleted else index_rows(resource, BASE))


@pytest.fixture
def store(engine: Engine) -> Store:
    """`store(*resources)` writes resources and their index rows in one transaction."""

    def _store(*items: dict[str, Any], updated: str = "2024-01-01T00:00:00Z") -> None:
        with engine.begin() as conn:
            for item in items:
                put(conn, item, updated)

    return _store
