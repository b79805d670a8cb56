"""Content negotiation and what the CapabilityStatement promises about formats and includes.
See https://hl7.org/fhir/R4/http.html#mime-type and https://hl7.org/fhir/R4/capabilitystatement.html"""

from __future__ import annotations

import pytest

from tests.gateway.api.fhir_api import FhirApi, assert_outcome, ids_of


@pytest.mark.parametrize("accept", ["application/fhir+json", "application/json", "*/*",
                                    "application/fhir+json; fhirVersion=4.0"])
def test_json_accept_headers_get_fhir_json(fhir: FhirApi, accept: str) -> None:
    response = fhir.get("Patient", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/fhir+json")


def test_format_json_is_accepted(fhir: FhirApi) -> None:
    assert fhir.get("Patient", _format="json").status_code == 200


def test_plain_json_content_type_is_accepted_on_create(fhir: FhirApi) -> None:
    response = fhir.post("Patient", {"resourceType": "Patient"}, headers={"Content-Type": "application/json"})
    assert response.status_code == 201


def test_asking_for_xml_is_406(fhir: FhirApi) -> None:
    assert_outcome(fhir.get("Patient", headers={"Accept": "application/fhir+xml"}), 406)


def test_format_xml_is_406(fhir: FhirApi) -> None:
    assert_outcome(fhir.get("Patient", _format="xml"), 406)


def test_an_xml_body_is_415(fhir: FhirApi) -> None:
    response = fhir.client.post("/fhir/Patient", content=b"<Patient xmlns='http://hl7.org/fhir'/>",
                                headers={**fhir.headers, "Content-Type": "application/fhir+xml"})
    assert_outcome(response, 415)


def test_capability_statement_formats_are_json_only(fhir: FhirApi) -> None:
    formats = fhir.client.get("/fhir/metadata").json()["format"]
    assert not [f for f in formats if "xml" in f]


def test_wildcard_include_promised_by_the_capability_statement_works(fhir: FhirApi) -> None:
    patient = fhir.patient()
    fhir.create({"resourceType": "Observation", "status": "final", "code": {"text": "pulse"},
                 "subject": {"reference": f"Patient/{patient['id']}"}})
    cs = fhir.client.get("/fhir/metadata").json()
    observation = next(r for r in cs["rest"][0]["resource"] if r["type"] == "Observation")
    assert "*" in observation["searchInclude"]
    bundle = fhir.search("Observation?_include=*")
    assert ids_of(bundle, "include") == [patient["id"]]
