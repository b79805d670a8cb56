"""Headers on every answer (framing, CSP, caching, HSTS), the request id the audit trail keeps, and
the cross-site check on every form post, sign-in and sign-out included."""

from __future__ import annotations

import base64
import time

import pytest
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.settings import Settings
from tests.gateway.api.fhir_api import FhirApi


def test_fhir_and_api_answers_are_not_stored_or_framed(fhir: FhirApi) -> None:
    for response in (fhir.get("Patient"), fhir.get("Patient/nope"), fhir.client.get("/api/links/candidates",
                                                                                    headers=fhir.headers)):
        assert response.headers["cache-control"] == "no-store", response.url
        assert response.headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "strict-transport-security" not in response.headers  # plain http


def test_pages_get_a_policy_and_are_not_cached(client: TestClient) -> None:
    page = client.get("/app/login")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"  # no offline copies yet: see docs/safety
    policy = page.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy and "script-src 'self'" in policy
    assert page.headers["x-frame-options"] == "DENY"


def test_hsts_when_behind_https(settings: Settings) -> None:
    with TestClient(create_app(settings), base_url="https://testserver") as secure:
        assert secure.get("/healthz").headers["strict-transport-security"].startswith("max-age=")
    public = settings.model_copy(update={"base_url": "https://gateway.example"})
    with TestClient(create_app(public)) as proxied:
        assert "strict-transport-security" in proxied.get("/fhir/metadata").headers


def _audited_request_ids(fhir: FhirApi, query: str) -> list[list[str]]:
    """The X-Request-Id entities of the audit events for the search `query`, newest first."""
    deadline = time.monotonic() + 5
    while True:
        events = [e["resource"] for e in fhir.search("AuditEvent?_count=50").get("entry", [])]
        found = [[ent["what"]["identifier"]["value"] for ent in event.get("entity", [])
                  if ent.get("type", {}).get("code") == "XrequestId"]
                 for event in events if any(base64.b64decode(ent.get("query", "")) == query.encode()
                                            for ent in event.get("entity", []))]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def test_the_audit_trail_keeps_the_gateways_id_beside_a_plain_client_id_never_a_raw_header(fhir: FhirApi) -> None:
    """The gateway makes every request id (the metrics middleware in gateway/monitoring); the audit trail
    records the id the answer carried and, beside it, a client's own id when it is a plain token; a
    client's header that is not a plain token never reaches it."""
    plain = fhir.get("Patient", headers={"X-Request-ID": "client-abc.123"}, name="first")
    assert plain.headers["x-request-id"] != "client-abc.123"
    assert _audited_request_ids(fhir, "name=first") == [[plain.headers["x-request-id"], "client-abc.123"]]
    for hostile, name in (("x" * 200, "second"), ("a b; drop", "third"), ("<script>", "fourth")):
        answer = fhir.get("Patient", headers={"X-Request-ID": hostile}, name=name)
        assert answer.headers["x-request-id"] != hostile
        assert _audited_request_ids(fhir, f"name={name}") == [[answer.headers["x-request-id"]]]


SIGN_IN = {"user": "cp", "role": "nurse", "next": "/app/caseload"}


@pytest.mark.parametrize("headers", [{}, {"Origin": "null"}, {"Origin": "https://evil.example"},
                                     {"Referer": "https://evil.example/app/login"}],
                         ids=["neither header", "opaque origin", "other origin", "other referer"])
def test_sign_in_from_elsewhere_is_refused(client: TestClient, headers: dict[str, str]) -> None:
    response = client.post("/app/login", data=SIGN_IN, headers=headers, follow_redirects=False)
    assert response.status_code == 403
    assert "set-cookie" not in response.headers


@pytest.mark.parametrize("headers", [{"Origin": "http://testserver"}, {"Referer": "http://testserver/app/login"}],
                         ids=["same origin", "same-site referer"])
def test_sign_in_from_the_login_page_works(client: TestClient, headers: dict[str, str]) -> None:
    response = client.post("/app/login", data=SIGN_IN, headers=headers, follow_redirects=False)
    assert response.status_code == 303 and "gateway_session=" in response.headers["set-cookie"]


def test_sign_out_needs_the_same_origin(client: TestClient) -> None:
    client.post("/app/login", data=SIGN_IN, headers={"Origin": "http://testserver"}, follow_redirects=False)
    refused = client.post("/app/logout", follow_redirects=False)
    assert refused.status_code == 403 and "set-cookie" not in refused.headers
    assert client.get("/app/caseload", follow_redirects=False).status_code == 200  # still signed in
    done = client.post("/app/logout", headers={"Origin": "http://testserver"}, follow_redirects=False)
    assert done.status_code == 303 and 'gateway_session=""' in done.headers["set-cookie"]


def test_a_page_form_post_without_origin_is_refused(client: TestClient) -> None:
    client.post("/app/login", data={**SIGN_IN, "role": "admin"}, headers={"Origin": "http://testserver"},
                follow_redirects=False)
    response = client.post("/app/links/1/reject", follow_redirects=False)
    assert response.status_code == 403 and "Origin" in response.text
    json_post = client.post("/app/links/1/reject", json={"x": 1}, headers={"Origin": "http://testserver"})
    assert json_post.status_code == 415
