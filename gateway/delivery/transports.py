"""How a payload leaves the gateway: an HTTP POST (rest-hook, social care endpoint) or a file
dropped in a folder. Each returns None on success and a short error text otherwise; only a 2xx
answer or a completed rename counts as delivered.

Error texts are shown to nurses and social workers ($status, Subscription.error, dead letters), so
they say what failed in the gateway's words: never the receiver's response body, never the
network library's message (which told a closed port from a filtered one). Details go to the log."""

from __future__ import annotations

import logging
import os
import tempfile
from http import HTTPStatus
from pathlib import Path

import httpx

from gateway.outbound.policy import OutboundPolicy, OutboundRefused

log = logging.getLogger(__name__)

# The failure each kind of network error is reported as (the first that matches).
_FAILURES: tuple[tuple[type[httpx.HTTPError], str], ...] = (
    (httpx.ConnectTimeout, "timed out connecting to the receiver"),
    (httpx.TimeoutException, "the receiver did not answer in time"),
    (httpx.ConnectError, "could not connect to the receiver"),
    (httpx.RemoteProtocolError, "the receiver broke off the HTTP exchange"),
    (httpx.TransportError, "the connection to the receiver failed"),
)


def _status_text(code: int) -> str:
    try:
        return f"HTTP {code} {HTTPStatus(code).phrase}"
    except ValueError:
        return f"HTTP {code}"


async def _discard(response: httpx.Response, most: int = 64 * 1024) -> None:
    """Read and drop a small answer body so the connection can be reused; a big one is cut off
    (the connection is closed instead). The body is never kept or shown."""
    seen = 0
    async for chunk in response.aiter_raw():
        seen += len(chunk)
        if seen > most:
            break


async def post(client: httpx.AsyncClient, policy: OutboundPolicy, url: str, body: bytes,
               headers: dict[str, str], timeout_s: float) -> str | None:
    """POST `body` to `url` if `policy` allows it; None when the receiver answered 2xx. The client
    is expected to be `gateway.outbound.network.outbound_client(policy)`, which checks addresses."""
    try:
        policy.check_url(url)
        async with client.stream("POST", url, content=body, headers=headers, timeout=timeout_s) as response:
            status = response.status_code
            await _discard(response)
    except OutboundRefused as exc:
        return f"refused by the gateway's outbound rules: {exc.reason}"
    except httpx.HTTPError as exc:
        log.info("POST to %s failed: %s: %s", url, type(exc).__name__, exc)
        return next((text for kind, text in _FAILURES if isinstance(exc, kind)), "the request to the receiver failed")
    if 200 <= status < 300:
        return None
    if 300 <= status < 400:
        return f"{_status_text(status)}: the receiver redirected, and redirects are not followed"
    return _status_text(status)


def drop_file(folder: Path, name: str, body: bytes) -> str | None:
    """Write `body` to folder/name atomically (a temporary file renamed into place), so a reader
    polling the folder never sees half a document and a retry simply replaces the same file."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".incoming-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(body)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, folder / name)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def header_dict(lines: list[str]) -> dict[str, str]:
    """Subscription.channel.header lines ("Name: value") as a mapping."""
    out = {}
    for line in lines:
        name, _, value = line.partition(":")
        out[name.strip()] = value.strip()
    return out
