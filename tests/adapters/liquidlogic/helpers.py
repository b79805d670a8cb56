"""Shared helpers for the Liquidlogic adapter tests: run the adapter, serialise its records for
golden files, and fold records into a store the way the import pipeline would."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

from adapters.base import Converted, FileNotice, Rejected, SourceRecord
from adapters.liquidlogic.adapter import LiquidlogicAdapter

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "liquidlogic"
UPDATE_GOLDEN = os.environ.get("UPDATE_GOLDEN") == "1"


def read(path: Path) -> list[SourceRecord]:
    return list(LiquidlogicAdapter().read(path))


def as_json(record: SourceRecord) -> dict[str, Any]:
    """A record as plain JSON for golden comparison."""
    if isinstance(record, Converted):
        return {
            "converted": [record.ref.file, record.ref.line, record.ref.key],
            "resources": record.resources,
            "merges": [
                {
                    "type": m.resource_type,
                    "id": m.resource_id,
                    "path": m.path,
                    "element_id": m.element_id,
                    "element": m.element,
                }
                for m in record.merges
            ],
            "preserve": {k: list(v) for k, v in record.preserve.items()},
            "warnings": record.warnings,
        }
    if isinstance(record, Rejected):
        return {
            "rejected": [record.ref.file, record.ref.line, record.ref.key],
            "code": record.code,
            "reason": record.reason,
        }
    assert isinstance(record, FileNotice)
    return {
        "notice": record.file,
        "level": record.level,
        "message": record.message,
        "sha256": record.sha256,
        "size_bytes": record.size_bytes,
    }


def compare_golden(actual: Any, expected_path: Path) -> None:
    """Assert `actual` equals the golden file (rewrite it with UPDATE_GOLDEN=1 after a reviewed change)."""
    if UPDATE_GOLDEN:
        expected_path.write_text(json.dumps(actual, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    expected = json.loads(expected_path.read_text(encoding="utf-8"))
    assert actual == expected


def store(records: list[SourceRecord]) -> dict[tuple[str, str], dict[str, Any]]:
    """Resources by (type, id) after applying every record in order, as the pipeline does:
    later versions replace earlier ones, `preserve` keeps merged list elements, merges upsert."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for record in records:
        if not isinstance(record, Converted):
            continue
        for resource in record.resources:
            key = (resource["resourceType"], resource["id"])
            new = copy.deepcopy(resource)
            old = out.get(key)
            for path in record.preserve.get(resource["resourceType"], ()):
                if old and path in old:
                    new[path] = old[path]
            out[key] = new
        for merge in record.merges:
            target = out[(merge.resource_type, merge.resource_id)]
            elements = [e for e in target.get(merge.path, []) if e.get("id") != merge.element_id]
            if not merge.remove:
                elements.append(merge.element)
            target[merge.path] = elements
    return out
