"""Run the real `gateway` command in a child process, against a temporary SQLite database that
`gateway db upgrade` migrated (once per session; each test gets its own copy)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
Gateway = Callable[..., subprocess.CompletedProcess[str]]


def _run(args: list[str], cwd: Path, env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gateway.cli", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout, check=False)


def _env(database: Path, keys: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    # A wide terminal so rich never wraps the summary table; no colour codes in the text.
    env.update(GATEWAY_DATABASE_URL=f"sqlite:///{database}", GATEWAY_KEY_DIR=str(keys), COLUMNS="200",
               NO_COLOR="1", TERM="dumb", PYTHONPATH=str(REPO_ROOT))
    return env


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated by `gateway db upgrade`, copied for each test."""
    where = tmp_path_factory.mktemp("cli-template")
    database = where / "gateway.db"
    done = _run(["db", "upgrade"], where, _env(database, where / "keys"))
    assert done.returncode == 0, done.stderr
    return database


@pytest.fixture
def gateway(migrated_template: Path, tmp_path: Path) -> Gateway:
    """gateway('import', 'systmone', path) runs the CLI on this test's own migrated database."""
    database = tmp_path / "gateway.db"
    shutil.copy(migrated_template, database)

    def run(*args: str, database_path: Path = database) -> subprocess.CompletedProcess[str]:
        return _run([str(a) for a in args], tmp_path, _env(database_path, tmp_path / "keys"))

    return run


@pytest.fixture
def database(gateway: Gateway, tmp_path: Path) -> Path:
    """This test's migrated SQLite file (the one `gateway` uses)."""
    return tmp_path / "gateway.db"
