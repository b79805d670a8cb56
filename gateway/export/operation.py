"""`$export` kick-off at the system, Patient and Group levels (FHIR Bulk Data Access v2).

The kick-off checks the request and the caller's scopes, stores the job and answers 202 with the
job's status URL in Content-Location; the export worker writes the files. Polling, downloads and
cancelling are in `routes`. See https://hl7.org/fhir/uv/bulkdata/export.html#bulk-data-kick-off-request
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from functools import partial
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from gateway.export import jobs
from gateway.export.access import may_export, require_export
from gateway.export.group import group_patients, linked
from gateway.export.request import KNOWN, parse_export, patient_refs, prefers
from gateway.operations.parameters import read_parameters
from gateway.operations.registry import OperationCall, operation
from gateway.outcomes import bad_request, forbidden, ok
from gateway.responses import FhirResponse
from gateway.security import audit
from gateway.storage.times import now_us

_IG = "http://hl7.org/fhir/uv/bulkdata/OperationDefinition"
_COMMON_IN: list[dict[str, Any]] = [
    {"name": "_outputFormat", "use": "in", "min": 0, "max": "1", "type": "string",
     "documentation": "application/fhir+ndjson (also application/ndjson, ndjson): the only format."},
    {"name": "_since", "use": "in", "min": 0, "max": "1", "type": "instant",
     "documentation": "Only resources last updated at or after this instant."},
    {"name": "_type", "use": "in", "min": 0, "max": "*", "type": "string",
     "documentation": "Comma-separated resource types; default: every type the client's system scopes allow."},
    {"name": "_typeFilter", "use": "in", "min": 0, "max": "*", "type": "string",
     "documentation": "Type?search: only resources of that type matching the search (several are ORed)."},
]
_PATIENT_IN: dict[str, Any] = {
    "name": "patient", "use": "in", "min": 0, "max": "*", "type": "Reference",
    "documentation": "POST only: export only these Patients' compartments (with the Patients linked to them)."}


def _definition(code_id: str, name: str, level: str, description: str) -> dict[str, Any]:
    params = [*_COMMON_IN, *([_PATIENT_IN] if level != "system" else [])]
    return {
        "resourceType": "OperationDefinition", "id": code_id, "url": f"{_IG}/{code_id}", "version": "2.0.0",
        "name": name, "status": "active", "kind": "operation", "code": "export", "description": description,
        "resource": {"system": [], "patient": ["Patient"], "group": ["Group"]}[level],
        "system": level == "system", "type": level == "patient", "instance": level == "group",
        "affectsState": False, "parameter": params,
    }


SYSTEM_DEFINITION = _definition("export", "BulkDataExport", "system",
                                "Every stored resource of the types asked for, as NDJSON files, asynchronously.")
PATIENT_DEFINITION = _definition("patient-export", "PatientLevelExport", "patient",
                                 "Every resource in the Patient compartment of every patient, as NDJSON files.")
GROUP_DEFINITION = _definition("group-export", "GroupLevelExport", "group",
                               "Every resource in the Patient compartments of the Group's active Patient members "
                               "(each with the Patients linked to them), as NDJSON files.")
# What `read_parameters` lets through: the declared parameters and those `parse_export` refuses by name.
_ACCEPTED = {"code": "export", "parameter": [{"name": n, "use": "in"} for n in sorted(KNOWN)]}


def _openapi() -> dict[str, Any]:
    def query(name: str, description: str) -> dict[str, Any]:
        return {"name": name, "in": "query", "required": False, "schema": {"type": "string"},
                "description": description}

    errors = {code: {"$ref": f"#/components/responses/Error{code}"} for code in ("400", "401", "403", "404")}
    return {
        "get": True,
        "headers": [{"name": "Prefer", "in": "header", "required": True, "description":
                     "respond-async (required); add handling=lenient to have unsupported parameters left out",
                     "schema": {"type": "string", "enum": ["respond-async", "respond-async, handling=lenient"]}}],
        "query": [query(p["name"], p["documentation"]) for p in _COMMON_IN],
        "responses": {"202": {"description": "Accepted: poll the URL in Content-Location",
                              "headers": {"Content-Location": {"schema": {"type": "string"},
                                                               "description": "The job's status URL"}}},
                      **errors},
    }


@operation("export", {"system"}, None, SYSTEM_DEFINITION, _openapi())
async def export_system(call: OperationCall) -> Response:
    return await _kick_off(call, "system")


@operation("export", {"type"}, {"Patient"}, PATIENT_DEFINITION, _openapi())
async def export_patients(call: OperationCall) -> Response:
    return await _kick_off(call, "patient")


@operation("export", {"instance"}, {"Group"}, GROUP_DEFINITION, _openapi())
async def export_group(call: OperationCall) -> Response:
    return await _kick_off(call, "group")


async def _kick_off(call: OperationCall, level: str) -> Response:
    """Check, store the job, wake the worker, answer 202 with the status URL."""
    request, principal = call.request, call.caller.principal
    call.caller.interaction = "operation"
    settings = request.app.state.settings
    repo = request.app.state.repo
    base = settings.base_url.rstrip("/") + "/fhir"

    # The request: asynchronous only; parameters checked before anything is stored.
    respond_async, lenient = prefers(request.headers.get("prefer"))
    if not respond_async:
        raise bad_request("$export runs asynchronously: send the header Prefer: respond-async", ["Prefer"])
    params = await read_parameters(request, _ACCEPTED)
    spec = parse_export(level, params, lenient, partial(may_export, principal), base)
    if not spec.types:
        raise forbidden(f"{principal.user} may not export anything: bulk export needs system/*.rs "
                        "(or system/<Type>.rs for each type)")
    require_export(principal, spec.types)

    # Whose records: a Group's members, the `patient` parameter, or everybody.
    patients: tuple[str, ...] | None = None
    if level == "group":
        assert call.res_id is not None
        require_export(principal, ["Group"])
        patients = await run_in_threadpool(group_patients, repo, call.res_id)
        spec = replace(spec, group_id=call.res_id)
    if "patient" in params:
        if level == "system":
            raise bad_request("patient is a parameter of Patient and Group exports", ["patient"])
        named = await run_in_threadpool(linked, repo, patient_refs(params["patient"]))
        patients = named if patients is None else tuple(p for p in named if p in set(patients))
    spec = replace(spec, patients=patients)

    # The job, then the worker.
    job_id = str(uuid.uuid4())

    def store() -> None:
        with repo.db.writer.begin() as conn:
            jobs.create(conn, job_id, principal.user, principal.client_id, str(request.url), spec, now_us())

    await run_in_threadpool(store)
    worker = getattr(request.app.state, "export_worker", None)
    if worker is not None:
        worker.wake()
    await audit(request, call.caller, "operation", call.res_type, call.res_id, status=202,
                query=f"$export job {job_id} ({level}: {','.join(spec.types)})"
                + (f"?{request.url.query}" if request.url.query else ""))
    status_url = f"{base}/_export/{job_id}"
    return FhirResponse(ok(f"Export job {job_id} accepted; poll {status_url}"), status_code=202,
                        headers={"Content-Location": status_url})
