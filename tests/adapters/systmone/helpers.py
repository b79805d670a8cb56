"""Shared test helpers: run the adapter over a folder and turn its records into plain JSON."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

from fhir.resources.R4B import get_fhir_model_class

from adapters.base import Converted, FileNotice, ReferenceRow, Rejected, RowWarning, SourceRecord
from adapters.systmone.adapter import SystmOneAdapter


def read_all(path: Path, reference: list[ReferenceRow] | None = None) -> list[SourceRecord]:
    """Every record of the extract at `path`, resolving codes through `reference` too (rows the
    gateway kept from earlier extracts)."""
    return list(SystmOneAdapter(reference=reference).read(path))


def as_json(record: SourceRecord) -> dict[str, Any]:
    """A record as JSON-able data, named by its kind, for golden files."""
    kind = type(record).__name__
    data = asdict(record)
    if isinstance(record, Converted):
        data["deletes"] = [list(d) for d in record.deletes]
        data["preserve"] = {k: list(v) for k, v in record.preserve.items()}
        data["warnings"] = [{"code": w.code, "column": w.column, "value": w.value, "message": str(w)}
                            if isinstance(w, RowWarning) else str(w) for w in record.warnings]
    return {"kind": kind, **data}


def data_records(records: list[SourceRecord]) -> list[Converted | Rejected]:
    return [r for r in records if isinstance(r, (Converted, Rejected))]


def notices(records: list[SourceRecord], level: str | None = None) -> list[FileNotice]:
    return [r for r in records if isinstance(r, FileNotice) and (level is None or r.level == level)]


def validate(resource: dict[str, Any]) -> None:
    """Validate one resource against the R4B models (raises on failure)."""
    get_fhir_model_class(resource["resourceType"]).model_validate(resource)


def write_csv(folder: Path, name: str, text: str, encoding: str = "cp1252", newline: str = "\r\n",
              bom: bool = False) -> Path:
    """Write `text` (lines separated by \\n) as an SR file with the given encoding and line ending."""
    folder.mkdir(parents=True, exist_ok=True)
    body = text.replace("\n", newline).encode(encoding)
    path = folder / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + body)
    return path
