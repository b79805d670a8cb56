"""Deterministic identifiers: the same export imported twice makes the same resource ids.

Every id is uuid5 of the table's identifier system and the row's key (plus a facet where one row
makes several resources of one type), with the systems read from
`mappings/identifier-systems/liquidlogic.json`.
"""

from __future__ import annotations

import json
import uuid
from functools import lru_cache
from typing import Any

from adapters.codemaps import MAPPINGS_DIR
from adapters.uris import identifier_system

SOURCE = "liquidlogic"
_FILE = MAPPINGS_DIR / "identifier-systems" / "liquidlogic.json"


@lru_cache(maxsize=1)
def _table_file() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(_FILE.read_text(encoding="utf-8"))
    return data


def system(table: str) -> str:
    """Identifier system of one source table; checked against `adapters.uris` so the data file and
    the canonical URL rule cannot drift apart."""
    entry = _table_file()["tables"][table]
    expected = identifier_system(SOURCE, table if table != "update" else "health-and-wellbeing-update")
    if entry["system"] != expected:
        raise ValueError(f"identifier system for {table!r} is {entry['system']!r}, expected {expected!r}")
    return str(entry["system"])


def external_system(name: str) -> str:
    """Identifier system of an external register (e.g. CQC locations)."""
    return str(_table_file()["external"][name]["system"])


def resource_id(table: str, key: str, facet: str = "") -> str:
    """The FHIR id for the resource made from `key` in `table`; `facet` separates several
    resources of one row (e.g. an assessment's ten outcome Observations)."""
    name = f"{system(table)}|{key}" + (f"#{facet}" if facet else "")
    return str(uuid.uuid5(uuid.NAMESPACE_URL, name))


def identifier(table: str, key: str) -> dict[str, str]:
    """The FHIR Identifier a resource made from this row carries."""
    return {"system": system(table), "value": key}
