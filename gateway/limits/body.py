"""Request bodies bounded while they stream in, and NUL bytes refused in the URL.

A declared Content-Length over the limit is answered 413 before a byte of the body is read; a body
without one (chunked) is counted as it arrives and stopped at the limit, so no route ever holds
more than the limit in memory. A path prefix may have its own limit, or none here (`None`): the
import upload route streams to disk and enforces `GATEWAY_IMPORT_UPLOAD_MAX_BYTES` itself.
"""

from __future__ import annotations

from collections.abc import Sequence

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.outcomes import FhirError, OperationOutcome, outcome, too_large


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _has_nul(scope: Scope) -> bool:
    query: bytes = scope.get("query_string", b"")
    raw_path: bytes = scope.get("raw_path") or b""
    return "\x00" in scope["path"] or b"\x00" in query or b"%00" in query or b"%00" in raw_path


async def _answer(send: Send, status: int, body: OperationOutcome) -> None:
    data = orjson.dumps(body)
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/fhir+json"), (b"content-length", str(len(data)).encode()),
                            (b"cache-control", b"no-store"), (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": data})


class BodyLimit:
    """ASGI middleware: 413 for a body over its path's limit, 400 for a NUL in the path or query."""

    def __init__(self, app: ASGIApp, max_bytes: int, by_prefix: Sequence[tuple[str, int | None]] = ()) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.by_prefix = tuple(by_prefix)

    def limit_for(self, path: str) -> int | None:
        for prefix, limit in self.by_prefix:
            if path.startswith(prefix):
                return limit
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if _has_nul(scope):
            await _answer(send, 400, outcome("error", "invalid", "The URL contains a NUL character (%00), "
                                             "which is not accepted"))
            return
        limit = self.limit_for(scope["path"])
        if limit is None:  # the route bounds its own body
            await self.app(scope, receive, send)
            return
        declared = _declared_length(scope)
        if declared is not None and declared > limit:
            await _answer(send, 413, _too_large(limit).outcome)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _too_large(limit)  # rendered as a 413 OperationOutcome by the app's handler
            return message

        await self.app(scope, counted, send)


def _too_large(limit: int) -> FhirError:
    return too_large(f"The request body is larger than {limit} bytes, the most this endpoint accepts "
                     "(GATEWAY_MAX_BODY_BYTES for /fhir, /api and /app)")
