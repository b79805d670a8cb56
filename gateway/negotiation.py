"""Content negotiation for /fhir: the gateway speaks FHIR JSON only, and says so; and each body
sent to /fhir, /api or /app is of the kind its endpoint reads.

A client asking only for XML (Accept or `_format`) gets 406 and one sending an XML body gets 415,
rather than JSON it did not ask for or a misleading "not valid JSON" 400.
See https://hl7.org/fhir/R4/http.html#mime-type. Form bodies are accepted only where a form is read
(`POST [type]/_search` and the pages): a resource sent as a form content type, which any web page can
post cross-site without a CORS preflight, used to be stored. A plain ASGI middleware so the check
costs a few header comparisons on the hot read path, and runs before authentication (a format the
server cannot speak is not worth a token check).
"""

from __future__ import annotations

from urllib.parse import parse_qsl

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.outcomes import outcome

_JSON_FORMATS = {"json", "application/json", "application/fhir+json", "application/json+fhir"}
_BODY_METHODS = {"POST", "PUT", "PATCH"}
_FORM_TYPES = ("x-www-form-urlencoded", "multipart/form-data")


def _accepts_json(accept: str) -> bool:
    """True when any listed media range admits JSON (wildcards included); an empty header admits all."""
    if not accept.strip():
        return True
    for item in accept.split(","):
        media = item.split(";", 1)[0].strip().lower()
        if media in ("*/*", "application/*") or "json" in media:
            return True
    return False


def _format_param(query: bytes) -> str | None:
    if b"_format" not in query:
        return None
    for key, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
        if key == "_format":
            return value.split(";", 1)[0].strip().lower()
    return None


def refusal(method: str, headers: dict[bytes, bytes], query: bytes) -> tuple[int, str] | None:
    """(status, why) when the request asks for or sends a format other than JSON, else None."""
    fmt = _format_param(query)
    if fmt is not None and fmt not in _JSON_FORMATS:
        return 406, f"_format={fmt} is not served: this server speaks FHIR JSON only (_format=json)"
    accept = headers.get(b"accept", b"").decode("latin-1")
    if fmt is None and not _accepts_json(accept):
        return 406, f"Accept: {accept} cannot be met: this server speaks application/fhir+json only"
    return None


def body_refusal(path: str, method: str, content_type: str) -> str | None:
    """Why a body of `content_type` is refused at `path` (answered 415), or None. No Content-Type is
    let through: the endpoint then reads the body as the kind it expects."""
    if method not in _BODY_METHODS or not content_type:
        return None
    form = any(kind in content_type for kind in _FORM_TYPES)
    if path.startswith("/app"):
        return None if form else f"Content-Type: {content_type} is not accepted: the pages take form posts"
    if path.startswith("/fhir"):
        if form:
            return None if path.endswith("/_search") else (
                f"Content-Type: {content_type} is accepted only by POST [type]/_search: send application/fhir+json")
        if "json" not in content_type:
            return f"Content-Type: {content_type} is not accepted: send application/fhir+json"
        return None
    if path.startswith("/api/") and not path.startswith("/api/imports/") and form:
        return f"Content-Type: {content_type} is not accepted: send application/json"
    return None


class FhirNegotiation:
    """Refuse non-JSON formats on /fhir (406 or 415) and bodies of the wrong kind on /fhir, /api and
    /app (415), with an OperationOutcome."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith(("/fhir", "/api/", "/app")):
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        fhir = path.startswith("/fhir")
        refused = refusal(scope["method"], headers, scope.get("query_string", b"")) if fhir else None
        if refused is None:
            why = body_refusal(path, scope["method"], headers.get(b"content-type", b"").decode("latin-1").lower())
            refused = (415, why) if why else None
        if refused is None:
            await self.app(scope, receive, send)
            return
        status, why = refused
        body = orjson.dumps(outcome("error", "not-supported", why))
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/fhir+json"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
