"""Provenance for every version that came from a source row: which file and row, which run.

A change hook, so it runs for whatever writes carry their source rows (imports of every source,
later the HL7 v2 feed) and only for versions actually written: an unchanged row gets no new
Provenance. One Provenance per source row, at an id derived from the file and the row's key, so
`Provenance?target=...` finds where any imported version came from and a changed row updates its
Provenance instead of adding another.
"""

from __future__ import annotations

import uuid
from functools import lru_cache
from typing import Any

from gateway.repository.base import SourceRow, WriteEvent
from gateway.repository.unit import UnitOfWork
from gateway.storage.times import us_to_instant

PROVENANCE_NAMESPACE = uuid.UUID("5b2f0e0c-6f55-4a43-9a53-4e0c2b8f7a10")
_OPERATION = "http://terminology.hl7.org/CodeSystem/v3-DataOperation"
_PARTICIPANT = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"


def provenance_id(ref: Any) -> str:
    """The Provenance id of a source row (anything with `file`, `line` and `key`: the adapter's
    RowRef when the batch loads its keys, the write events' SourceRow in the hook)."""
    return _provenance_id(ref.file, ref.key or ref.line)


@lru_cache(maxsize=16384)  # asked twice per row (batch keys, then the Provenance itself)
def _provenance_id(file: str, key: str | int) -> str:
    return str(uuid.uuid5(PROVENANCE_NAMESPACE, f"{file}|{key}"))


def provenance(row: SourceRow, written: list[WriteEvent], source: str, run_id: str) -> dict[str, Any]:
    """The Provenance of the versions one row wrote."""
    where = f"{row.file} line {row.line}" + (f" (row {row.key})" if row.key else "")
    created = any(e.before is None for e in written)
    return {
        "resourceType": "Provenance",
        "id": provenance_id(row),
        "target": [{"reference": f"{e.res_type}/{e.res_id}/_history/{e.version}"} for e in written],
        "recorded": us_to_instant(max(e.at for e in written)),
        "activity": {"coding": [{"system": _OPERATION, "code": "CREATE" if created else "UPDATE"}]},
        "agent": [{"type": {"coding": [{"system": _PARTICIPANT, "code": "assembler"}]},
                   "who": {"display": f"care-gateway import of {source} (run {run_id})"}}],
        "entity": [{"role": "source", "what": {"display": where,
                                                "identifier": {"system": f"urn:care-gateway:import:{source}",
                                                               "value": f"{row.file}#{row.key or row.line}"}}}],
    }


def provenance_changes(unit: UnitOfWork, events: list[WriteEvent]) -> None:
    """Change hook: one Provenance per source row for the (not deleted) versions it wrote."""
    by_row: dict[SourceRow, list[WriteEvent]] = {}
    for event in events:
        if event.after is None or event.res_type == "Provenance":
            continue
        for row in event.rows:
            by_row.setdefault(row, []).append(event)
    if not by_row:
        return
    source = unit.context.source or unit.context.door
    run_id = unit.context.run_id or "-"
    for row, written in by_row.items():
        body = provenance(row, written, source, run_id)
        unit.put(body, body["id"], "PUT" if unit.current(("Provenance", body["id"])) else "POST")
