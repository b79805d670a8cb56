"""FHIR datatype builders shared by every SystmOne converter: codings, references, periods,
quantities, addresses. Each returns plain JSON dicts, leaving out empty parts, because the
gateway validates on write and speed matters here."""

from __future__ import annotations

from typing import Any

from adapters.codemaps import Target
from adapters.systmone import ids
from adapters.systmone.lookups import Lookups
from adapters.systmone.values import Row, integer, required_int, text
from adapters.uris import CTV3, ODS_ORGANISATION, SNOMED

FhirJson = dict[str, Any]
NO_SNOMED = "-1"


def coding(system: str, code: str, display: str | None = None) -> FhirJson:
    out = {"system": system, "code": code}
    if display:
        out["display"] = display
    return out


def target_coding(target: Target) -> FhirJson:
    return target.coding()


def concept(codings: list[FhirJson], text_value: str | None = None) -> FhirJson:
    out: FhirJson = {}
    if codings:
        out["coding"] = codings
    if text_value:
        out["text"] = text_value
    return out


def clinical_codes(lookups: Lookups, ctv3: str | None, ctv3_text: str | None, snomed: str | None = None,
                   snomed_text: str | None = None) -> FhirJson:
    """CTV3 and SNOMED codings exactly as recorded, then a SNOMED translation from
    `mappings/systmone/ctv3-to-snomed.map.json` when the row carries no SNOMED code of its own."""
    codings: list[FhirJson] = []
    if ctv3:
        codings.append(coding(CTV3, ctv3, ctv3_text))
    if snomed and snomed != NO_SNOMED:
        codings.append(coding(SNOMED, snomed, snomed_text))
    elif ctv3:
        translated = lookups.extra("systmone-ctv3-to-snomed", ctv3)
        if translated is not None:
            codings.append(translated.coding())
    return concept(codings, ctv3_text or snomed_text)


def patient_ref(row: Row) -> FhirJson:
    return ids.reference("Patient", "SRPatient", required_int(row, "IDPatient"))


def role_ref(row: Row, column: str) -> FhirJson | None:
    """A reference to the PractitionerRole an `IDProfile*` / `IDDoneBy` column names."""
    key = integer(row, column)
    return ids.reference("PractitionerRole", "SRStaffMemberProfile", key) if key is not None else None


def event_ref(row: Row) -> FhirJson | None:
    key = integer(row, "IDEvent")
    return ids.reference("Encounter", "SREvent", key) if key is not None else None


def organisation_ref(row: Row, column: str) -> FhirJson | None:
    code = text(row, column)
    return ids.organisation_reference(code) if code and code != "-1" else None


def ods_identifier(code: str) -> FhirJson:
    return {"system": ODS_ORGANISATION, "value": code}


def period(start: str | None, end: str | None) -> FhirJson | None:
    out = {k: v for k, v in (("start", start), ("end", end)) if v}
    return out or None


def quantity(value: float, unit: str | None, comparator: str | None = None) -> FhirJson:
    out: FhirJson = {"value": int(value) if value.is_integer() and abs(value) < 1e15 else value}
    if comparator:
        out["comparator"] = comparator
    if unit:
        out["unit"] = unit
    return out


def pack_quantity(raw: str | None) -> FhirJson | None:
    """`56 tablet` -> Quantity(56, tablet); None when the text does not start with a number."""
    if not raw:
        return None
    head, _, unit = raw.strip().partition(" ")
    try:
        value = float(head)
    except ValueError:
        return None
    return quantity(value, unit.strip() or None)


def address(parts: list[str | None], town: str | None, county: str | None, postcode: str | None) -> FhirJson:
    lines = [p for p in parts if p]
    out: FhirJson = {}
    if lines:
        out["line"] = lines
    for key, value in (("city", town), ("district", county), ("postalCode", postcode)):
        if value:
            out[key] = value
    return out


def phone(value: str | None, use: str) -> FhirJson | None:
    return {"system": "phone", "value": value, "use": use} if value else None


def compact(resource: FhirJson) -> FhirJson:
    """Drop keys whose value is None, an empty list or an empty dict (top level only)."""
    return {k: v for k, v in resource.items() if v is not None and v != [] and v != {}}
