"""The body limit holds while the body streams: a declared length over the limit is refused before
a byte is read, a chunked body is stopped at the limit (the client's later chunks are never pulled),
and a path with its own limit gets that one instead (the import upload route bounds its own body)."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
from starlette.types import Message, Receive, Scope, Send

from gateway.limits.body import BodyLimit
from gateway.outcomes import FhirError

KIB = 1024


async def _reading_app(scope: Scope, receive: Receive, send: Send) -> None:
    """Reads the whole body the way a route does, answering 200 with its size (413 if refused)."""
    size = 0
    try:
        while True:
            message = await receive()
            size += len(message.get("body", b""))
            if not message.get("more_body", False):
                break
    except FhirError as exc:
        body = orjson.dumps(exc.outcome)
        await send({"type": "http.response.start", "status": exc.status, "headers": []})
        await send({"type": "http.response.body", "body": body})
        return
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": str(size).encode()})


def _call(app: Any, path: str, chunks: list[bytes], declared: int | None = None) -> tuple[int, int]:
    """(status, how many chunks the app pulled from the client)."""
    pulled = 0
    headers = [(b"content-length", str(declared).encode())] if declared is not None else \
        [(b"transfer-encoding", b"chunked")]
    scope = {"type": "http", "method": "POST", "path": path, "raw_path": path.encode(), "query_string": b"",
             "headers": headers}
    sent: list[Message] = []

    async def receive() -> Message:
        nonlocal pulled
        pulled += 1
        return {"type": "http.request", "body": chunks[pulled - 1], "more_body": pulled < len(chunks)}

    async def send(message: Message) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    return sent[0]["status"], pulled


def test_a_declared_length_over_the_limit_is_refused_unread() -> None:
    app = BodyLimit(_reading_app, max_bytes=64 * KIB)
    assert _call(app, "/fhir/Patient", [b"x" * KIB] * 100, declared=100 * KIB) == (413, 0)
    assert _call(app, "/fhir/Patient", [b"x" * KIB] * 10, declared=10 * KIB) == (200, 10)


def test_a_chunked_body_stops_at_the_limit() -> None:
    app = BodyLimit(_reading_app, max_bytes=64 * KIB)
    status, pulled = _call(app, "/api/links/link", [b"x" * KIB] * 1000)
    assert status == 413 and pulled == 65  # one chunk past the limit, not the other 935


def test_a_path_can_have_its_own_limit_or_bound_its_body_itself() -> None:
    app = BodyLimit(_reading_app, max_bytes=64 * KIB, by_prefix=[("/api/imports/", 256 * KIB)])
    assert _call(app, "/api/imports/systmone", [b"x" * KIB] * 200) == (200, 200)
    assert _call(app, "/api/imports/systmone", [b"x" * KIB] * 1000) == (413, 257)
    assert _call(app, "/api/imports/systmone", [b"x"], declared=300 * KIB) == (413, 0)
    assert _call(app, "/fhir", [b"x" * KIB] * 200)[0] == 413
    exempt = BodyLimit(_reading_app, max_bytes=64 * KIB, by_prefix=[("/api/imports/", None)])
    assert _call(exempt, "/api/imports/systmone", [b"x" * KIB] * 1000) == (200, 1000)
    assert _call(exempt, "/api/links/link", [b"x" * KIB] * 1000)[0] == 413


def test_a_nul_in_the_url_is_refused() -> None:
    app = BodyLimit(_reading_app, max_bytes=64 * KIB)
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    async def receive() -> Message:
        raise AssertionError("the body is not read")

    for scope in ({"path": "/fhir/Patient", "raw_path": b"/fhir/Patient", "query_string": b"name=a%00b"},
                  {"path": "/fhir/Patient/a\x00b", "raw_path": b"/fhir/Patient/a%00b", "query_string": b""}):
        sent.clear()
        asyncio.run(app({"type": "http", "method": "GET", "headers": [], **scope}, receive, send))
        assert sent[0]["status"] == 400 and b"NUL" in sent[1]["body"]
