"""Every resource an import writes gets a Provenance naming the source file and row, findable by
`Provenance?target=`."""

from __future__ import annotations

from pathlib import Path

import orjson
from fastapi.testclient import TestClient
from sqlalchemy import select

from gateway.repository.sql import SqlRepository
from gateway.storage.tables import resources
from tests.gateway.imports.store import current, row_outcomes, run_import


def _provenances(repo: SqlRepository) -> list[dict]:  # type: ignore[type-arg]
    with repo.reading() as conn:
        texts = conn.execute(select(resources.c.content).where(
            resources.c.res_type == "Provenance", resources.c.deleted.is_(False))).scalars()
        return [orjson.loads(t) for t in texts]


def test_each_written_row_has_a_provenance_for_exactly_its_versions(repo: SqlRepository, extract: Path) -> None:
    summary = run_import(repo, extract)
    by_source = {p["entity"][0]["what"]["identifier"]["value"]: p for p in _provenances(repo)}
    with repo.reading() as conn:
        rows = [r for r in row_outcomes(conn, summary.run_id) if r["outcome"] in ("created", "updated")]
    assert rows
    for row in rows:
        prov = by_source[f"{row['file']}#{row['row_key'] or row['line']}"]
        assert sorted(t["reference"] for t in prov["target"]) == sorted(row["resources"].split())
        what = prov["entity"][0]["what"]["display"]
        assert what.startswith(f"{row['file']} line {row['line']}")
        assert summary.run_id in prov["agent"][0]["who"]["display"]


def test_every_stored_resource_is_the_target_of_a_provenance(repo: SqlRepository, extract: Path) -> None:
    run_import(repo, extract)
    targeted = {tuple(t["reference"].split("/")[:2]) for p in _provenances(repo) for t in p["target"]}
    with repo.reading() as conn:
        stored = {k for k, (_, deleted, _) in current(conn).items() if not deleted and k[0] != "Provenance"}
    assert stored and stored <= targeted


def test_provenance_search_by_target_finds_the_source_row(repo: SqlRepository, extract: Path, client: TestClient,
                                                          auth: dict[str, str]) -> None:
    summary = run_import(repo, extract)
    with repo.reading() as conn:
        rows = [r for r in row_outcomes(conn, summary.run_id) if r["outcome"] == "created"]
    first_of_type: dict[str, dict] = {}  # type: ignore[type-arg]
    for row in rows:
        first_of_type.setdefault(row["resources"].split("/")[0], row)
    assert {"Patient", "Observation", "Appointment", "Organization"} <= set(first_of_type)
    for res_type, row in first_of_type.items():
        res_id = row["resources"].split("/")[1]
        bundle = client.get(f"/fhir/Provenance?target={res_type}/{res_id}", headers=auth).json()
        sources = {e["resource"]["entity"][0]["what"]["identifier"]["value"] for e in bundle.get("entry", [])}
        assert f"{row['file']}#{row['row_key']}" in sources, (res_type, bundle)
