"""What one export asks for, parsed and checked at kick-off and stored with the job as JSON.

See https://hl7.org/fhir/uv/bulkdata/export.html#query-parameters
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from gateway.resource_types import SUPPORTED_TYPES
from gateway.search.compartment import patient_compartment

# Stored resource types an export can carry. AuditEvent lives in the audit log, not the resource
# store, and Parameters/Bundle are never stored.
EXPORTABLE_TYPES: frozenset[str] = SUPPORTED_TYPES - {"Parameters", "Bundle", "AuditEvent"}
OUTPUT_FORMATS = frozenset({"application/fhir+ndjson", "application/ndjson", "ndjson"})
LEVELS = ("system", "patient", "group")


def types_for_level(level: str) -> frozenset[str]:
    """The types an export at `level` may hold: every exportable type at the system level, the Patient
    compartment's types for Patient and Group exports."""
    if level == "system":
        return EXPORTABLE_TYPES
    return frozenset(patient_compartment()) & EXPORTABLE_TYPES


@dataclass(frozen=True, slots=True)
class ExportSpec:
    """The resolved request: which types, from when, with which `_typeFilter` searches (ORed per
    type), and for Patient/Group exports whose compartments (`patients`: None means every patient)."""

    level: str
    types: tuple[str, ...]
    since: int | None = None
    type_filters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    group_id: str | None = None
    patients: tuple[str, ...] | None = None
    notes: tuple[str, ...] = ()  # what was left out under Prefer: handling=lenient, for the error file

    def to_json(self) -> str:
        return orjson.dumps({
            "level": self.level, "types": list(self.types), "since": self.since,
            "type_filters": {k: list(v) for k, v in self.type_filters.items()}, "group_id": self.group_id,
            "patients": list(self.patients) if self.patients is not None else None, "notes": list(self.notes),
        }).decode()

    @classmethod
    def from_json(cls, text: str) -> ExportSpec:
        data: dict[str, Any] = orjson.loads(text)
        patients = data.get("patients")
        return cls(
            level=data["level"], types=tuple(data["types"]), since=data.get("since"),
            type_filters={k: tuple(v) for k, v in (data.get("type_filters") or {}).items()},
            group_id=data.get("group_id"), patients=tuple(patients) if patients is not None else None,
            notes=tuple(data.get("notes") or ()),
        )
