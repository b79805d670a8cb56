"""FHIR JSON responses: media type, ETag / Last-Modified / Location headers and `Prefer: return`.

See https://hl7.org/fhir/R4/http.html#ops (return preferences) and #versioning.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response

from gateway.outcomes import ok
from gateway.repository.base import StoredResource, WriteResult
from gateway.storage.times import us_to_http_date

FHIR_JSON = "application/fhir+json"


class FhirResponse(Response):
    """A FHIR JSON body: stored text is sent as is, dicts are serialised with orjson."""

    media_type = FHIR_JSON

    def render(self, content: Any) -> bytes:
        if content is None:
            return b""
        if isinstance(content, bytes):
            return content
        if isinstance(content, str):
            return content.encode()
        return orjson.dumps(content)


def version_headers(stored: StoredResource) -> dict[str, str]:
    return {"ETag": stored.etag, "Last-Modified": us_to_http_date(stored.last_updated)}


def resource_response(stored: StoredResource, status: int = 200, extra: dict[str, str] | None = None) -> FhirResponse:
    headers = version_headers(stored)
    if extra:
        headers.update(extra)
    return FhirResponse(stored.content, status_code=status, headers=headers)


def prefer_return(prefer_header: str | None) -> str:
    """The client's `Prefer: return=` choice: minimal, representation (default) or OperationOutcome."""
    for part in (prefer_header or "").split(";"):
        for item in part.split(","):
            key, _, value = item.strip().partition("=")
            if key.strip().lower() == "return":
                value = value.strip().strip('"')
                if value in ("minimal", "representation", "OperationOutcome"):
                    return value
    return "representation"


def write_response(result: WriteResult, base_url: str, prefer: str) -> FhirResponse:
    """The response to create/update/patch: status, Location, ETag and the preferred body."""
    stored = result.stored
    headers = version_headers(stored)
    headers["Location"] = f"{base_url}/{stored.res_type}/{stored.res_id}/_history/{stored.version}"
    if prefer == "minimal":
        return FhirResponse(None, status_code=result.status, headers=headers)
    if prefer == "OperationOutcome":
        text = f"{stored.res_type}/{stored.res_id} {result.outcome} (version {stored.version})"
        return FhirResponse(ok(text), status_code=result.status, headers=headers)
    return FhirResponse(stored.content, status_code=result.status, headers=headers)
