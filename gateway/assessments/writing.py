"""Writing a set of assessment resources on one open transaction: serialise per person, check the
person exists, validate and store each resource, and report the writes as a transaction-response
Bundle. Shared by submitting a form and by confirming or dismissing a suggestion."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import orjson
from sqlalchemy import Connection, text

from gateway.repository.base import FhirJson, WriteResult
from gateway.repository.unit import UnitOfWork
from gateway.validation import check_id, validate_resource

_STATUS_TEXT = {201: "201 Created", 200: "200 OK"}


def lock_person(conn: Connection, patient_id: str) -> None:
    """Serialise assessment writes for one person, so two forms submitted at once cannot both
    merge into the same stale care plan. SQLite write transactions already run one at a time;
    on PostgreSQL a transaction-scoped advisory lock does it."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": f"omaha-assessment|{patient_id}"})


def require_patient(writer: UnitOfWork, patient_id: str) -> FhirJson:
    """The Patient as stored; 404 when unknown, 410 when deleted."""
    check_id(patient_id)
    stored = writer.read_current("Patient", patient_id)
    return orjson.loads(stored.content or "{}")  # type: ignore[no-any-return]


def put_all(writer: UnitOfWork, items: list[FhirJson]) -> list[WriteResult]:
    """Validate and store each resource at its own id, in order (unchanged ones stay at their version)."""
    results = []
    for resource in items:
        res_type, res_id = resource["resourceType"], str(resource["id"])
        check_id(res_id)
        validate_resource(resource, res_type)
        results.append(writer.put(resource, res_id, "PUT"))
    return results


def response_entry(result: WriteResult, base_url: str) -> dict[str, Any]:
    stored = result.stored
    status = _STATUS_TEXT[201] if result.outcome == "created" else _STATUS_TEXT[200]
    return {
        "fullUrl": f"{base_url}/{stored.res_type}/{stored.res_id}",
        "resource": orjson.loads(stored.content) if stored.content else None,
        "response": {"status": status, "location": f"{stored.res_type}/{stored.res_id}/_history/{stored.version}",
                     "etag": stored.etag},
    }


def response_bundle(results: list[WriteResult], base_url: str) -> FhirJson:
    """The writes as a transaction-response Bundle. See https://hl7.org/fhir/R4/http.html#transaction-response"""
    return {"resourceType": "Bundle", "id": str(uuid4()), "type": "transaction-response",
            "entry": [response_entry(r, base_url) for r in results]}
