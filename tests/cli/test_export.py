"""`gateway export`: NDJSON files per type holding exactly what the store holds, `--since`, usage
errors (exit 2), and one audit record for the run."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import orjson

from gateway.app import build_repository
from gateway.settings import Settings
from tests.cli.conftest import Gateway
from tests.gateway.export.conftest import seed


def _seed(database: Path, tmp_path: Path, people: int, prefix: str) -> None:
    repo = build_repository(Settings(database_url=f"sqlite:///{database}", key_dir=tmp_path / "keys"))
    seed(repo, people=people, observations=3, prefix=prefix)
    repo.db.dispose()


def _ids(database: Path, res_type: str) -> set[str]:
    with sqlite3.connect(database) as conn:
        return {row[0] for row in conn.execute("SELECT res_id FROM resources WHERE res_type = ? AND NOT deleted",
                                               (res_type,))}


def test_export_writes_what_the_store_holds(gateway: Gateway, database: Path, tmp_path: Path) -> None:
    _seed(database, tmp_path, people=3, prefix="a")
    out = tmp_path / "out"

    done = gateway("export", "--out", out, "--type", "Patient", "--type", "Observation")
    assert done.returncode == 0, done.stderr
    for res_type in ("Patient", "Observation"):
        lines = (out / f"{res_type}.ndjson").read_bytes().splitlines()
        resources = [orjson.loads(line) for line in lines]
        assert {r["id"] for r in resources} == _ids(database, res_type)
        assert len(resources) == len(_ids(database, res_type))
    assert not (out / "Condition.ndjson").exists()
    assert "total" in done.stdout and str(3 + 9) in done.stdout
    with sqlite3.connect(database) as conn:
        audited = conn.execute("SELECT user_id, query FROM audit_log WHERE query LIKE '$export (command line)%'"
                               ).fetchall()
    assert len(audited) == 1 and audited[0][0] == "cli:export" and "12 resources in 2 files" in audited[0][1]


def test_since_and_usage_errors(gateway: Gateway, database: Path, tmp_path: Path) -> None:
    _seed(database, tmp_path, people=2, prefix="old")
    since = datetime.now(UTC).isoformat()
    _seed(database, tmp_path, people=1, prefix="new")

    out = tmp_path / "since"
    done = gateway("export", "--out", out, "--type", "Patient", "--since", since)
    assert done.returncode == 0, done.stderr
    assert len((out / "Patient.ndjson").read_bytes().splitlines()) == 1

    bad_type = gateway("export", "--out", out, "--type", "Spaceship")
    assert bad_type.returncode == 2 and "Spaceship" in bad_type.stderr
    bad_since = gateway("export", "--out", out, "--since", "last tuesday")
    assert bad_since.returncode == 2 and "--since" in bad_since.stderr
