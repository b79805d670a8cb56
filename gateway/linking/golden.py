"""The golden Patient: one per person, made from the source Patients linked to it.

Its id is deterministic: uuid5 of the NHS number, so every process and every re-run makes the same
one; a person known only by demographics (linked by a person's decision) gets uuid5 of the first
source Patient's id instead. Demographics are copied field by field from the best source that has
the field: a source whose NHS number is verified (status 01) first, then the most recently updated,
then by id, so the choice is stable. `link[]` lists every linked source as `seealso`.
See https://hl7.org/fhir/R4/patient.html#links
"""

from __future__ import annotations

import uuid
from typing import Any

from adapters.nhs_number import NHS_NUMBER_SYSTEM
from gateway.linking.demographics import GOLDEN_CODE, RECORD_KIND_SYSTEM, nhs_of, source_of
from gateway.record_source import record_sources

_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://care-gateway.example/fhir/Patient/golden")
_COPIED = ("name", "telecom", "gender", "birthDate", "deceasedBoolean", "deceasedDateTime", "address",
           "maritalStatus", "communication", "generalPractitioner")
GOLDEN_TAG = {"system": RECORD_KIND_SYSTEM, "code": GOLDEN_CODE, "display": "Golden record made by person linking"}


def _record_label(source: str) -> str:
    known = record_sources().get(source)
    return known.record_label if known and known.record_label else "Source record"


def golden_id_for_nhs(nhs: str) -> str:
    """The golden Patient id of the person with this (valid) NHS number."""
    return str(uuid.uuid5(_NAMESPACE, f"{NHS_NUMBER_SYSTEM}|{nhs}"))


def golden_id_for_person(first_source_id: str) -> str:
    """The golden Patient id of a person linked on demographics only (no valid NHS number)."""
    return str(uuid.uuid5(_NAMESPACE, f"person|{first_source_id}"))


def _rank(patient: dict[str, Any]) -> tuple[bool, str, str]:
    _, verified = nhs_of(patient)
    updated = str((patient.get("meta") or {}).get("lastUpdated") or "")
    # Verified first, then newest (negated by sorting on an inverted string), then id.
    inverted = "".join(chr(0x10FFFF - ord(ch)) for ch in updated)
    return (not verified, inverted, str(patient.get("id")))


def build_golden(golden_id: str, nhs: str | None, sources: list[dict[str, Any]]) -> dict[str, Any]:
    """The golden Patient for `sources` (at least one current source Patient)."""
    ranked = sorted(sources, key=_rank)
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "id": golden_id,
        "meta": {"tag": [GOLDEN_TAG]},
    }
    if nhs:
        resource["identifier"] = [{"system": NHS_NUMBER_SYSTEM, "value": nhs}]
    resource["active"] = True
    for field in _COPIED:
        donor = next((s for s in ranked if s.get(field) not in (None, [], "")), None)
        if donor is None or (field.startswith("deceased") and any(k.startswith("deceased") for k in resource)):
            continue
        resource[field] = donor[field]
    resource["link"] = [
        {"other": {"reference": f"Patient/{s['id']}", "display": _record_label(source_of(s))},
         "type": "seealso"}
        for s in sorted(sources, key=lambda s: str(s["id"]))
    ]
    return resource
