"""Assemble Bundle JSON around stored resource text without parsing and re-serialising it.

Search and history pages are mostly stored bytes; splicing them into the Bundle keeps a page of
100 resources from costing 100 JSON round trips.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson

from gateway.storage.times import now_us, us_to_instant


def _dump(value: Any) -> str:
    return orjson.dumps(value).decode()


def entry_json(full_url: str, resource_text: str | None, extra: dict[str, Any] | None = None) -> str:
    """One Bundle entry; `resource_text` is spliced in verbatim."""
    parts = [f'"fullUrl":{_dump(full_url)}']
    if resource_text is not None:
        parts.append(f'"resource":{resource_text}')
    for key, value in (extra or {}).items():
        parts.append(f"{_dump(key)}:{_dump(value)}")
    return "{" + ",".join(parts) + "}"


def bundle_json(
    bundle_type: str,
    entries: Iterable[str],
    total: int | None = None,
    links: list[tuple[str, str]] | None = None,
    bundle_id: str | None = None,
) -> str:
    """A Bundle of the given type whose entries are already JSON text."""
    head: dict[str, Any] = {"resourceType": "Bundle"}
    if bundle_id:
        head["id"] = bundle_id
    head["meta"] = {"lastUpdated": us_to_instant(now_us())}
    head["type"] = bundle_type
    if total is not None:
        head["total"] = total
    if links:
        head["link"] = [{"relation": rel, "url": url} for rel, url in links]
    text = _dump(head)[:-1]
    return text + ',"entry":[' + ",".join(entries) + "]}"
