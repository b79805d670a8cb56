"""$export end to end over real HTTP: kick-off, polling, the manifest, downloads, `_since`,
`_typeFilter`, Patient and Group levels, cancelling, scopes and ownership, and the audit trail."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from gateway.audit.table import audit_log
from gateway.export.tables import export_jobs
from gateway.export.worker import ExportWorker
from gateway.repository.sql import SqlRepository
from gateway.settings import Settings
from gateway.storage.times import now_us
from tests.gateway.api.live_server import running_gateway
from tests.gateway.export.conftest import ExportClient, seed, stored_ids


@pytest.fixture
def gateway(settings: Settings) -> Iterator[str]:
    with running_gateway(settings) as base:
        yield base


@pytest.fixture
def bulk(gateway: str, system_token: Callable[..., str]) -> Iterator[ExportClient]:
    client = ExportClient(gateway, system_token())
    yield client
    client.close()


def test_export_counts_exactly_what_the_store_holds(repo: SqlRepository, bulk: ExportClient, gateway: str) -> None:
    # Setup: four people with records, one Observation deleted (deleted resources are not exported).
    records = seed(repo)
    gone = records.observations[records.patients[0]][0]
    repo.delete("Observation", gone)

    # Kick off, poll, download.
    response = bulk.kick_off(params={"_type": "Patient,Observation", "_outputFormat": "application/fhir+ndjson"})
    assert response.status_code == 202, response.text
    assert response.json()["resourceType"] == "OperationOutcome"
    status_url = response.headers["Content-Location"]
    assert status_url.startswith(f"{gateway}/fhir/_export/")
    manifest, _progress = bulk.wait(status_url)
    files = bulk.download(manifest)

    # The manifest, as the IG has it.
    assert manifest["requiresAccessToken"] is True
    assert manifest["request"].startswith(f"{gateway}/fhir/$export?")
    assert datetime.fromisoformat(manifest["transactionTime"]).tzinfo is not None
    assert manifest["error"] == []
    assert {item["type"] for item in manifest["output"]} == {"Patient", "Observation"}

    # Exactly the store's resources of those types, each once.
    for res_type in ("Patient", "Observation"):
        ids = [r["id"] for r in files[res_type]]
        assert len(ids) == len(set(ids))
        assert set(ids) == stored_ids(repo, res_type)
    assert gone not in {r["id"] for r in files["Observation"]}
    assert len(files["Observation"]) == 4 * 5 - 1


def test_since_keeps_only_what_changed_after_it(repo: SqlRepository, bulk: ExportClient) -> None:
    seed(repo, people=2, prefix="old")
    since = datetime.now(UTC).isoformat()
    newer = seed(repo, people=1, observations=3, prefix="new")

    manifest, _ = bulk.wait(bulk.start(params={"_type": "Observation,Patient", "_since": since}))
    files = bulk.download(manifest)
    assert {r["id"] for r in files["Observation"]} == set(newer.observations[newer.patients[0]])
    assert {r["id"] for r in files["Patient"]} == set(newer.patients)


def test_type_filter_narrows_a_type(repo: SqlRepository, bulk: ExportClient) -> None:
    records = seed(repo, people=2, observations=4)
    manifest, _ = bulk.wait(bulk.start(params={
        "_type": "Observation,Condition", "_typeFilter": "Observation?code=http://loinc.org|29463-7"}))
    files = bulk.download(manifest)
    weights = {oid for pid in records.patients for j, oid in enumerate(records.observations[pid]) if j % 2 == 0}
    assert {r["id"] for r in files["Observation"]} == weights
    assert len(files["Condition"]) == 2  # no filter on Condition: all of them


def test_patient_and_group_exports_hold_their_compartments(repo: SqlRepository, bulk: ExportClient) -> None:
    records = seed(repo, people=3, observations=2)
    repo.create({"resourceType": "Practitioner", "name": [{"family": "Nurse"}]})  # in no patient's compartment
    chosen = records.patients[:2]
    group = repo.create({"resourceType": "Group", "type": "person", "actual": True,
                         "member": [{"entity": {"reference": f"Patient/{p}"}} for p in chosen]
                         + [{"entity": {"reference": f"Patient/{records.patients[2]}"}, "inactive": True}]})
    group_id = group.stored.res_id

    everyone, _ = bulk.wait(bulk.start("Patient/$export", {"_type": "Patient,Observation"}))
    files = bulk.download(everyone)
    assert {r["id"] for r in files["Patient"]} == set(records.patients)
    assert len(files["Observation"]) == 6

    team, _ = bulk.wait(bulk.start(f"Group/{group_id}/$export"))
    files = bulk.download(team)
    assert {r["id"] for r in files["Patient"]} == set(chosen)
    assert {r["id"] for r in files["Observation"]} == {o for p in chosen for o in records.observations[p]}
    assert "Practitioner" not in files

    # A type outside the Patient compartment is refused at the Patient level.
    refused = bulk.kick_off("Patient/$export", {"_type": "Practitioner"})
    assert refused.status_code == 400
    assert "Practitioner" in refused.json()["issue"][0]["diagnostics"]
    assert bulk.kick_off("Group/nobody/$export").status_code == 404


def test_kick_off_refuses_what_it_cannot_honour(bulk: ExportClient) -> None:
    cases = [
        ({"_type": "Patient"}, "return=minimal", "respond-async"),
        ({"_outputFormat": "text/csv"}, "respond-async", "_outputFormat"),
        ({"_elements": "id"}, "respond-async", "_elements"),
        ({"_type": "Spaceship"}, "respond-async", "Spaceship"),
        ({"_typeFilter": "Observation?_sort=date"}, "respond-async", "_sort"),
        ({"_since": "yesterday"}, "respond-async", "_since"),
    ]
    for params, prefer, named in cases:
        response = bulk.kick_off(params=params, prefer=prefer)
        assert response.status_code == 400, (params, response.text)
        body = response.json()
        assert body["resourceType"] == "OperationOutcome"
        assert named in body["issue"][0]["diagnostics"], body


def test_lenient_handling_reports_what_it_left_out(repo: SqlRepository, bulk: ExportClient) -> None:
    seed(repo, people=1, observations=1)
    manifest, _ = bulk.wait(_lenient_start(bulk, {"_type": "Patient,Spaceship", "_elements": "id"}))
    assert [item["type"] for item in manifest["output"]] == ["Patient"]
    assert len(manifest["error"]) == 1
    response = bulk.http.get(manifest["error"][0]["url"])
    notes = [line for line in response.text.splitlines() if line]
    assert len(notes) == 2 and all('"OperationOutcome"' in n for n in notes)
    assert any("Spaceship" in n for n in notes) and any("_elements" in n for n in notes)


def _lenient_start(bulk: ExportClient, params: dict[str, str]) -> str:
    response = bulk.kick_off(params=params, prefer="respond-async, handling=lenient")
    assert response.status_code == 202, response.text
    return str(response.headers["Content-Location"])


def test_scopes_and_ownership(repo: SqlRepository, gateway: str, bulk: ExportClient,
                              system_token: Callable[..., str], token_for: Callable[..., str]) -> None:
    seed(repo, people=1, observations=1)

    # A user's token (user/*.rs) is not a system client's: 403 naming the scope.
    nurse = bulk.kick_off(token=token_for("nurse", user="nurse.a"))
    assert nurse.status_code == 403
    assert "system/*.rs" in nurse.json()["issue"][0]["diagnostics"]
    narrow = system_token(["system/Patient.rs"])
    lacking = bulk.kick_off(params={"_type": "Patient,Observation"}, token=narrow)
    assert lacking.status_code == 403
    assert "system/Observation.rs" in lacking.json()["issue"][0]["diagnostics"]

    # The job belongs to its subject and client: a new token of theirs may read it...
    status_url = bulk.start(params={"_type": "Patient,Observation"})
    manifest, _ = bulk.wait(status_url)
    again = ExportClient(gateway, system_token())
    assert again.http.get(status_url).status_code == 200
    # ...another client with only some of its types' scopes may not...
    stranger = ExportClient(gateway, system_token(["system/Patient.rs"], user="someone-else", client_id="other"))
    for url in (status_url, manifest["output"][0]["url"]):
        denied = stranger.http.get(url)
        assert denied.status_code == 403, denied.text
        assert denied.json()["resourceType"] == "OperationOutcome"
    assert stranger.http.delete(status_url).status_code == 403
    # ...one with the same system scope may, and nobody without a token.
    peer = ExportClient(gateway, system_token(user="someone-else", client_id="other"))
    assert peer.http.get(manifest["output"][0]["url"]).status_code == 200
    assert again.http.get(status_url, headers={"Authorization": ""}).status_code == 401
    for client in (again, stranger, peer):
        client.close()


def test_cancel_removes_the_job_and_its_files(repo: SqlRepository, bulk: ExportClient, settings: Settings) -> None:
    seed(repo, people=1, observations=2)
    status_url = bulk.start(params={"_type": "Observation"})
    manifest, _ = bulk.wait(status_url)
    job_id = status_url.rsplit("/", 1)[1]
    assert any((settings.export_dir / job_id).iterdir())

    cancelled = bulk.http.delete(status_url)
    assert cancelled.status_code == 202
    assert not (settings.export_dir / job_id).exists()
    for url in (status_url, manifest["output"][0]["url"]):
        after = bulk.http.get(url)
        assert after.status_code == 404
        assert after.json()["resourceType"] == "OperationOutcome"
    assert bulk.http.delete(status_url).status_code == 404


def test_kick_off_poll_and_download_are_audited(repo: SqlRepository, bulk: ExportClient) -> None:
    seed(repo, people=1, observations=1)
    status_url = bulk.start(params={"_type": "Patient"})
    job_id = status_url.rsplit("/", 1)[1]
    manifest, _ = bulk.wait(status_url)
    bulk.download(manifest)

    with repo.reading() as conn:
        rows = conn.execute(select(audit_log.c.user_id, audit_log.c.query, audit_log.c.status)
                            .where(audit_log.c.query.like(f"%$export job {job_id}%"))).all()
    queries = [row.query for row in rows]
    assert all(row.user_id == "ics-analytics" for row in rows)
    assert any("(system: Patient)" in q for q in queries)  # kick-off
    assert any("status: completed" in q for q in queries)  # the poll that got the manifest
    assert any(" file Patient." in q for q in queries)  # the download
    assert any("completed: 1 resources in 1 files" in q for q in queries)  # the run itself


def test_capability_statement_declares_export(bulk: ExportClient) -> None:
    statement = bulk.http.get(f"{bulk.base}/fhir/metadata").json()
    rest = statement["rest"][0]
    assert {"name": "export", "definition": "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export"} in \
        rest["operation"]
    by_type = {r["type"]: r for r in rest["resource"]}
    assert [op["definition"] for op in by_type["Patient"]["operation"] if op["name"] == "export"] == \
        ["http://hl7.org/fhir/uv/bulkdata/OperationDefinition/patient-export"]
    assert [op["definition"] for op in by_type["Group"]["operation"] if op["name"] == "export"] == \
        ["http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export"]


def test_a_finished_export_expires(repo: SqlRepository, bulk: ExportClient, settings: Settings) -> None:
    seed(repo, people=1, observations=1)
    status_url = bulk.start(params={"_type": "Patient"})
    manifest, _ = bulk.wait(status_url)
    job_id = status_url.rsplit("/", 1)[1]
    with repo.db.writer.begin() as conn:
        conn.execute(export_jobs.update().where(export_jobs.c.job_id == job_id).values(expires=now_us() - 1))

    # Past its time it is gone at once for clients; the worker's sweep then removes files and row.
    assert bulk.http.get(status_url).status_code == 404
    assert bulk.http.get(manifest["output"][0]["url"]).status_code == 404
    ExportWorker(repo, settings).sweep()
    assert not (settings.export_dir / job_id).exists()
    with repo.reading() as conn:
        assert conn.execute(export_jobs.select().where(export_jobs.c.job_id == job_id)).first() is None


def test_post_kick_off_with_parameters_and_patient(repo: SqlRepository, bulk: ExportClient) -> None:
    records = seed(repo, people=3, observations=2)
    chosen = records.patients[1]
    body = {"resourceType": "Parameters", "parameter": [
        {"name": "_type", "valueString": "Patient,Observation"},
        {"name": "_outputFormat", "valueString": "ndjson"},
        {"name": "patient", "valueReference": {"reference": f"Patient/{chosen}"}},
    ]}
    response = bulk.http.post(f"{bulk.base}/fhir/Patient/$export", json=body,
                              headers={"Prefer": "respond-async", "Content-Type": "application/fhir+json"})
    assert response.status_code == 202, response.text
    manifest, _ = bulk.wait(response.headers["Content-Location"])
    files = bulk.download(manifest)
    assert [r["id"] for r in files["Patient"]] == [chosen]
    assert {r["id"] for r in files["Observation"]} == set(records.observations[chosen])

    # `patient` belongs to Patient and Group exports only.
    system = bulk.http.post(f"{bulk.base}/fhir/$export", json=body,
                            headers={"Prefer": "respond-async", "Content-Type": "application/fhir+json"})
    assert system.status_code == 400 and "patient" in system.json()["issue"][0]["diagnostics"]
