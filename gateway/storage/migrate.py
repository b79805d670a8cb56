"""Apply and check alembic migrations from code: `gateway db upgrade` and the start-up check."""

from __future__ import annotations

import functools
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from gateway.storage.engine import normalise_url

ROOT = Path(__file__).resolve().parents[2]


def alembic_config(url: str) -> Config:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.attributes["database_url"] = normalise_url(url)
    return cfg


def upgrade(url: str) -> None:
    """Bring the database at `url` to the newest schema."""
    command.upgrade(alembic_config(url), "head")


@functools.cache
def head_revision() -> str | None:
    """The newest revision the code knows (the scripts do not change while the process runs)."""
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


class DatabaseBehind(RuntimeError):
    """The database is not at the newest migration; the message says what to run."""


def require_current(engine: Engine) -> None:
    """Refuse to serve a database that is behind the code."""
    have, want = current_revision(engine), head_revision()
    if have != want:
        state = "not migrated" if have is None else f"at revision {have}, the code needs {want}"
        raise DatabaseBehind(f"The database is {state}. Run: gateway db upgrade")
