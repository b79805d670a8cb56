"""How a payload leaves the gateway: an HTTP POST (rest-hook, social care endpoint) or a file
dropped in a folder. Each returns None on success and a short error text otherwise; only a 2xx
answer or a completed rename counts as delivered."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import httpx


async def post(client: httpx.AsyncClient, url: str, body: bytes, headers: dict[str, str],
               timeout_s: float) -> str | None:
    """POST `body`; None when the receiver answered 2xx."""
    try:
        response = await client.post(url, content=body, headers=headers, timeout=timeout_s)
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    if 200 <= response.status_code < 300:
        return None
    return f"HTTP {response.status_code}: {response.text[:300]}"


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
