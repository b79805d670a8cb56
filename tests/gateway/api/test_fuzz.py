"""Random paths, methods, headers and bodies: the gateway never answers 500, and every error is a JSON
OperationOutcome (DESIGN.md section 4: "never a stack trace")."""

from __future__ import annotations

import orjson
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

TYPES = st.sampled_from(["Patient", "Observation", "Bundle", "AuditEvent", "Spaceship", "patient", "$x", "_history"])
SEGMENT = st.one_of(TYPES, st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126,
                                                          blacklist_characters="/?#%"), min_size=1, max_size=12))
METHODS = st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)
RESOURCEISH = st.fixed_dictionaries({"resourceType": TYPES}, optional={
    "id": st.text(max_size=70), "gender": JSONISH, "birthDate": JSONISH, "entry": JSONISH, "type": JSONISH,
    "name": JSONISH, "meta": JSONISH, "status": JSONISH, "subject": JSONISH,
})
BODIES = st.one_of(st.binary(max_size=64), JSONISH.map(orjson.dumps), RESOURCEISH.map(orjson.dumps))
QUERY = st.lists(st.tuples(st.sampled_from(["_count", "_sort", "_include", "_since", "_cursor", "name", "birthdate",
                                            "subject", "value-quantity", "_elements", "_summary", "identifier"]),
                           st.text(max_size=15)), max_size=3)
HEADERS = st.fixed_dictionaries({}, optional={
    "If-Match": st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=10),
    "If-None-Exist": st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=20),
    "Prefer": st.sampled_from(["return=minimal", "handling=strict", "return=OperationOutcome", "bogus"]),
})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(method=METHODS, segments=st.lists(SEGMENT, min_size=0, max_size=4), query=QUERY, body=BODIES,
       extra=HEADERS)
def test_no_request_makes_a_500(client: TestClient, auth: dict[str, str], method: str, segments: list[str],
                                query: list[tuple[str, str]], body: bytes, extra: dict[str, str]) -> None:
    path = "/fhir/" + "/".join(segments)
    response = client.request(method, path, params=query, content=body if method in ("POST", "PUT", "PATCH") else None,
                              headers={**auth, **extra})
    assert response.status_code != 500, f"{method} {path} {query} {body[:200]!r} -> {response.text[:300]}"
    if response.status_code >= 400 and method != "HEAD":
        outcome = response.json()
        assert outcome["resourceType"] == "OperationOutcome", response.text[:300]
        assert "Traceback" not in response.text
