"""Every parameter type with its modifiers and prefixes, run as SQL on SQLite (and PostgreSQL)."""

from __future__ import annotations

import orjson
import pytest
from sqlalchemy import Engine

from gateway.search.params import parse_search
from gateway.search.sql import SearchPage, execute_search
from tests.gateway.search.conftest import BASE, Store, put
from tests.gateway.search.data import ALL, NHS, NHS_1

CASES = [
    # token: system|code, code, |code, :not, :text, :of-type, boolean, code
    ("Patient", [("identifier", f"{NHS}|{NHS_1}")], ["p1"]),
    ("Patient", [("identifier", NHS_1)], ["p1"]),
    ("Patient", [("identifier", f"|{NHS_1}")], []),
    ("Patient", [("identifier", f"{NHS}|")], ["p1", "p2"]),
    ("Patient", [("identifier:of-type", "http://terminology.hl7.org/CodeSystem/v2-0203|MR|MRN-3")], ["p3"]),
    ("Patient", [("gender", "female")], ["p1", "p3"]),
    ("Patient", [("gender:not", "female")], ["p2"]),
    ("Patient", [("active", "true")], ["p1"]),
    ("Patient", [("deceased", "true")], ["p3"]),
    ("Patient", [("email", "zoe@example.org")], ["p1"]),
    ("Patient", [("phone", "zoe@example.org")], []),
    ("Condition", [("code", "http://snomed.info/sct|44054006")], ["c1", "c2"]),
    ("Condition", [("code:text", "diabetes")], ["c1", "c2"]),
    ("Condition", [("code:text", "hyper")], ["c3"]),
    # string: prefix, accents, :exact, :contains, name parts, address
    ("Patient", [("name", "smith")], ["p1", "p2"]),
    ("Patient", [("family:exact", "Smith")], ["p1"]),
    ("Patient", [("family:exact", "smith")], []),
    ("Patient", [("given", "zoe")], ["p1"]),
    ("Patient", [("given:exact", "Zoë")], ["p1"]),
    ("Patient", [("name:contains", "ithso")], ["p2"]),
    ("Patient", [("address-city", "LEE")], ["p1"]),
    ("Patient", [("name", "smith"), ("gender", "male")], ["p2"]),
    # date: precision and prefixes
    ("Patient", [("birthdate", "1970")], ["p1"]),
    ("Patient", [("birthdate", "1985-06-01")], []),
    ("Patient", [("birthdate", "ge1985-06-01")], ["p2", "p3"]),
    ("Patient", [("birthdate", "lt1985")], ["p1"]),
    ("Patient", [("birthdate", "sa1985-12-31")], ["p3"]),
    ("Patient", [("birthdate", "ne1970-05-01")], ["p2", "p3"]),
    ("Patient", [("death-date", "2021-02")], ["p3"]),
    ("Encounter", [("date", "2023-03-01")], ["e1"]),
    ("Encounter", [("date", "ge2023-01-01"), ("date", "le2023-12-31")], ["e1", "e2"]),
    ("Encounter", [("date", "eb2023")], ["e3"]),
    ("Encounter", [("date", "gt2024-06-01")], ["e2"]),
    ("Condition", [("onset-date", "2019-02")], []),
    ("Condition", [("onset-date", "ge2019-02-01")], ["c3"]),
    ("Condition", [("onset-date", "lt2016")], ["c1"]),
    ("Observation", [("code", "http://loinc.org|4548-4"), ("date", "ge2023-01-01"), ("date", "lt2023-04")], ["o1"]),
    ("Observation", [("date", "2023-06-01T09:00:00Z")], ["o2"]),
    ("Observation", [("date", "ap2022-01-01")], ["o3"]),
    # number/quantity with prefixes and units
    ("Observation", [("value-quantity", "48")], ["o1"]),
    ("Observation", [("value-quantity", "gt45|http://unitsofmeasure.org|mmol/mol")], ["o1", "o2"]),
    ("Observation", [("value-quantity", "le48||mmol/mol")], ["o1", "o3"]),
    ("Observation", [("value-quantity", "40")], []),
    ("Observation", [("value-quantity", "40.5")], ["o3"]),
    ("Observation", [("value-quantity", "ap50")], ["o1", "o2"]),
    ("Observation", [("value-quantity", "lt60|http://unitsofmeasure.org|mg")], []),
    ("Observation", [("value-string", "120")], ["o4"]),
    ("Condition", [("onset-age", "ge50")], ["c2"]),
    # reference: id, Type/id, absolute, :Type, :identifier, resolve() filters, chaining, canonical
    ("Condition", [("patient", "p1")], ["c1", "c3"]),
    ("Condition", [("subject", "Patient/p2")], ["c2"]),
    ("Condition", [("subject:Patient", "p2")], ["c2"]),
    ("Condition", [("subject", f"{BASE}/Patient/p2")], ["c2"]),
    ("Observation", [("performer", "Practitioner/gp1")], ["o4"]),
    ("Observation", [("patient", "p1"), ("code", "4548-4")], ["o1", "o2"]),
    ("Observation", [("subject:Patient.name", "smithson")], ["o3"]),
    ("Observation", [("subject.identifier", f"{NHS}|{NHS_1}")], ["o1", "o2", "o4"]),
    ("Appointment", [("status", "booked")], ["a1", "a3"]),
    ("Appointment", [("patient", "p2"), ("status", "booked")], ["a3"]),
    ("Appointment", [("date", "2024-02")], ["a1", "a2", "a3"]),
    ("QuestionnaireResponse", [("questionnaire", "https://care-gateway.example/fhir/Questionnaire/omaha")], ["qr1"]),
    ("QuestionnaireResponse", [("author:identifier", "https://gw.example/staff|n7")], ["qr1"]),
    ("Provenance", [("target", "Observation/o1")], ["pv1"]),
    # uri with :below/:above
    ("Questionnaire", [("url", "https://care-gateway.example/fhir/Questionnaire/omaha")], ["q1"]),
    ("Questionnaire", [("url:below", "https://care-gateway.example/fhir/")], ["q1"]),
    ("Questionnaire", [("url:above", "https://care-gateway.example/fhir/Questionnaire/omaha/v2")], ["q1"]),
    ("Questionnaire", [("url", "https://care-gateway.example/fhir/")], []),
    # :missing, _id, _lastUpdated
    ("Patient", [("deceased:missing", "true")], []),
    ("Patient", [("death-date:missing", "true")], ["p1", "p2"]),
    ("Patient", [("general-practitioner:missing", "false")], ["p1"]),
    ("Patient", [("_id", "p1,p3")], ["p1", "p3"]),
    ("Patient", [("_id:not", "p1")], ["p2", "p3"]),
    ("Patient", [("_lastUpdated", "2024-01")], ["p1", "p2", "p3"]),
    ("Patient", [("_lastUpdated", "gt2024-01-02")], []),
]


def search(engine: Engine, rtype: str, params: list[tuple[str, str]]) -> SearchPage:
    req = parse_search(rtype, params, BASE, strict=True)
    with engine.connect() as conn:
        return execute_search(conn, req)


@pytest.fixture
def loaded(engine: Engine, store: Store) -> Engine:
    store(*ALL)
    with engine.begin() as conn:
        put(conn, {"resourceType": "Patient", "id": "p9", "gender": "female"}, deleted=True)
    return engine


@pytest.mark.parametrize(("rtype", "params", "expected"), CASES, ids=[f"{c[0]}?{c[1]}" for c in CASES])
def test_search_matches(loaded: Engine, rtype: str, params: list[tuple[str, str]], expected: list[str]) -> None:
    page = search(loaded, rtype, [*params, ("_count", "50")])
    assert [e[1] for e in page.entries] == expected
    assert page.total == len(expected)


def test_sort_several_keys_descending(loaded: Engine) -> None:
    page = search(loaded, "Patient", [("_sort", "gender,-birthdate")])
    assert [e[1] for e in page.entries] == ["p3", "p1", "p2"]
    page = search(loaded, "Observation", [("_sort", "-date")])
    assert [e[1] for e in page.entries] == ["o2", "o4", "o1", "o3"]  # by period end: o4 is a whole day
    page = search(loaded, "Patient", [("_sort", "-_id")])
    assert [e[1] for e in page.entries] == ["p3", "p2", "p1"]


def test_sort_missing_values_last(loaded: Engine) -> None:
    for sort in ("death-date", "-death-date"):
        assert [e[1] for e in search(loaded, "Patient", [("_sort", sort)]).entries][0] == "p3"
        assert [e[1] for e in search(loaded, "Patient", [("_sort", sort)]).entries][1:] == ["p1", "p2"]


def test_summary_count_and_total_none(loaded: Engine) -> None:
    page = search(loaded, "Observation", [("_summary", "count")])
    assert page.entries == [] and page.total == 4
    page = search(loaded, "Observation", [("_total", "none")])
    assert page.total is None and len(page.entries) == 4


def test_include_and_revinclude(loaded: Engine) -> None:
    page = search(loaded, "Observation", [("code", "4548-4"), ("patient", "p1"), ("_include", "Observation:subject")])
    assert [e[1] for e in page.entries] == ["o1", "o2"]
    assert [(e[0], e[1]) for e in page.included] == [("Patient", "p1")]
    page = search(loaded, "Observation", [("_id", "o1"), ("_revinclude", "Provenance:target")])
    assert [(e[0], e[1]) for e in page.included] == [("Provenance", "pv1")]
    page = search(
        loaded, "Provenance",
        [("_include", "Provenance:target"), ("_include:iterate", "Observation:subject:Patient")],
    )  # fmt: skip
    assert sorted((e[0], e[1]) for e in page.included) == [("Observation", "o1"), ("Patient", "p1")]


def test_elements_subsets_and_tags(loaded: Engine) -> None:
    page = search(loaded, "Patient", [("_id", "p1"), ("_elements", "name,gender")])
    body = orjson.loads(page.entries[0][3])
    assert set(body) == {"resourceType", "id", "meta", "name", "gender"}
    assert {"system": "http://terminology.hl7.org/CodeSystem/v3-ObservationValue", "code": "SUBSETTED"} in body["meta"][
        "tag"
    ]
    page = search(loaded, "Observation", [("_id", "o1"), ("_elements", "value[x]")])
    assert "valueQuantity" in orjson.loads(page.entries[0][3])


def test_summary_true_keeps_summary_elements(loaded: Engine) -> None:
    page = search(loaded, "Patient", [("_id", "p1"), ("_summary", "true")])
    body = orjson.loads(page.entries[0][3])
    assert "name" in body and "telecom" in body and "meta" in body


def test_deleted_never_match(loaded: Engine) -> None:
    assert "p9" not in [e[1] for e in search(loaded, "Patient", [("gender", "female")]).entries]
    assert search(loaded, "Patient", [("_id", "p9")]).entries == []


def test_write_visible_to_next_search(loaded: Engine, store: Store) -> None:
    assert search(loaded, "Appointment", [("status", "noshow")]).entries == []
    store({"resourceType": "Appointment", "id": "a2", "status": "noshow", "participant": []})
    assert [e[1] for e in search(loaded, "Appointment", [("status", "noshow")]).entries] == ["a2"]
    assert [e[1] for e in search(loaded, "Appointment", [("status", "cancelled")]).entries] == []
