"""FHIR datatype helpers shared by the to_fhir modules: coded values with their original text,
references, periods, money and the adapter's extensions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from adapters.base import FhirJson
from adapters.codemaps import CodeMaps
from adapters.liquidlogic import ids
from adapters.liquidlogic.errors import MappingError
from adapters.uris import extension


class Coder:
    """Turns a source value into a CodeableConcept through a named code map, keeping the text as
    written in `CodeableConcept.text` so the original spelling (R1, R2 or a variant) survives."""

    def __init__(self, maps: CodeMaps) -> None:
        self.maps = maps

    def code(self, map_name: str, column: str, value: str) -> str:
        target = self.maps[map_name].get(value)
        if target is None:
            raise MappingError(f"{column} {value!r} is not a known value (code map {map_name})")
        return target.code

    def concept(self, map_name: str, column: str, value: str) -> FhirJson:
        target = self.maps[map_name].get(value)
        if target is None:
            raise MappingError(f"{column} {value!r} is not a known value (code map {map_name})")
        return {"coding": [target.coding()], "text": value}

    def optional(self, map_name: str, column: str, value: str) -> FhirJson | None:
        """Like `concept`, but None for an empty value."""
        return self.concept(map_name, column, value) if value else None


def ref(resource_type: str, resource_id: str, display: str | None = None) -> FhirJson:
    out: FhirJson = {"reference": f"{resource_type}/{resource_id}"}
    if display:
        out["display"] = display
    return out


def patient_ref(la_person_id: str) -> FhirJson:
    return ref("Patient", ids.resource_id("person", la_person_id))


def observation(resource_id: str, category: FhirJson, code: FhirJson, la_person_id: str, when: str,
                encounter_id: str | None = None, **rest: Any) -> FhirJson:
    """A final Observation about the person, its keys in the one order every Liquidlogic
    Observation is written in (the stored JSON, and so a re-import's content hash, stay put)."""
    out: FhirJson = {"resourceType": "Observation", "id": resource_id, "status": "final", "category": [category],
                     "code": code, "subject": patient_ref(la_person_id)}
    if encounter_id is not None:
        out["encounter"] = ref("Encounter", encounter_id)
    out["effectiveDateTime"] = when
    out.update(rest)
    return out


def period(start: date | None, end: date | None) -> FhirJson:
    out: FhirJson = {}
    if start is not None:
        out["start"] = start.isoformat()
    if end is not None:
        out["end"] = end.isoformat()
    return out


def ext(name: str, **value: Any) -> FhirJson:
    """One of the gateway's extensions: `ext("social-care-event-outcome", valueCodeableConcept=...)`."""
    return {"url": extension(name), **value}


def money(amount: Decimal) -> FhirJson:
    return {"value": float(amount), "currency": "GBP"}
