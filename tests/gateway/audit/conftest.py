"""Database fixtures for audit tests: a fresh SQLite file always, PostgreSQL when GATEWAY_TEST_POSTGRES_URL is set."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine

from gateway.audit.table import audit_entity, audit_log
from tests.pg_schema import throwaway_schema

POSTGRES_URL = os.environ.get("GATEWAY_TEST_POSTGRES_URL")


def _sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = create_engine(f"sqlite:///{tmp_path / 'audit.db'}")
    audit_log.create(engine)
    audit_entity.create(engine)
    yield engine
    engine.dispose()


def _postgres_engine() -> Iterator[Engine]:
    assert POSTGRES_URL is not None
    with throwaway_schema(POSTGRES_URL, "audit_test") as engine:
        audit_log.create(engine)
        audit_entity.create(engine)
        yield engine


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param(
            "postgres",
            marks=[
                pytest.mark.postgres,
                pytest.mark.skipif(POSTGRES_URL is None, reason="GATEWAY_TEST_POSTGRES_URL not set"),
            ],
        ),
    ]
)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An engine whose database holds empty `audit_log` and `audit_entity` tables (and nothing else)."""
    if request.param == "sqlite":
        yield from _sqlite_engine(tmp_path)
    else:
        yield from _postgres_engine()
