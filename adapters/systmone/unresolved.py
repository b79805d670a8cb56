"""Keep what the source said when a descriptive value could not be used.

The element the value would have made is left out; the raw value goes on the resource (or on the
merged address or telecom element) as an extension naming the SR table and column, so nothing the
source said is lost and a later import of the same row, once the code resolves, replaces it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from adapters.base import Converted
from adapters.uris import extension

UNRESOLVED_VALUE = extension("systmone-unresolved-value")


def raw_value_extension(table: str, column: str, value: str) -> dict[str, Any]:
    """`{url, extension: [column, value]}`: the SR column (`SRVisit.CurrentStatus`) and its raw value."""
    return {"url": UNRESOLVED_VALUE, "extension": [
        {"url": "column", "valueString": f"{table}.{column}"},
        {"url": "value", "valueString": value},
    ]}


def _with(target: dict[str, Any], extensions: list[dict[str, Any]]) -> dict[str, Any]:
    return {**target, "extension": [*(target.get("extension") or []), *extensions]}


def keep_raw(record: Converted, table: str, raw: dict[str, str]) -> Converted:
    """`record` with the raw values of the columns it could not use, on every resource it writes
    and every element it merges (a delete writes nothing, so it carries nothing)."""
    if not raw:
        return record
    extensions = [raw_value_extension(table, column, value) for column, value in sorted(raw.items())]
    resources = [_with(resource, extensions) for resource in record.resources]
    merges = [replace(m, element=_with(m.element, extensions)) if m.element is not None and not m.remove else m
              for m in record.merges]
    return replace(record, resources=resources, merges=merges)

