"""The CapabilityStatement tells the truth: every type and search parameter it lists works.
See https://hl7.org/fhir/R4/capabilitystatement.html"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from gateway.openapi_doc import build_openapi
from tests.gateway.api.fhir_api import FhirApi

# A plausible value for each search parameter type (the search must parse it; matches are not the point).
SAMPLE = {
    "string": "ash", "token": "http://example.org|abc", "date": "ge2020-01-01", "reference": "Patient/abc",
    "quantity": "gt5", "number": "gt5", "uri": "http://example.org/x", "composite": "a$b", "special": "x",
}


def statement(client: TestClient) -> dict[str, Any]:
    response = client.get("/fhir/metadata")
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]


def resource_entry(client: TestClient, res_type: str) -> dict[str, Any]:
    return next(r for r in statement(client)["rest"][0]["resource"] if r["type"] == res_type)


def test_statement_is_an_r4_server_instance(client: TestClient) -> None:
    cs = statement(client)
    assert cs["resourceType"] == "CapabilityStatement"
    assert cs["fhirVersion"] == "4.0.1"
    assert cs["kind"] == "instance"
    assert cs["rest"][0]["mode"] == "server"
    assert "application/fhir+json" in cs["format"]


def test_lists_the_core_types_with_their_interactions(client: TestClient) -> None:
    listed = {r["type"]: {i["code"] for i in r["interaction"]} for r in statement(client)["rest"][0]["resource"]}
    for res_type in ("Patient", "Observation", "Encounter", "Condition", "CarePlan"):
        assert {"read", "vread", "search-type", "create", "update", "delete"} <= listed[res_type]


def test_lists_system_interactions(client: TestClient) -> None:
    codes = {i["code"] for i in statement(client)["rest"][0]["interaction"]}
    assert {"transaction", "batch"} <= codes


def test_patient_lists_its_standard_search_params(client: TestClient) -> None:
    names = {p["name"] for p in resource_entry(client, "Patient")["searchParam"]}
    assert {"family", "given", "name", "birthdate", "gender", "identifier", "_id", "_lastUpdated"} <= names


def test_every_listed_patient_search_param_works(fhir: FhirApi) -> None:
    fhir.patient(gender="female", birthDate="1970-01-01")
    failures = []
    for param in resource_entry(fhir.client, "Patient")["searchParam"]:
        value = SAMPLE[param["type"]]
        if param["name"] in ("_id",):
            value = "abc"
        response = fhir.get("Patient", headers={"Prefer": "handling=strict"}, **{param["name"]: value})
        if response.status_code != 200:
            failures.append((param["name"], response.status_code, response.text[:200]))
    assert not failures


@pytest.mark.parametrize("res_type", ["Observation", "Encounter", "Condition", "CarePlan", "Practitioner"])
def test_every_listed_search_param_of_other_types_parses(fhir: FhirApi, res_type: str) -> None:
    failures = []
    for param in resource_entry(fhir.client, res_type)["searchParam"]:
        response = fhir.get(res_type, headers={"Prefer": "handling=strict"}, **{param["name"]: SAMPLE[param["type"]]})
        if response.status_code != 200:
            failures.append((param["name"], response.status_code, response.text[:200]))
    assert not failures


def test_every_listed_type_can_be_searched(fhir: FhirApi) -> None:
    failures = [r["type"] for r in statement(fhir.client)["rest"][0]["resource"]
                if fhir.get(r["type"], _count="1").status_code != 200]
    assert not failures


def test_metadata_works_without_a_token_and_is_fhir_json(client: TestClient) -> None:
    response = client.get("/fhir/metadata")
    assert response.headers["content-type"].startswith("application/fhir+json")


def test_openapi_json_equals_the_built_document(client: TestClient) -> None:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    assert response.json() == build_openapi()
