"""A PostgreSQL engine on a schema of its own, dropped afterwards, for tests that create just the
tables they need (several such tests can share the one CI database without seeing each other)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, text


@contextmanager
def throwaway_schema(url: str, prefix: str) -> Iterator[Engine]:
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = create_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
