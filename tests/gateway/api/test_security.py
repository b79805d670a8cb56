"""Bearer tokens and SMART scopes at the REST edge (DESIGN.md section 7).
See https://www.rfc-editor.org/rfc/rfc6750#section-3 and https://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gateway.auth.tokens import mint_token
from gateway.settings import Settings
from tests.gateway.api.fhir_api import FhirApi, assert_outcome

PATIENT = {"resourceType": "Patient", "name": [{"family": "Scoped"}]}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_no_token_is_401_with_www_authenticate(client: TestClient) -> None:
    response = client.get("/fhir/Patient")
    assert_outcome(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", ["Bearer not.a.jwt", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer a.b", "token"])
def test_malformed_authorization_is_401(client: TestClient, header: str) -> None:
    response = client.get("/fhir/Patient", headers={"Authorization": header})
    assert_outcome(response, 401)
    assert "www-authenticate" in response.headers


def test_expired_token_is_401(client: TestClient, settings: Settings) -> None:
    token = mint_token(settings, "u", "admin", lifetime=timedelta(minutes=-5))
    assert_outcome(client.get("/fhir/Patient", headers=bearer(token)), 401)


def test_wrong_audience_is_401(client: TestClient, settings: Settings) -> None:
    token = mint_token(settings.model_copy(update={"token_audience": "someone-else"}), "u", "admin")
    assert_outcome(client.get("/fhir/Patient", headers=bearer(token)), 401)


def test_wrong_issuer_is_401(client: TestClient, settings: Settings) -> None:
    token = mint_token(settings.model_copy(update={"token_issuer": "https://evil.example"}), "u", "admin")
    assert_outcome(client.get("/fhir/Patient", headers=bearer(token)), 401)


def test_token_signed_with_another_key_is_401(client: TestClient, settings: Settings, tmp_path: Path) -> None:
    token = mint_token(settings.model_copy(update={"key_dir": tmp_path / "other-keys"}), "u", "admin")
    assert_outcome(client.get("/fhir/Patient", headers=bearer(token)), 401)


def test_read_only_scope_may_not_create_and_is_told_which_scope(client: TestClient,
                                                                  token_for: Callable[..., str]) -> None:
    headers = bearer(token_for("admin", scopes=["user/Patient.r"]))
    body = assert_outcome(client.post("/fhir/Patient", json=PATIENT, headers=headers), 403)
    assert "Patient.c" in body["issue"][0]["diagnostics"]


def test_scope_for_one_type_does_not_allow_another(client: TestClient, token_for: Callable[..., str]) -> None:
    headers = bearer(token_for("admin", scopes=["user/Patient.rs"]))
    body = assert_outcome(client.get("/fhir/Observation", headers=headers), 403)
    assert "Observation.s" in body["issue"][0]["diagnostics"]


def test_read_scope_without_search_may_read_but_not_search(fhir: FhirApi, token_for: Callable[..., str]) -> None:
    made = fhir.patient()
    headers = bearer(token_for("admin", scopes=["user/Patient.r"]))
    assert fhir.client.get(f"/fhir/Patient/{made['id']}", headers=headers).status_code == 200
    assert_outcome(fhir.client.get("/fhir/Patient", headers=headers), 403)


def test_update_needs_the_u_permission(fhir: FhirApi, token_for: Callable[..., str]) -> None:
    made = fhir.patient()
    headers = bearer(token_for("admin", scopes=["user/Patient.crs"]))
    body = assert_outcome(fhir.client.put(f"/fhir/Patient/{made['id']}", json=made, headers=headers), 403)
    assert "Patient.u" in body["issue"][0]["diagnostics"]


def test_delete_needs_the_d_permission(fhir: FhirApi, token_for: Callable[..., str]) -> None:
    made = fhir.patient()
    headers = bearer(token_for("admin", scopes=["user/Patient.cru"]))
    assert_outcome(fhir.client.delete(f"/fhir/Patient/{made['id']}", headers=headers), 403)
    assert fhir.get(f"Patient/{made['id']}").status_code == 200


def test_wildcard_scope_allows_every_type(client: TestClient, token_for: Callable[..., str]) -> None:
    headers = bearer(token_for("admin", scopes=["system/*.cruds"]))
    assert client.post("/fhir/Patient", json=PATIENT, headers=headers).status_code == 201
    assert client.get("/fhir/Observation", headers=headers).status_code == 200


def test_transaction_checks_the_scope_of_every_entry(client: TestClient, token_for: Callable[..., str]) -> None:
    headers = bearer(token_for("admin", scopes=["user/Patient.c"]))
    tx = {"resourceType": "Bundle", "type": "transaction", "entry": [
        {"resource": PATIENT, "request": {"method": "POST", "url": "Patient"}},
        {"resource": {"resourceType": "Observation", "status": "final", "code": {"text": "x"}},
         "request": {"method": "POST", "url": "Observation"}},
    ]}
    assert_outcome(client.post("/fhir", json=tx, headers=headers), 403)
    admin = bearer(token_for("admin"))
    assert client.get("/fhir/Patient?family=Scoped", headers=admin).json()["total"] == 0


def test_batch_reports_a_forbidden_entry_and_does_the_rest(client: TestClient, token_for: Callable[..., str]) -> None:
    headers = bearer(token_for("admin", scopes=["user/Patient.c"]))
    batch = {"resourceType": "Bundle", "type": "batch", "entry": [
        {"resource": PATIENT, "request": {"method": "POST", "url": "Patient"}},
        {"request": {"method": "GET", "url": "Observation?status=final"}},
    ]}
    response = client.post("/fhir", json=batch, headers=headers)
    assert response.status_code == 200
    assert [e["response"]["status"][:3] for e in response.json()["entry"]] == ["201", "403"]


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/fhir/metadata"])
def test_probes_and_metadata_need_no_token(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 200


@pytest.mark.parametrize("path", ["/fhir/Patient", "/fhir/Patient/x", "/fhir/_history", "/fhir/Patient/_history",
                                  "/fhir/AuditEvent"])
def test_everything_else_needs_a_token(client: TestClient, path: str) -> None:
    assert_outcome(client.get(path), 401)
