"""Re-importing the same extract changes nothing; a delta changes exactly what it says (an updated
Patient, an address merged into its Patient, a new Observation, a RemovedData delete, a visit whose
status moved on), and the deleted resource is gone from reads and searches with its history kept."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from adapters.sample.people import Person
from adapters.systmone.sample import write_delta
from gateway.repository.sql import SqlRepository
from tests.gateway.imports.conftest import SEED
from tests.gateway.imports.store import consistency_problems, content, current, history_count, row_outcomes, run_import


def test_reimport_changes_nothing(repo: SqlRepository, extract: Path) -> None:
    first = run_import(repo, extract)
    with repo.reading() as conn:
        before, versions = current(conn, source_only=False), history_count(conn)
    second = run_import(repo, extract, batch_rows=61)
    assert second.rows == first.rows
    assert second.counts == {"created": 0, "updated": 0, "unchanged": first.rows - first.counts["rejected"],
                             "deleted": 0, "rejected": first.counts["rejected"]}
    with repo.reading() as conn:
        assert current(conn, source_only=False) == before
        assert history_count(conn) == versions
        rows = row_outcomes(conn, second.run_id)
    assert all(r["resources"] is None for r in rows)


def _changed(before: dict, after: dict) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for key in before.keys() | after.keys():
        if before.get(key) != after.get(key):
            out.setdefault(key[0], set()).add(key[1])
    return out


def test_delta_changes_exactly_what_it_says(repo: SqlRepository, extract: Path, people: list[Person],
                                            tmp_path: Path) -> None:
    run_import(repo, extract)
    delta = write_delta(people, tmp_path / "delta", SEED)
    with repo.reading() as conn:
        before, versions = current(conn), history_count(conn)
    summary = run_import(repo, delta)
    assert summary.counts == {"created": 1, "updated": 3, "unchanged": 0, "deleted": 1, "rejected": 0}
    with repo.reading() as conn:
        after = current(conn)
        rows = row_outcomes(conn, summary.run_id)
        assert consistency_problems(conn) == []
        new_versions = history_count(conn) - versions
    outcome = {(r["file"], r["outcome"]): r for r in rows}
    patient_id = outcome[("SRPatient.csv", "updated")]["resources"].split("/")[1]
    created_obs = outcome[("SRCode.csv", "created")]["resources"].split("/")[1]
    deleted_obs = outcome[("SRCode.csv", "deleted")]["resources"].split("/")[1]
    appointment = outcome[("SRVisit.csv", "updated")]["resources"].split("/")[1]
    assert outcome[("SRPatientAddressHistory.csv", "updated")]["resources"].startswith(f"Patient/{patient_id}/")
    changed = _changed(before, after)
    provenance = changed.pop("Provenance", set())
    assert changed == {"Patient": {patient_id}, "Observation": {created_obs, deleted_obs},
                       "Appointment": {appointment}}
    # One Patient version (the patient row and the address row fall in one batch, which makes one
    # version per resource), one each for the others, one Provenance per written row.
    assert len(provenance) == 4
    assert new_versions == 1 + 1 + 1 + 1 + 4
    assert ("Observation", created_obs) not in before and after[("Observation", deleted_obs)][1] is True

    with repo.reading() as conn:
        patient = content(conn, "Patient", patient_id)
    assert patient is not None
    # The new surname, the old one kept as old, and the new address merged beside the existing ones.
    official = next(n for n in patient["name"] if n.get("use") == "official")
    assert official["family"].endswith("-Hale")
    assert any(n.get("use") == "old" and official["family"].startswith(n["family"]) for n in patient["name"])
    lines = [a.get("line", []) for a in patient["address"]]
    assert sum("7 Tithe Barn Close" in " ".join(x) for x in lines) == 1
    assert len(patient["address"]) >= 2


def test_reapplying_a_delta_changes_nothing(repo: SqlRepository, extract: Path, people: list[Person],
                                            tmp_path: Path) -> None:
    run_import(repo, extract)
    delta = write_delta(people, tmp_path / "delta", SEED)
    run_import(repo, delta)
    with repo.reading() as conn:
        before, versions = current(conn), history_count(conn)
    again = run_import(repo, delta)
    assert again.counts["unchanged"] == again.rows == 5
    with repo.reading() as conn:
        assert current(conn) == before and history_count(conn) == versions


def test_deleted_row_is_gone_from_read_and_search_with_history_kept(
        repo: SqlRepository, extract: Path, people: list[Person], tmp_path: Path, client: TestClient,
        auth: dict[str, str]) -> None:
    run_import(repo, extract)
    summary = run_import(repo, write_delta(people, tmp_path / "delta", SEED))
    with repo.reading() as conn:
        row = next(r for r in row_outcomes(conn, summary.run_id) if r["outcome"] == "deleted")
    res_type, res_id, _, version = row["resources"].split("/")
    assert (res_type, version) == ("Observation", "2")
    assert client.get(f"/fhir/Observation/{res_id}", headers=auth).status_code == 410
    found = client.get(f"/fhir/Observation?_id={res_id}", headers=auth).json()
    assert found.get("total", 0) == 0 and not found.get("entry")
    history = client.get(f"/fhir/Observation/{res_id}/_history", headers=auth).json()
    assert len(history["entry"]) == 2
    kept = client.get(f"/fhir/Observation/{res_id}/_history/1", headers=auth)
    assert kept.status_code == 200 and kept.json()["id"] == res_id
