"""After an import, the resources search correctly through the FHIR API: each search returns exactly the
imported resources whose stored content matches it (by NHS number, code, date, patient, status)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from gateway.repository.sql import SqlRepository
from gateway.storage.tables import resources
from tests.gateway.imports.store import run_import

NHS = "https://fhir.nhs.uk/Id/nhs-number"
Resource = dict[str, Any]


@pytest.fixture
def stored(repo: SqlRepository, extract: Path) -> Callable[[str], list[Resource]]:
    """Import the sample; then stored('Observation') lists the live resources of a type."""
    run_import(repo, extract)

    def of_type(res_type: str) -> list[Resource]:
        with repo.reading() as conn:
            rows = conn.execute(select(resources.c.content).where(
                resources.c.res_type == res_type, resources.c.deleted.is_(False))).scalars()
            return [orjson.loads(r) for r in rows]

    return of_type


def search(client: TestClient, auth: dict[str, str], query: str) -> set[str]:
    """Ids of every match, following the next links."""
    found: set[str] = set()
    url: str | None = f"/fhir/{query}&_count=200" if "?" in query else f"/fhir/{query}?_count=200"
    while url:
        response = client.get(url, headers=auth)
        assert response.status_code == 200, response.text
        bundle = response.json()
        found.update(e["resource"]["id"] for e in bundle.get("entry", [])
                     if e.get("search", {}).get("mode") != "include")
        url = next((link["url"] for link in bundle.get("link", []) if link["relation"] == "next"), None)
        if url and url.startswith("http"):
            url = url[url.index("/fhir/"):]
    return found


def ref_of(resource: Resource, path: str) -> str | None:
    value = resource.get(path)
    return value.get("reference") if isinstance(value, dict) else None


def codes(resource: Resource) -> set[tuple[str, str]]:
    return {(c.get("system"), c.get("code")) for c in (resource.get("code") or {}).get("coding", [])}


def test_patient_by_nhs_number(stored: Callable[[str], list[Resource]], client: TestClient,
                               auth: dict[str, str]) -> None:
    patients = stored("Patient")
    numbered = [(p, i["value"]) for p in patients for i in p.get("identifier", [])
                if i.get("system") == NHS and i.get("value")]
    assert len({n for _, n in numbered}) >= 35
    for patient, number in numbered[:5]:
        expected = {p["id"] for p, n in numbered if n == number}
        assert patient["id"] in expected
        assert search(client, auth, f"Patient?identifier={quote(NHS + '|' + number)}") == expected
    assert search(client, auth, f"Patient?identifier={quote(NHS + '|9990000018')}") == set()


def test_condition_by_code_and_patient(stored: Callable[[str], list[Resource]], client: TestClient,
                                       auth: dict[str, str]) -> None:
    conditions = stored("Condition")
    system, code = sorted(codes(conditions[0]))[0]
    subject = ref_of(conditions[0], "subject")
    expected = {c["id"] for c in conditions if (system, code) in codes(c) and ref_of(c, "subject") == subject}
    assert search(client, auth, f"Condition?code={quote(f'{system}|{code}')}&patient={subject}") == expected
    by_code = {c["id"] for c in conditions if (system, code) in codes(c)}
    assert search(client, auth, f"Condition?code={quote(f'{system}|{code}')}") == by_code
    by_patient = {c["id"] for c in conditions if ref_of(c, "subject") == subject}
    assert search(client, auth, f"Condition?patient={subject}") == by_patient


def test_observation_by_code_and_date(stored: Callable[[str], list[Resource]], client: TestClient,
                                      auth: dict[str, str]) -> None:
    observations = [o for o in stored("Observation") if o.get("effectiveDateTime")]
    for obs in observations[:: max(1, len(observations) // 4)]:
        system, code = sorted(codes(obs))[0]
        day = obs["effectiveDateTime"][:10]
        expected = {o["id"] for o in observations if (system, code) in codes(o) and o["effectiveDateTime"][:10] == day}
        assert obs["id"] in expected
        assert search(client, auth, f"Observation?code={quote(f'{system}|{code}')}&date={day}") == expected
        later = {o["id"] for o in observations if (system, code) in codes(o) and o["effectiveDateTime"][:10] > day}
        assert search(client, auth, f"Observation?code={quote(f'{system}|{code}')}&date=gt{day}") == later


def test_appointment_by_status_and_date(stored: Callable[[str], list[Resource]], client: TestClient,
                                        auth: dict[str, str]) -> None:
    appointments = stored("Appointment")
    statuses = {a["status"] for a in appointments}
    assert {"fulfilled", "booked"} <= statuses
    cut = sorted(a["start"] for a in appointments if a.get("start"))[len(appointments) // 2][:10]
    for status in statuses:
        expected = {a["id"] for a in appointments if a["status"] == status and a.get("start", "")[:10] >= cut}
        assert search(client, auth, f"Appointment?status={status}&date=ge{cut}") == expected


def test_encounter_by_date(stored: Callable[[str], list[Resource]], client: TestClient,
                           auth: dict[str, str]) -> None:
    encounters = stored("Encounter")
    starts = sorted(e["period"]["start"][:10] for e in encounters)
    cut = starts[len(starts) // 3]
    expected = {e["id"] for e in encounters if e["period"]["start"][:10] < cut}
    assert expected and search(client, auth, f"Encounter?date=lt{cut}") == expected


@pytest.mark.parametrize(("res_type", "field"), [("MedicationRequest", "subject"), ("RelatedPerson", "patient"),
                                                 ("Immunization", "patient"), ("AllergyIntolerance", "patient"),
                                                 ("ServiceRequest", "subject")])
def test_by_patient(stored: Callable[[str], list[Resource]], client: TestClient, auth: dict[str, str],
                    res_type: str, field: str) -> None:
    items = stored(res_type)
    patients = sorted({ref_of(i, field) for i in items if ref_of(i, field)})
    assert patients
    for patient in patients[:3]:
        expected = {i["id"] for i in items if ref_of(i, field) == patient}
        assert search(client, auth, f"{res_type}?patient={patient}") == expected


@pytest.mark.parametrize("res_type", ["Practitioner", "PractitionerRole", "Organization"])
def test_practitioners_and_organizations_exist(stored: Callable[[str], list[Resource]], client: TestClient,
                                               auth: dict[str, str], res_type: str) -> None:
    items = stored(res_type)
    assert items
    assert search(client, auth, res_type) >= {i["id"] for i in items}
    for item in items[:3]:
        assert client.get(f"/fhir/{res_type}/{item['id']}", headers=auth).status_code == 200
