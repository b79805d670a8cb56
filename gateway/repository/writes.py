"""What makes a version: the content hash that tells a change from a no-op, and the stamped JSON.
The unit of work (`unit.py`) uses both for every write, whichever door it came through."""

from __future__ import annotations

import hashlib

import orjson

from gateway.repository.base import FhirJson
from gateway.storage.times import us_to_instant

_VOLATILE_META = ("versionId", "lastUpdated")


def content_hash(resource: FhirJson) -> str:
    """Hash of the resource without its id and server-managed meta, to tell a real change from a no-op."""
    body = {k: v for k, v in resource.items() if k not in ("meta", "id")}
    meta = resource.get("meta")
    if meta:
        trimmed = {k: v for k, v in meta.items() if k not in _VOLATILE_META}
        if trimmed:
            body["meta"] = trimmed
    return hashlib.sha256(orjson.dumps(body, option=orjson.OPT_SORT_KEYS)).hexdigest()


def stamp(resource: FhirJson, res_id: str, version: int, at: int) -> FhirJson:
    """The resource with id and server-managed meta set."""
    meta = dict(resource.get("meta") or {})
    meta["versionId"] = str(version)
    meta["lastUpdated"] = us_to_instant(at)
    out = {"resourceType": resource["resourceType"], "id": res_id}
    out.update((k, v) for k, v in resource.items() if k not in ("resourceType", "id", "meta"))
    out["meta"] = meta
    return out
