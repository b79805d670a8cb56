"""A Liquidlogic export imported into the same store as SystmOne: each person's social care record is
retrievable over FHIR and searchable by NHS number, LA person id, event type, eligibility outcome,
service type and date. Every expected set is computed from the stored resources, so a search that
returns too much or too little fails."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from adapters.liquidlogic.adapter import LiquidlogicAdapter
from adapters.liquidlogic.sample import write_export
from adapters.sample.people import Person
from adapters.uris import extension
from gateway.imports.pipeline import ImportRunner
from gateway.repository.sql import SqlRepository
from gateway.storage.tables import resources
from tests.gateway.imports.store import run_import
from tests.gateway.imports.test_search_after_import import search

NHS = "https://fhir.nhs.uk/Id/nhs-number"
LA_PERSON = "https://care-gateway.example/Id/liquidlogic/person"
SERVICE_TYPE = extension("social-care-service-type")
Resource = dict[str, Any]


@pytest.fixture
def stored(repo: SqlRepository, extract: Path, people: list[Person], tmp_path: Path) -> Callable[[str], list[Resource]]:
    """SystmOne then Liquidlogic samples of the same people in one store; stored('CarePlan') lists a type."""
    run_import(repo, extract)
    summary = ImportRunner(repo, user="test:ll").run(LiquidlogicAdapter(), write_export(people, tmp_path / "ll", 3))
    assert summary.status == "completed" and summary.counts["created"] > 0

    def of_type(res_type: str) -> list[Resource]:
        with repo.reading() as conn:
            rows = conn.execute(select(resources.c.content).where(
                resources.c.res_type == res_type, resources.c.deleted.is_(False))).scalars()
            return [orjson.loads(r) for r in rows]

    return of_type


def _codings(concepts: list[Any]) -> set[tuple[str, str]]:
    return {(c["system"], c["code"]) for concept in concepts if concept for c in concept.get("coding", [])}


def _token(system: str, code: str) -> str:
    return quote(f"{system}|{code}")


def test_a_person_by_la_id_and_nhs_number_and_their_social_care_record(
        stored: Callable[[str], list[Resource]], client: TestClient, auth: dict[str, str]) -> None:
    social = [p for p in stored("Patient") if any(i.get("system") == LA_PERSON for i in p.get("identifier", []))]
    assert len(social) >= 10
    for patient in social[:5]:
        la_id = next(i["value"] for i in patient["identifier"] if i["system"] == LA_PERSON)
        assert search(client, auth, f"Patient?identifier={_token(LA_PERSON, la_id)}") == {patient["id"]}
        nhs = next((i["value"] for i in patient["identifier"] if i["system"] == NHS), None)
        if nhs:  # the same number finds every Patient carrying it: this one, the SystmOne one, the golden one
            carrying = {p["id"] for p in stored("Patient")
                        if any(i.get("system") == NHS and i.get("value") == nhs for i in p.get("identifier", []))}
            assert patient["id"] in carrying
            assert search(client, auth, f"Patient?identifier={_token(NHS, nhs)}") == carrying
        # The social care record: every resource about this person, retrievable by patient.
        mine = {r["id"] for t in ("EpisodeOfCare", "Encounter", "ServiceRequest", "CarePlan", "Condition")
                for r in stored(t)
                if (r.get("subject") or r.get("patient") or {}).get("reference") == f"Patient/{patient['id']}"}
        found = set()
        for t in ("EpisodeOfCare", "Encounter", "ServiceRequest", "CarePlan", "Condition"):
            found |= search(client, auth, f"{t}?patient=Patient/{patient['id']}")
        assert found == mine


def test_events_by_type_and_date(stored: Callable[[str], list[Resource]], client: TestClient,
                                 auth: dict[str, str]) -> None:
    encounters = stored("Encounter")
    kinds = sorted(_codings([e.get("serviceType") for e in encounters]))
    assert kinds, "the sample has no assessments or reviews"
    for system, code in kinds:
        expected = {e["id"] for e in encounters if (system, code) in _codings([e.get("serviceType")])}
        assert search(client, auth, f"Encounter?service-type={_token(system, code)}") == expected
    requests = stored("ServiceRequest")
    for system, code in sorted(_codings([r.get("code") for r in requests])):
        expected = {r["id"] for r in requests if (system, code) in _codings([r.get("code")])}
        assert search(client, auth, f"ServiceRequest?code={_token(system, code)}") == expected
    # Date: events whose period starts in 2025 (assessments and reviews are Encounters).
    dated = {e["id"] for e in encounters if (e.get("period") or {}).get("start", "").startswith("2025")
             and (e.get("period") or {}).get("end", "9999") <= "2025-12-31T23:59:59"}
    assert search(client, auth, "Encounter?date=ge2025-01-01&date=le2025-12-31") >= dated and dated


def test_eligibility_outcomes(stored: Callable[[str], list[Resource]], client: TestClient,
                              auth: dict[str, str]) -> None:
    decisions = [c for c in stored("Condition")
                 if any(k.get("code") == "care-act-eligibility-decision"
                        for cat in c.get("category", []) for k in cat.get("coding", []))]
    outcomes = sorted(_codings([c.get("code") for c in decisions]))
    assert len(outcomes) >= 2, "the sample should hold more than one kind of eligibility decision"
    for system, code in outcomes:
        expected = {c["id"] for c in decisions if (system, code) in _codings([c.get("code")])}
        assert search(client, auth, f"Condition?code={_token(system, code)}") == expected


def test_services_by_service_type(stored: Callable[[str], list[Resource]], client: TestClient,
                                  auth: dict[str, str]) -> None:
    plans = stored("CarePlan")

    def service_types(plan: Resource) -> set[tuple[str, str]]:
        return _codings([x.get("valueCodeableConcept") for a in plan.get("activity", [])
                         for x in (a.get("detail") or {}).get("extension", []) if x.get("url") == SERVICE_TYPE])

    kinds = sorted(set().union(*(service_types(p) for p in plans)))
    assert kinds, "the sample has no services"
    for system, code in kinds:
        expected = {p["id"] for p in plans if (system, code) in service_types(p)}
        assert search(client, auth, f"CarePlan?service-type={_token(system, code)}") == expected
