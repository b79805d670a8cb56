"""Find a person: by name (every word, accent- and case-insensitive, as FHIR string search is) or
NHS number, one row per person however many systems hold them, with what tells namesakes apart
(NHS number, date of birth, postcode) and why each row matched. Exact matches come first."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from adapters.nhs_number import NHS_NUMBER_SYSTEM
from gateway.assessments.records import find_all, read_json
from gateway.linking import linked_patient_ids
from gateway.linking.demographics import is_golden
from gateway.pages.sources import SOURCES, Source, identifier_source
from gateway.search.values import normalise

FhirJson = dict[str, Any]
LIMIT = 50


@dataclass
class Found:
    """One person in the results: the record to open and what the row shows."""

    person_id: str
    name: str
    birth_date: str
    nhs_number: str
    postcode: str
    sources: list[Source] = field(default_factory=list)
    why: str = ""
    exact: bool = False


def _name_parts(patient: FhirJson) -> list[str]:
    out = []
    for name in patient.get("name", []):
        out += [*name.get("given", []), name.get("family", ""), name.get("text", "")]
    return [normalise(p) for p in out if p]


def display_name(patient: FhirJson) -> str:
    for name in patient.get("name", []):
        if name.get("use") not in ("old", "maiden"):
            return str(name.get("text") or " ".join([*name.get("given", []), name.get("family", "")]).strip())
    return "Unnamed"


def _nhs(patient: FhirJson) -> str:
    return next((str(i["value"]) for i in patient.get("identifier", [])
                 if i.get("system") == NHS_NUMBER_SYSTEM and i.get("value") and i.get("use") != "old"), "")


def _postcode(patient: FhirJson) -> str:
    current = [a for a in patient.get("address", []) if not (a.get("period") or {}).get("end") and a.get("postalCode")]
    return str(current[0]["postalCode"]) if current else ""


def _query(q: str) -> tuple[list[tuple[str, str]], str]:
    digits = q.replace(" ", "")
    if digits.isascii() and digits.isdigit():
        return [("identifier", f"{NHS_NUMBER_SYSTEM}|{digits}")], "NHS number"
    return [("name", word) for word in q.split()], "name"


def _why(by: str, exact: bool) -> str:
    if by == "NHS number":
        return "NHS number matches"
    return "name matches" if exact else "name starts with what you typed"


def find_people(conn: Connection, q: str) -> list[Found]:
    """The people matching `q`, one row each, exact matches first, then by name."""
    params, by = _query(q)
    if not params:
        return []
    words = [normalise(w) for w in q.split()]
    people: dict[str, Found] = {}
    for patient in find_all(conn, "Patient", params):
        person_id = linked_patient_ids(conn, patient["id"])[0]
        if person_id in people:
            continue
        records = [r for r in (read_json(conn, "Patient", pid) for pid in linked_patient_ids(conn, person_id)) if r]
        shown = next((r for r in records if is_golden(r)), records[0] if records else patient)
        sources = [SOURCES.get(identifier_source(r) or "gateway", SOURCES["gateway"]) for r in records
                   if not is_golden(r)]
        parts = {p for r in records for p in _name_parts(r)}
        exact = by == "NHS number" or all(w in parts for w in words) or normalise(q) in parts
        people[person_id] = Found(person_id, display_name(shown), str(shown.get("birthDate", "")), _nhs(shown),
                                  _postcode(shown), sorted(set(sources), key=lambda s: s.label),
                                  _why(by, exact), exact)
        if len(people) >= LIMIT:
            break
    return sorted(people.values(), key=lambda f: (not f.exact, f.name.split()[-1:], f.name))
