"""Each source's demographics side by side, with the rows where the sources disagree marked, so
the team can see at a glance that the council spells a name differently or has an old address."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from adapters.display import nhs_number, postcode, show_day
from adapters.nhs_number import NHS_NUMBER_SYSTEM
from gateway.pages.record import PersonRecord
from gateway.pages.sources import Source, source_of

FhirJson = dict[str, Any]
_ETHNICITY = "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-EthnicCategory"


@dataclass(frozen=True, slots=True)
class Column:
    source: Source
    patient_id: str


@dataclass(frozen=True, slots=True)
class Row:
    """One field across the sources; `differs` when two sources give different values."""

    label: str
    values: list[str | None]
    differs: bool


@dataclass(frozen=True, slots=True)
class Demographics:
    columns: list[Column]
    rows: list[Row]

    @property
    def differences(self) -> list[str]:
        return [row.label for row in self.rows if row.differs]


def _name(names: list[FhirJson], current: bool) -> str | None:
    keep = [n for n in names if (n.get("use") not in ("old", "maiden")) == current]
    texts = [n.get("text") or " ".join([*n.get("given", []), n.get("family", "")]).strip()
             for n in keep]
    return "; ".join(t for t in texts if t) or None


def _address(patient: FhirJson) -> FhirJson | None:
    current = [a for a in patient.get("address", []) if not (a.get("period") or {}).get("end")]
    ranked = sorted(current, key=lambda a: a.get("use") != "home")
    return ranked[0] if ranked else None


def _address_text(patient: FhirJson) -> str | None:
    addr = _address(patient)
    if addr is None:
        return None
    return ", ".join([*addr.get("line", []), *(x for x in (addr.get("city"),) if x)]) or None


def _nhs(patient: FhirJson) -> str | None:
    for ident in patient.get("identifier", []):
        if ident.get("system") == NHS_NUMBER_SYSTEM and ident.get("value") and ident.get("use") != "old":
            return nhs_number(str(ident["value"]))
    return None


def _telecom(system: str) -> Callable[[FhirJson], str | None]:
    def read(patient: FhirJson) -> str | None:
        values = [t.get("value") for t in patient.get("telecom", []) if t.get("system") == system and t.get("value")]
        return ", ".join(values) or None
    return read


def _gp(record: PersonRecord) -> Callable[[FhirJson], str | None]:
    def read(patient: FhirJson) -> str | None:
        refs = [*patient.get("generalPractitioner", [])]
        if patient.get("managingOrganization"):
            refs.append(patient["managingOrganization"])
        names = [record.name_of(r) or (r.get("identifier") or {}).get("value") for r in refs]
        return ", ".join(n for n in names if n) or None
    return read


def _ethnicity(patient: FhirJson) -> str | None:
    for ext in patient.get("extension", []):
        if ext.get("url") == _ETHNICITY:
            concept = ext.get("valueCodeableConcept") or {}
            return concept.get("text") or next((c.get("display") for c in concept.get("coding", [])), None)
    return None


def _birth(patient: FhirJson) -> str | None:
    raw = patient.get("birthDate")
    return show_day(raw) if raw else None


def _normal(value: str | None) -> str:
    return "".join(ch for ch in (value or "").lower() if ch.isalnum())


def demographics(record: PersonRecord) -> Demographics:
    """The source Patients' demographics as columns (golden left out: it is copied from them)."""
    patients = record.patients
    sources = sorted(record.sources, key=lambda p: source_of(p, patients).label)
    fields: list[tuple[str, Callable[[FhirJson], str | None]]] = [
        ("Name", lambda p: _name(p.get("name", []), True)),
        ("Previous names", lambda p: _name(p.get("name", []), False)),
        ("Date of birth", _birth),
        ("Gender", lambda p: p.get("gender")),
        ("NHS number", _nhs),
        ("Address", _address_text),
        ("Postcode", lambda p: postcode((_address(p) or {}).get("postalCode")) or None),
        ("Phone", _telecom("phone")),
        ("Email", _telecom("email")),
        ("GP practice", _gp(record)),
        ("Ethnicity", _ethnicity),
        ("Died", lambda p: p.get("deceasedDateTime") or ("yes" if p.get("deceasedBoolean") else None)),
    ]
    rows = []
    for label, read in fields:
        values = [read(p) for p in sources]
        present = {_normal(v) for v in values if v}
        if not present:
            continue
        # Previous names are history, not a disagreement; the rest must agree where both have a value.
        rows.append(Row(label, values, len(present) > 1 and label != "Previous names"))
    return Demographics([Column(source_of(p, patients), p["id"]) for p in sources], rows)
