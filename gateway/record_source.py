"""The systems a record comes from, named once (CodeSystem `record-source` in mappings/gateway/)
for the pages' source badges and for the links of golden Patients."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from adapters.uris import code_system
from gateway.terminology.registry import TerminologyLoadError, default_terminology

RECORD_SOURCE_SYSTEM = code_system("record-source")


@dataclass(frozen=True, slots=True)
class RecordSource:
    """One source system: its code, its name on the pages, how a golden Patient names its records."""

    code: str
    display: str
    record_label: str | None


@lru_cache(maxsize=1)
def record_sources() -> dict[str, RecordSource]:
    """Every source system by code, in the CodeSystem's order."""
    index = default_terminology().code_system(RECORD_SOURCE_SYSTEM)
    if index is None:
        raise TerminologyLoadError(f"CodeSystem {RECORD_SOURCE_SYSTEM} is missing from mappings/")
    return {c.code: RecordSource(c.code, c.display or c.code, next(iter(c.property_values("record-label")), None))
            for c in index.concepts.values()}
