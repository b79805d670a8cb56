"""SMART's client-py (`fhirclient`, R4 models) against a running gateway: its models must parse
everything the gateway sends (strictly typed), and its calls must work end to end."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fhirclient.models.bundle import Bundle
from fhirclient.models.capabilitystatement import CapabilityStatement
from fhirclient.models.observation import Observation
from fhirclient.models.patient import Patient
from fhirclient.server import FHIRServer
from requests import HTTPError

MRN = "https://care-gateway.example/fhir/id/test-mrn"


@pytest.fixture
def server(fhir_base: str, token: str) -> Iterator[FHIRServer]:
    srv = FHIRServer(None, base_uri=fhir_base + "/")
    srv.session.headers["Authorization"] = f"Bearer {token}"
    yield srv
    srv.session.close()


def new_patient(server: FHIRServer, family: str, **fields: object) -> Patient:
    created = Patient({"name": [{"family": family}], **fields}).create(server)
    return Patient(created)


def test_capability_statement_parses(server: FHIRServer) -> None:
    cs = CapabilityStatement(server.request_json("metadata"))
    assert cs.fhirVersion == "4.0.1"
    assert any(r.type == "Patient" for r in cs.rest[0].resource)


def test_create_and_read(server: FHIRServer) -> None:
    made = new_patient(server, "Clientpy", gender="male", birthDate="1961-07-08")
    read = Patient.read(made.id, server)
    assert read.name[0].family == "Clientpy"
    assert read.birthDate.isostring == "1961-07-08"
    assert read.meta.versionId == "1"


def test_update_with_if_match(server: FHIRServer) -> None:
    made = new_patient(server, "Clientpy")
    made.active = True
    server.session.headers["If-Match"] = 'W/"1"'
    try:
        updated = Patient(made.update(server))
        assert updated.meta.versionId == "2"
        made.active = False
        with pytest.raises(HTTPError) as stale:
            made.update(server)
        assert stale.value.response.status_code == 412
    finally:
        del server.session.headers["If-Match"]
    assert Patient.read(made.id, server).active is True


def test_conditional_create(server: FHIRServer) -> None:
    body = Patient({"identifier": [{"system": MRN, "value": "CP-1"}]})
    server.session.headers["If-None-Exist"] = f"identifier={MRN}|CP-1"
    try:
        first, second = Patient(body.create(server)), Patient(body.create(server))
    finally:
        del server.session.headers["If-None-Exist"]
    assert first.id == second.id
    found = Patient.where(struct={"identifier": f"{MRN}|CP-1"}).perform_resources(server)
    assert [p.id for p in found] == [first.id]


def test_search_pages_to_the_end(server: FHIRServer) -> None:
    for i in range(5):
        new_patient(server, "Pagedpy", birthDate=f"198{i}-01-01")
    search = Patient.where(struct={"family": "Pagedpy", "_count": "2"})
    bundles = list(search.perform_iter(server))
    ids = [e.resource.id for b in bundles for e in (b.entry or []) if e.search.mode == "match"]
    assert len(bundles) == 3
    assert len(ids) == len(set(ids)) == 5


def test_search_with_include(server: FHIRServer) -> None:
    patient = new_patient(server, "Includedpy")
    Observation({"status": "final", "code": {"text": "pulse"},
                 "subject": {"reference": f"Patient/{patient.id}"}}).create(server)
    search = Observation.where(struct={"subject": f"Patient/{patient.id}"}).include("subject")
    resources = search.perform_resources(server)
    assert sorted(type(r).__name__ for r in resources) == ["Observation", "Patient"]


def test_history_parses_as_a_bundle(server: FHIRServer) -> None:
    made = new_patient(server, "Historicpy")
    made.active = True
    made.update(server)
    history = Bundle(server.request_json(f"Patient/{made.id}/_history"))
    assert history.type == "history"
    assert [e.resource.meta.versionId for e in history.entry] == ["2", "1"]


def test_transaction_bundle(server: FHIRServer) -> None:
    patient_url = "urn:uuid:7d3c1e0a-63f4-4a7e-8d1b-0c5e9b6b2f10"
    bundle = Bundle({"type": "transaction", "entry": [
        {"fullUrl": patient_url, "resource": {"resourceType": "Patient", "name": [{"family": "Txclient"}]},
         "request": {"method": "POST", "url": "Patient"}},
        {"resource": {"resourceType": "Observation", "status": "final", "code": {"text": "pulse"},
                      "subject": {"reference": patient_url}},
         "request": {"method": "POST", "url": "Observation"}},
    ]})
    response = Bundle(server.post_json("", bundle.as_json()).json())
    assert response.type == "transaction-response"
    patient_id = response.entry[0].resource.id
    assert response.entry[1].resource.subject.reference == f"Patient/{patient_id}"


def test_delete(server: FHIRServer) -> None:
    made = new_patient(server, "Gonepy")
    made.delete(server)
    with pytest.raises(HTTPError) as gone:
        Patient.read(made.id, server)
    assert gone.value.response.status_code == 410
