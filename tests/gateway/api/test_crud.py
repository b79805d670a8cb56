"""read, vread, create, update (and update-as-create), If-Match, delete: status codes, headers and meta
as https://hl7.org/fhir/R4/http.html says."""

from __future__ import annotations

from email.utils import parsedate_to_datetime

from tests.gateway.api.fhir_api import BASE, FhirApi, assert_outcome


def test_create_answers_201_with_location_etag_and_last_modified(fhir: FhirApi) -> None:
    response = fhir.post("Patient", {"resourceType": "Patient", "name": [{"family": "Ashby"}]})
    assert response.status_code == 201
    body = response.json()
    assert response.headers["location"] == f"{BASE}/Patient/{body['id']}/_history/1"
    assert response.headers["etag"] == 'W/"1"'
    assert body["meta"]["versionId"] == "1"
    modified = parsedate_to_datetime(response.headers["last-modified"])
    assert modified.isoformat()[:19] == body["meta"]["lastUpdated"][:19]
    assert response.headers["content-type"].startswith("application/fhir+json")


def test_create_ignores_a_client_supplied_id(fhir: FhirApi) -> None:
    body = fhir.post("Patient", {"resourceType": "Patient", "id": "chosen-by-client"}).json()
    assert body["id"] != "chosen-by-client"
    assert fhir.get("Patient/chosen-by-client").status_code == 404


def test_read_returns_the_created_resource_with_version_headers(fhir: FhirApi) -> None:
    created = fhir.patient(gender="female", birthDate="1970-03-04")
    response = fhir.get(f"Patient/{created['id']}")
    assert response.status_code == 200
    assert response.json() == created
    assert response.headers["etag"] == 'W/"1"'
    assert "last-modified" in response.headers


def test_update_makes_a_new_version_and_vread_keeps_the_old(fhir: FhirApi) -> None:
    created = fhir.patient(gender="female")
    response = fhir.put(f"Patient/{created['id']}", {**created, "gender": "male"})
    assert response.status_code == 200
    assert response.headers["etag"] == 'W/"2"'
    assert response.headers["location"].endswith(f"/Patient/{created['id']}/_history/2")
    assert response.json()["meta"]["versionId"] == "2"
    assert response.json()["meta"]["lastUpdated"] >= created["meta"]["lastUpdated"]
    old = fhir.get(f"Patient/{created['id']}/_history/1")
    assert old.status_code == 200 and old.json()["gender"] == "female"
    assert old.headers["etag"] == 'W/"1"'
    assert fhir.get(f"Patient/{created['id']}").json()["gender"] == "male"


def test_update_without_id_in_body_takes_the_url_id(fhir: FhirApi) -> None:
    created = fhir.patient()
    body = {k: v for k, v in created.items() if k not in ("id", "meta")}
    response = fhir.put(f"Patient/{created['id']}", {**body, "active": True})
    assert response.status_code == 200
    assert response.json()["id"] == created["id"]


def test_repeating_an_identical_update_makes_no_new_version(fhir: FhirApi) -> None:
    """The gateway detects no-op updates: same content answers 200 with the current version."""
    created = fhir.patient()
    first = fhir.put(f"Patient/{created['id']}", {**created, "active": True})
    again = fhir.put(f"Patient/{created['id']}", {**created, "active": True})
    assert again.status_code == 200
    assert again.headers["etag"] == first.headers["etag"] == 'W/"2"'
    assert fhir.get(f"Patient/{created['id']}/_history/3").status_code == 404


def test_putting_back_what_read_returned_makes_no_new_version(fhir: FhirApi) -> None:
    created = fhir.patient()
    response = fhir.put(f"Patient/{created['id']}", created)
    assert response.status_code == 200
    assert response.headers["etag"] == 'W/"1"'


def test_update_as_create_with_a_client_id_answers_201(fhir: FhirApi) -> None:
    response = fhir.put("Patient/client-chosen-1", {"resourceType": "Patient", "id": "client-chosen-1"})
    assert response.status_code == 201
    assert response.headers["etag"] == 'W/"1"'
    assert response.headers["location"].endswith("/Patient/client-chosen-1/_history/1")
    assert fhir.get("Patient/client-chosen-1").status_code == 200


def test_if_match_with_the_current_version_updates(fhir: FhirApi) -> None:
    created = fhir.patient()
    response = fhir.put(f"Patient/{created['id']}", {**created, "active": True}, headers={"If-Match": 'W/"1"'})
    assert response.status_code == 200
    assert response.headers["etag"] == 'W/"2"'


def test_if_match_with_a_stale_version_is_412_and_changes_nothing(fhir: FhirApi) -> None:
    created = fhir.patient()
    fhir.put(f"Patient/{created['id']}", {**created, "active": True})
    stale = fhir.put(f"Patient/{created['id']}", {**created, "active": False}, headers={"If-Match": 'W/"1"'})
    assert_outcome(stale, 412)
    assert fhir.get(f"Patient/{created['id']}").json()["active"] is True


def test_if_match_on_delete_with_a_stale_version_is_412(fhir: FhirApi) -> None:
    created = fhir.patient()
    fhir.put(f"Patient/{created['id']}", {**created, "active": True})
    assert_outcome(fhir.delete(f"Patient/{created['id']}", headers={"If-Match": 'W/"1"'}), 412)
    assert fhir.get(f"Patient/{created['id']}").status_code == 200


def test_delete_answers_204_then_read_is_410_and_vread_still_works(fhir: FhirApi) -> None:
    created = fhir.patient()
    response = fhir.delete(f"Patient/{created['id']}")
    assert response.status_code == 204
    assert response.content == b""
    assert_outcome(fhir.get(f"Patient/{created['id']}"), 410)
    old = fhir.get(f"Patient/{created['id']}/_history/1")
    assert old.status_code == 200 and old.json()["id"] == created["id"]


def test_deleting_twice_is_idempotent(fhir: FhirApi) -> None:
    created = fhir.patient()
    assert fhir.delete(f"Patient/{created['id']}").status_code == 204
    assert fhir.delete(f"Patient/{created['id']}").status_code == 204


def test_delete_of_an_unknown_id_answers_204(fhir: FhirApi) -> None:
    """Documented choice: the gateway treats deleting what never existed like deleting twice."""
    assert fhir.delete("Patient/never-there").status_code == 204


def test_a_deleted_resource_can_be_brought_back_by_update(fhir: FhirApi) -> None:
    created = fhir.patient()
    fhir.delete(f"Patient/{created['id']}")
    response = fhir.put(f"Patient/{created['id']}", {**created, "active": True})
    assert response.status_code == 201
    assert response.headers["etag"] == 'W/"3"'
    assert fhir.get(f"Patient/{created['id']}").status_code == 200


def test_deleted_resources_do_not_match_searches(fhir: FhirApi) -> None:
    created = fhir.patient(family="Vanishing")
    fhir.delete(f"Patient/{created['id']}")
    assert fhir.search("Patient?family=Vanishing")["total"] == 0


def test_vread_of_a_version_that_does_not_exist_is_404(fhir: FhirApi) -> None:
    created = fhir.patient()
    assert_outcome(fhir.get(f"Patient/{created['id']}/_history/9"), 404)


def test_vread_of_the_deletion_version_is_410(fhir: FhirApi) -> None:
    created = fhir.patient()
    fhir.delete(f"Patient/{created['id']}")
    assert_outcome(fhir.get(f"Patient/{created['id']}/_history/2"), 410)


def test_vread_with_a_non_numeric_version_is_400(fhir: FhirApi) -> None:
    created = fhir.patient()
    assert_outcome(fhir.get(f"Patient/{created['id']}/_history/abc"), 400)
