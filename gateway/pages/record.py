"""A person's whole record for the pages, read in one place: every resource of every Patient linked
to them (golden and source records), plus the practitioners and organisations those resources name.

Every person page reads through `gather_record`, which is `Patient/$everything` underneath, so what a
page shows is exactly the integrated record the API serves, and a type the user's scopes do not
allow is left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import Connection

from gateway.linking import linked_patient_ids
from gateway.linking.demographics import is_golden
from gateway.operations.everything import get_patient_everything

FhirJson = dict[str, Any]


@dataclass
class PersonRecord:
    """Everything known about one person, by resource type. `person_id` is the id the person's
    Omaha assessment is kept under: the golden Patient when linking made one, else the record itself."""

    person_id: str
    patient_ids: list[str]
    by_type: dict[str, list[FhirJson]] = field(default_factory=dict)
    referenced: dict[str, FhirJson] = field(default_factory=dict)  # "Practitioner/x" -> resource

    def of(self, res_type: str) -> list[FhirJson]:
        return self.by_type.get(res_type, [])

    @property
    def patients(self) -> dict[str, FhirJson]:
        return {p["id"]: p for p in self.of("Patient")}

    @property
    def sources(self) -> list[FhirJson]:
        """The source Patients (as received from each system), golden left out."""
        return [p for p in self.of("Patient") if not is_golden(p)]

    def name_of(self, reference: dict[str, Any] | None) -> str | None:
        """Display name of a referenced practitioner, role, organisation or related person."""
        if not reference:
            return None
        target = self.referenced.get(str(reference.get("reference", "")))
        if target is not None and target.get("resourceType") == "PractitionerRole":
            target = self.referenced.get(str((target.get("practitioner") or {}).get("reference", ""))) or target
        if target is not None:
            name = target.get("name")
            if isinstance(name, str):
                return name
            if isinstance(name, list) and name:
                first = name[0]
                return first.get("text") or " ".join([*first.get("given", []), first.get("family", "")]).strip()
        return reference.get("display")


# Everything of one person fits on one page of `$everything` for the pages' purposes.
_ALL = 1_000_000


def gather_record(conn: Connection, patient_id: str, readable: set[str] | None = None) -> PersonRecord:
    """The person `patient_id` belongs to: every resource of each of their Patients (golden and
    sources) and what those name (practitioners, organisations), limited to the `readable` types
    (None: all). Read by `get_patient_everything`, the function behind `Patient/$everything`, so
    the pages show exactly the integrated record the API serves. 404 unknown, 410 deleted."""
    allowed = (lambda t: True) if readable is None else (lambda t: t in readable or t == "Patient")
    page = get_patient_everything(conn, patient_id, None, None, _ALL, None, "", may_search=allowed)
    record = PersonRecord(person_id=linked_patient_ids(conn, patient_id)[0], patient_ids=[])
    for res_type, res_id, content, mode in page.entries:
        resource = orjson.loads(content)
        if mode == "match" or res_type == "Patient":
            record.by_type.setdefault(res_type, []).append(resource)
        else:
            record.referenced[f"{res_type}/{res_id}"] = resource
    record.patient_ids = [record.person_id, *(p["id"] for p in record.of("Patient") if p["id"] != record.person_id)]
    return record
