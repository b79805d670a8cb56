"""Publish the terminology in `mappings/` (CodeSystems, ValueSets, ConceptMaps) as stored FHIR
resources, through the import pipeline like any source, so they can be read and searched and
every code the gateway emits is in a CodeSystem it serves. Runs on `gateway db upgrade`."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

from adapters.base import Converted, FileNotice, Rejected, RowRef, SourceRecord
from adapters.codemaps import MAPPINGS_DIR, CodeMaps
from gateway.imports.pipeline import ImportRunner, ImportSummary
from gateway.repository.sql import SqlRepository

_SUFFIXES = {".codesystem.json": "CodeSystem", ".valueset.json": "ValueSet"}


def _id_from(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-." else "-" for ch in name)[:64]


class TerminologyPublisher:
    """An adapter over `mappings/`: one record per terminology resource."""

    source = "terminology"

    def read(self, path: Path) -> Iterator[SourceRecord]:
        for file in sorted(path.rglob("*.json")):
            kind = next((k for suffix, k in _SUFFIXES.items() if file.name.endswith(suffix)), None)
            rel = str(file.relative_to(path))
            if kind is None:
                continue
            raw = file.read_bytes()
            yield FileNotice(rel, "info", "reading", hashlib.sha256(raw).hexdigest(), len(raw))
            resource = json.loads(raw)
            ref = RowRef(rel, 1, resource.get("url"))
            if resource.get("resourceType") != kind:
                yield Rejected(ref, "TERM-1", f"expected a {kind}")
                continue
            resource.setdefault("id", _id_from(resource.get("id") or file.name.split(".")[0]))
            yield Converted(ref, [resource])
        for cmap in CodeMaps.load(path):
            concept_map = {k: v for k, v in cmap.to_concept_map().items() if v is not None}
            concept_map["id"] = _id_from(concept_map["id"])
            yield Converted(RowRef(f"{cmap.name}.map.json", 1, concept_map["url"]), [concept_map])


def publish_terminology(repo: SqlRepository, root: Path = MAPPINGS_DIR) -> ImportSummary:
    """Load or refresh every terminology resource; unchanged ones stay at their version."""
    return ImportRunner(repo, 500, user="system:terminology").run(TerminologyPublisher(), root)
