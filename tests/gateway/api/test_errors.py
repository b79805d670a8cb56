"""Every failure is an OperationOutcome with the right status and no stack trace.
See https://hl7.org/fhir/R4/http.html#Status-Codes and DESIGN.md section 4."""

from __future__ import annotations

import pytest

from tests.gateway.api.fhir_api import FhirApi, assert_outcome


def test_unknown_resource_type_is_404(fhir: FhirApi) -> None:
    assert_outcome(fhir.get("Spaceship/1"), 404)


def test_unknown_id_is_404(fhir: FhirApi) -> None:
    body = assert_outcome(fhir.get("Patient/no-such-person"), 404)
    assert body["issue"][0]["code"] == "not-found"


def test_deleted_resource_is_410(fhir: FhirApi) -> None:
    made = fhir.patient()
    fhir.delete(f"Patient/{made['id']}")
    assert assert_outcome(fhir.get(f"Patient/{made['id']}"), 410)["issue"][0]["code"] == "deleted"


def test_invalid_json_is_400(fhir: FhirApi) -> None:
    assert_outcome(fhir.client.post("/fhir/Patient", content=b'{"resourceType": "Pat', headers=fhir.headers), 400)


def test_empty_body_is_400(fhir: FhirApi) -> None:
    assert_outcome(fhir.client.post("/fhir/Patient", content=b"", headers=fhir.headers), 400)


def test_json_that_is_not_an_object_is_400(fhir: FhirApi) -> None:
    assert_outcome(fhir.client.post("/fhir/Patient", content=b"[1, 2]", headers=fhir.headers), 400)


def test_resource_type_that_differs_from_the_url_is_400(fhir: FhirApi) -> None:
    assert_outcome(fhir.post("Patient", {"resourceType": "Observation", "status": "final"}), 400)


def test_body_without_resource_type_is_400(fhir: FhirApi) -> None:
    assert_outcome(fhir.post("Patient", {"name": [{"family": "Nobody"}]}), 400)


@pytest.mark.parametrize(("element", "value"), [("gender", "bogus"), ("birthDate", "yesterday"),
                                                ("active", "very"), ("name", "Smith")])
def test_invalid_element_is_422_pointing_at_it(fhir: FhirApi, element: str, value: str) -> None:
    body = assert_outcome(fhir.post("Patient", {"resourceType": "Patient", element: value}), 422)
    expressions = [e for issue in body["issue"] for e in issue.get("expression", [])]
    assert any(e.startswith(f"Patient.{element}") for e in expressions), expressions


def test_unknown_element_is_422(fhir: FhirApi) -> None:
    body = assert_outcome(fhir.post("Patient", {"resourceType": "Patient", "shoeSize": 9}), 422)
    assert "Patient.shoeSize" in str(body)


def test_invalid_resource_on_update_is_422_and_changes_nothing(fhir: FhirApi) -> None:
    made = fhir.patient(gender="female")
    assert_outcome(fhir.put(f"Patient/{made['id']}", {**made, "gender": "bogus"}), 422)
    assert fhir.get(f"Patient/{made['id']}").json()["gender"] == "female"


def test_id_in_body_differing_from_url_is_400(fhir: FhirApi) -> None:
    made = fhir.patient()
    assert_outcome(fhir.put(f"Patient/{made['id']}", {**made, "id": "someone-else"}), 400)


def test_invalid_id_in_url_is_400(fhir: FhirApi) -> None:
    assert_outcome(fhir.put("Patient/has_underscore!", {"resourceType": "Patient"}), 400)
    assert_outcome(fhir.put(f"Patient/{'x' * 65}", {"resourceType": "Patient"}), 400)


@pytest.mark.parametrize(("method", "path"), [("DELETE", "Patient"), ("PATCH", "Patient"), ("PUT", ""),
                                              ("DELETE", "metadata"), ("POST", "Patient/abc/_history/1")])
def test_unsupported_method_is_405(fhir: FhirApi, method: str, path: str) -> None:
    response = fhir.client.request(method, f"/fhir/{path}".rstrip("/"), headers=fhir.headers, content=b"{}")
    assert_outcome(response, 405)


def test_writing_a_read_only_type_is_405(fhir: FhirApi) -> None:
    assert_outcome(fhir.post("AuditEvent", {"resourceType": "AuditEvent"}), 405)


def test_if_match_garbage_is_400(fhir: FhirApi) -> None:
    made = fhir.patient()
    assert_outcome(fhir.put(f"Patient/{made['id']}", made, headers={"If-Match": "not-an-etag"}), 400)


def test_if_match_on_a_resource_that_does_not_exist_is_412(fhir: FhirApi) -> None:
    assert_outcome(fhir.put("Patient/new-one", {"resourceType": "Patient"}, headers={"If-Match": 'W/"1"'}), 412)


def test_a_huge_body_is_refused_or_handled_without_a_500(fhir: FhirApi) -> None:
    """A 20 MB note: the gateway may refuse it (413) or store it, but must not fall over."""
    huge = {"resourceType": "Patient", "name": [{"family": "Big", "text": "x" * (20 * 1024 * 1024)}]}
    response = fhir.post("Patient", huge)
    assert response.status_code in (201, 413), response.status_code
    if response.status_code == 413:
        assert_outcome(response, 413)


def test_unknown_path_under_fhir_is_404(fhir: FhirApi) -> None:
    assert_outcome(fhir.get("Patient/abc/def/ghi/jkl"), 404)


def test_unknown_operation_is_an_outcome(fhir: FhirApi) -> None:
    response = fhir.get("Patient/$no-such-op")
    assert response.status_code in (400, 404)
    assert_outcome(response, response.status_code)


def test_errors_are_served_as_fhir_json(fhir: FhirApi) -> None:
    assert fhir.get("Patient/nobody").headers["content-type"].startswith("application/fhir+json")
