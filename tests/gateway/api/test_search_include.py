"""_include and _revinclude. See https://hl7.org/fhir/R4/search.html#include"""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.gateway.api.fhir_api import FhirApi, assert_outcome, ids_of


def observation(fhir: FhirApi, subject: str, text: str = "pulse") -> str:
    return fhir.create({"resourceType": "Observation", "status": "final", "code": {"text": text},
                        "subject": {"reference": f"Patient/{subject}"}})["id"]


def test_include_adds_the_referenced_patient_once(fhir: FhirApi) -> None:
    ann = fhir.patient()["id"]
    first, second = observation(fhir, ann), observation(fhir, ann)
    bundle = fhir.search("Observation?_include=Observation:subject")
    assert set(ids_of(bundle)) == {first, second}
    assert ids_of(bundle, "include") == [ann]


def test_include_with_a_target_type(fhir: FhirApi) -> None:
    ann = fhir.patient()["id"]
    observation(fhir, ann)
    assert ids_of(fhir.search("Observation?_include=Observation:subject:Patient"), "include") == [ann]
    assert ids_of(fhir.search("Observation?_include=Observation:subject:Location"), "include") == []


def test_revinclude_adds_what_points_at_the_matches(fhir: FhirApi) -> None:
    ann, bob = fhir.patient(family="Rev")["id"], fhir.patient(family="Other")["id"]
    mine = observation(fhir, ann)
    observation(fhir, bob)
    bundle = fhir.search("Patient?family=Rev&_revinclude=Observation:subject")
    assert ids_of(bundle) == [ann]
    assert ids_of(bundle, "include") == [mine]


def test_included_resources_do_not_count_in_total(fhir: FhirApi) -> None:
    ann = fhir.patient()["id"]
    observation(fhir, ann)
    observation(fhir, ann)
    assert fhir.search("Observation?_include=Observation:subject")["total"] == 2


def test_include_follows_each_page(fhir: FhirApi) -> None:
    people = [fhir.patient(family=f"P{i}")["id"] for i in range(3)]
    for person in people:
        observation(fhir, person)
    pages = fhir.follow(fhir.search("Observation?_include=Observation:subject&_count=1"))
    assert len(pages) == 3
    for page in pages:
        obs = page["entry"][0]["resource"]
        assert ids_of(page, "include") == [obs["subject"]["reference"].split("/")[1]]


def test_include_of_a_deleted_target_is_left_out(fhir: FhirApi) -> None:
    ann = fhir.patient()["id"]
    observation(fhir, ann)
    fhir.delete(f"Patient/{ann}")
    assert ids_of(fhir.search("Observation?_include=Observation:subject"), "include") == []


def test_include_of_a_non_reference_parameter_is_400(fhir: FhirApi) -> None:
    assert_outcome(fhir.get("Observation", _include="Observation:status"), 400)


def test_include_in_the_wrong_shape_is_400(fhir: FhirApi) -> None:
    assert_outcome(fhir.get("Observation", _include="subject"), 400)


def test_wildcard_revinclude_adds_everything_pointing_at_the_matches(fhir: FhirApi) -> None:
    ann = fhir.patient(family="Wild")["id"]
    seen = observation(fhir, ann)
    flag = fhir.create({"resourceType": "Flag", "status": "active", "code": {"text": "key safe"},
                        "subject": {"reference": f"Patient/{ann}"}})["id"]
    bundle = fhir.search("Patient?family=Wild&_revinclude=*")
    assert sorted(ids_of(bundle, "include")) == sorted([seen, flag])


def test_includes_never_reach_past_the_token_scopes(client: TestClient, fhir: FhirApi,
                                                     token_for: Callable[..., str]) -> None:
    """A token for Observations only gets no Patient through _include, and is told why."""
    ann = fhir.patient()["id"]
    observation(fhir, ann)
    token = token_for(role="integrator", scopes=["user/Observation.rs"])
    narrow = FhirApi(client, {"Authorization": f"Bearer {token}"})
    bundle = narrow.search("Observation?_include=Observation:subject")
    assert ids_of(bundle) and ids_of(bundle, "include") == []
    warnings = [e["resource"] for e in bundle["entry"] if e["search"]["mode"] == "outcome"]
    assert "Patient" in warnings[0]["issue"][0]["diagnostics"]
    assert ids_of(fhir.search("Observation?_include=Observation:subject"), "include") == [ann]
