"""Issue 13's hostile inputs, each answered with a bounded OperationOutcome (never a 5xx) and nothing
stored that should not be. Runs on SQLite and, with GATEWAY_TEST_POSTGRES_URL, on PostgreSQL (a NUL
in a search value used to fail there)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from adapters.sample.people import generate_people
from adapters.systmone.adapter import SystmOneAdapter
from adapters.systmone.sample import write_extract
from gateway.app import build_repository
from gateway.imports.pipeline import ImportRunner
from gateway.settings import Settings
from tests.gateway.api.fhir_api import FhirApi
from tests.hardening.corpus import ALL_CASES, BAD_ENTRY_URLS, Case, entry_id_bundle


def _outcome(response: httpx.Response, status: int) -> dict:  # type: ignore[type-arg]
    assert response.status_code == status, f"{response.status_code}: {response.text[:300]}"
    body = response.json()
    assert body["resourceType"] == "OperationOutcome" and body["issue"][0]["severity"] == "error"
    assert "Traceback" not in response.text
    return body  # type: ignore[no-any-return]


@pytest.mark.parametrize("case", ALL_CASES, ids=[c.name for c in ALL_CASES])
def test_each_hostile_input_gets_a_bounded_answer(shared_client: tuple[TestClient, dict[str, str]],
                                                  case: Case) -> None:
    client, auth = shared_client
    headers = {**auth, **case.headers}
    response = client.request(case.method, case.path, content=case.body, headers=headers)
    _outcome(response, case.status)


def test_search_limits_leave_ordinary_searches_alone(fhir: FhirApi) -> None:
    patient = fhir.patient(family="Ashby")
    names = ",".join(["Ashby", *(f"n{i}" for i in range(99))])  # 100 values: the default limit
    bundle = fhir.search(f"Patient?name={names}&_sort=name,-birthdate,gender,_id,-_lastUpdated")
    assert [e["resource"]["id"] for e in bundle["entry"]] == [patient["id"]]


def test_too_costly_says_which_limit(client: TestClient, auth: dict[str, str]) -> None:
    body = _outcome(client.get("/fhir/Patient?_sort=" + ",".join(["name"] * 6), headers=auth), 400)
    assert body["issue"][0]["code"] == "too-costly" and "GATEWAY_MAX_SORT_KEYS" in body["issue"][0]["diagnostics"]


@pytest.mark.parametrize("url", BAD_ENTRY_URLS, ids=["200-character id", "dot-dot", "escaped slash"])
def test_bad_ids_in_bundle_entries_are_refused_and_nothing_is_stored(fhir: FhirApi, url: str) -> None:
    client, auth = fhir.client, fhir.headers
    _outcome(client.post("/fhir", content=entry_id_bundle("transaction", url), headers=auth), 400)
    batch = client.post("/fhir", content=entry_id_bundle("batch", url), headers=auth)
    assert batch.status_code == 200
    assert batch.json()["entry"][0]["response"]["status"] == "400"
    assert fhir.search("Basic")["total"] == 0


def test_a_resource_sent_as_a_form_is_not_stored(fhir: FhirApi) -> None:
    response = fhir.client.post("/fhir/Patient", content=b'{"resourceType": "Patient"}',
                                headers={**fhir.headers, "Content-Type": "application/x-www-form-urlencoded"})
    _outcome(response, 415)
    assert fhir.search("Patient")["total"] == 0
    form_search = fhir.client.post("/fhir/Patient/_search", data={"name": "x"},
                                   headers={"Authorization": fhir.headers["Authorization"]})
    assert form_search.status_code == 200  # forms stay welcome where a form is read


def test_bundle_entries_are_capped(client: TestClient, auth: dict[str, str], settings: Settings) -> None:
    entry = b'{"request": {"method": "GET", "url": "Patient?_id=x"}}'
    many = b'{"resourceType": "Bundle", "type": "batch", "entry": [' + b",".join([entry] * 1001) + b"]}"
    body = _outcome(client.post("/fhir", content=many, headers=auth), 413)
    assert "GATEWAY_MAX_BUNDLE_ENTRIES" in body["issue"][0]["diagnostics"]


def test_a_declared_body_over_the_limit_is_refused_before_it_is_read(client: TestClient, auth: dict[str, str]) -> None:
    big = b" " * (16 * 1024 * 1024 + 1)
    body = _outcome(client.post("/fhir/Patient", content=big, headers=auth), 413)
    assert "GATEWAY_MAX_BODY_BYTES" in body["issue"][0]["diagnostics"]


def test_a_chunked_body_is_stopped_at_the_limit(client: TestClient, auth: dict[str, str]) -> None:
    sent = 0

    def chunks():  # type: ignore[no-untyped-def]
        nonlocal sent
        for _ in range(20):
            sent += 1
            yield b" " * (1024 * 1024)

    response = client.post("/fhir/Patient", content=chunks(), headers=auth)
    _outcome(response, 413)
    assert "content-length" not in {k.lower() for k in response.request.headers}


def test_a_resource_nested_within_the_depth_limit_is_stored(fhir: FhirApi) -> None:
    from tests.hardening.corpus import _deep_extension

    response = fhir.client.post("/fhir/Patient", content=_deep_extension(40), headers=fhir.headers)
    assert response.status_code == 201, response.text[:300]


def test_import_rows_take_only_a_positive_count(client: TestClient, auth: dict[str, str], settings: Settings,
                                                tmp_path: Path) -> None:
    repo = build_repository(settings)
    try:
        folder = write_extract(generate_people(3, 5), tmp_path / "extract", 5)
        run = ImportRunner(repo, user="test:hardening").run(SystmOneAdapter(), folder)
    finally:
        repo.db.dispose()
    assert run.rows > 3
    rows = f"/api/imports/{run.run_id}/rows"
    for bad in ("-1", "-8495", "²", "0", "1e3"):
        _outcome(client.get(f"{rows}?_count={bad}", headers=auth), 400)
    _outcome(client.get(f"{rows}?_cursor=²", headers=auth), 400)
    page = client.get(f"{rows}?_count=2", headers=auth)
    assert page.status_code == 200 and len(page.json()["rows"]) == 2


def test_an_audit_event_id_of_unicode_digits_matches_nothing(shared_client: tuple[TestClient, dict[str, str]]) -> None:
    client, auth = shared_client
    response = client.get("/fhir/AuditEvent?_id=²", headers=auth)
    assert response.status_code == 200 and response.json()["total"] == 0
