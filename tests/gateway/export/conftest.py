"""Fixtures for the bulk export tests: a store with a few people's records, and an export client
that kicks off, polls and downloads over real HTTP."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import false, select

from gateway.app import build_repository
from gateway.auth.tokens import mint_token
from gateway.repository.sql import SqlRepository
from gateway.settings import Settings
from gateway.storage.tables import resources
from tests.stores import shared_key_dir


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """Test settings with a quick worker and small chunks, so an export spans several checkpoints."""
    return Settings(database_url=database_url, key_dir=shared_key_dir(), base_url="http://testserver",
                    audit_flush_ms=1.0, export_dir=tmp_path / "exports", export_poll_ms=50, export_chunk_rows=7,
                    export_lease_s=2.0, delivery_worker=False)


@pytest.fixture
def repo(settings: Settings) -> Iterator[SqlRepository]:
    """The test database's repository, for seeding and for checking what the store holds."""
    store = build_repository(settings)
    yield store
    store.db.dispose()


@dataclass
class Records:
    """What `seed` stored: Patient ids, and each Patient's Observation and Condition ids."""

    patients: list[str] = field(default_factory=list)
    observations: dict[str, list[str]] = field(default_factory=dict)
    conditions: dict[str, list[str]] = field(default_factory=dict)


def seed(repo: SqlRepository, people: int = 4, observations: int = 5, prefix: str = "p") -> Records:
    """Synthetic people (no identifiers), each with Observations (code 29463-7 on even ones) and a Condition."""
    out = Records()
    for i in range(people):
        pid = repo.create({"resourceType": "Patient", "name": [{"family": f"Export{prefix}{i}"}],
                           "gender": "female", "birthDate": "1940-01-01"}).stored.res_id
        out.patients.append(pid)
        subject = {"reference": f"Patient/{pid}"}
        out.observations[pid] = [
            repo.create({"resourceType": "Observation", "status": "final", "subject": subject,
                         "code": {"coding": [{"system": "http://loinc.org",
                                              "code": "29463-7" if j % 2 == 0 else "8867-4"}]},
                         "valueQuantity": {"value": 60 + j, "unit": "kg"}}).stored.res_id
            for j in range(observations)
        ]
        out.conditions[pid] = [repo.create({"resourceType": "Condition", "subject": subject,
                                            "code": {"text": "Leg ulcer"}}).stored.res_id]
    return out


def stored_ids(repo: SqlRepository, res_type: str) -> set[str]:
    """The ids of the type's current, undeleted resources: what a full export must hold."""
    r = resources.c
    with repo.reading() as conn:
        return set(conn.execute(select(r.res_id).where(r.res_type == res_type, r.deleted == false())).scalars())


class ExportClient:
    """The Bulk Data client side: kick off, poll until done, download every file."""

    def __init__(self, base: str, token: str) -> None:
        self.base = base
        self.http = httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=30)

    def kick_off(self, path: str = "$export", params: dict[str, Any] | None = None,
                 prefer: str = "respond-async", token: str | None = None) -> httpx.Response:
        headers = {"Accept": "application/fhir+json", "Prefer": prefer}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return self.http.get(f"{self.base}/fhir/{path}", params=params, headers=headers)

    def start(self, path: str = "$export", params: dict[str, Any] | None = None) -> str:
        response = self.kick_off(path, params)
        assert response.status_code == 202, response.text
        return response.headers["Content-Location"]

    def wait(self, status_url: str, timeout_s: float = 30) -> tuple[dict[str, Any], list[str]]:
        """Poll until the manifest; returns it and the X-Progress values seen on the way."""
        progress: list[str] = []
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            response = self.http.get(status_url)
            if response.status_code == 200:
                return response.json(), progress
            assert response.status_code == 202, response.text
            progress.append(response.headers["X-Progress"])
            assert response.headers["Retry-After"].isdigit()
            time.sleep(0.05)
        raise AssertionError(f"the export did not finish in {timeout_s} s: {progress[-3:]}")

    def download(self, manifest: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
        """Every output file's lines, parsed, by type; checks each file's count against the manifest."""
        out: dict[str, list[dict[str, Any]]] = {}
        for item in manifest["output"]:
            response = self.http.get(item["url"], headers={"Accept": "application/fhir+ndjson"})
            assert response.status_code == 200, response.text
            assert response.headers["content-type"].startswith("application/fhir+ndjson")
            lines = [orjson.loads(line) for line in response.content.splitlines()]
            assert len(lines) == item["count"]
            assert all(r["resourceType"] == item["type"] for r in lines)
            out.setdefault(item["type"], []).extend(lines)
        return out

    def close(self) -> None:
        self.http.close()


@pytest.fixture
def system_token(settings: Settings) -> Callable[..., str]:
    """Mint a system client's token: system_token() has system/*.rs; pass scopes or a user to vary it."""

    def mint(scopes: list[str] | None = None, user: str = "ics-analytics", client_id: str = "ics-platform") -> str:
        return mint_token(settings, user, "integrator", scopes=scopes or ["system/*.rs"], client_id=client_id)

    return mint
