"""The demographics person linking compares, read once from a source Patient: normalised names,
birth date, gender, postcodes and the valid NHS number, plus the blocking keys that decide which
other Patients a changed one is compared with.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from typing import Any

import orjson

from adapters import nhs_number
from adapters.uris import IDENTIFIER_BASE, code_system

RECORD_KIND_SYSTEM = code_system("record-kind")
GOLDEN_CODE = "golden"
VERIFIED_CODES = {"01", "number-present-and-verified"}
_SOURCE_PREFIX = IDENTIFIER_BASE + "/"
_SOUNDEX = {c: d for d, letters in {"1": "BFPV", "2": "CGJKQSXZ", "3": "DT", "4": "L", "5": "MN", "6": "R"}.items()
            for c in letters}


@dataclass(frozen=True, slots=True)
class Subject:
    """One source Patient as the matcher sees it. Names are upper-case letters only."""

    patient_id: str
    source: str  # systmone | liquidlogic | hl7v2 | ... | other (no gateway identifier)
    nhs: str | None  # valid (Modulus 11) NHS number, or None
    verified: bool  # the NHS number's verification status is 01 (traced and verified)
    family: str
    old_families: tuple[str, ...]
    given: str  # first given name
    birth_date: str | None  # YYYY-MM-DD
    gender: str | None
    postcodes: tuple[str, ...]  # normalised (no spaces), current addresses first
    display_name: str  # as written, for people reading a candidate

    def digest(self) -> str:
        """Hash of what matching uses: a changed digest means the demographics changed."""
        fields = (self.source, self.nhs, self.family, self.old_families, self.given, self.birth_date,
                  self.gender, self.postcodes)
        return hashlib.sha256(orjson.dumps(fields)).hexdigest()

    def to_json(self) -> str:
        return orjson.dumps(asdict(self)).decode()

    @classmethod
    def from_json(cls, text: str) -> Subject:
        data = orjson.loads(text)
        for key in ("old_families", "postcodes"):
            data[key] = tuple(data[key])
        return cls(**data)

    def blocks(self) -> set[str]:
        """Blocking keys. Two Patients are compared only when they share one: the same birth date
        with day and month in either order; a surname (current or old) that sounds alike with the
        same first initial and birth year; or the same postcode with the same first initial."""
        initial = self.given[:1]
        keys: set[str] = set()
        year = self.birth_date[:4] if self.birth_date else ""
        if self.birth_date:
            month, day = self.birth_date[5:7], self.birth_date[8:10]
            keys.add(f"b:{year}:{min(month, day)}-{max(month, day)}")
        for family in {self.family, *self.old_families} - {""}:
            keys.add(f"n:{soundex(family)}:{initial}:{year}")
        for postcode in self.postcodes:
            keys.add(f"p:{postcode}:{initial}")
        return keys


def soundex(name: str) -> str:
    """American Soundex of an upper-case name (`HOLLOWAY` -> `H400`)."""
    if not name:
        return ""
    out, last = name[0], _SOUNDEX.get(name[0], "")
    for ch in name[1:]:
        digit = _SOUNDEX.get(ch, "")
        if digit and digit != last:
            out += digit
        if ch not in "HW":
            last = digit
    return (out + "000")[:4]


def letters(text: str | None) -> str:
    return "".join(ch for ch in (text or "").upper() if ch.isalpha())


def is_golden(patient: dict[str, Any]) -> bool:
    """True for a golden Patient (made by linking), which is never itself a link source."""
    tags = (patient.get("meta") or {}).get("tag") or []
    return any(t.get("system") == RECORD_KIND_SYSTEM and t.get("code") == GOLDEN_CODE for t in tags)


def source_of(patient: dict[str, Any]) -> str:
    """The source system, from the gateway's identifier systems (`.../Id/<source>/<table>`)."""
    for ident in patient.get("identifier") or []:
        system = str(ident.get("system") or "")
        if system.startswith(_SOURCE_PREFIX):
            return system[len(_SOURCE_PREFIX):].split("/", 1)[0]
    return "other"


def nhs_of(patient: dict[str, Any]) -> tuple[str | None, bool]:
    """The valid NHS number a Patient carries (None when missing or failing Modulus 11) and whether
    its verification status says it was traced and verified."""
    for ident in patient.get("identifier") or []:
        if ident.get("system") != nhs_number.NHS_NUMBER_SYSTEM or ident.get("use") == "old":
            continue
        value = nhs_number.normalise(ident.get("value"))
        if not nhs_number.is_valid(value):
            continue
        codes = {c.get("code") for ext in ident.get("extension") or []
                 for c in (ext.get("valueCodeableConcept") or {}).get("coding") or []}
        return value, bool(codes & VERIFIED_CODES)
    return None, False


def _official_name(names: list[dict[str, Any]]) -> dict[str, Any]:
    current = [n for n in names if n.get("use") not in ("old", "maiden", "anonymous", "temp")]
    ranked = sorted(current, key=lambda n: (n.get("use") != "official", n.get("use") != "usual"))
    return ranked[0] if ranked else {}


def subject_of(patient: dict[str, Any]) -> Subject:
    """Read a source Patient's demographics for matching."""
    names = patient.get("name") or []
    official = _official_name(names)
    olds = tuple(sorted({letters(n.get("family")) for n in names if n.get("use") in ("old", "maiden")} - {""}))
    given_names = official.get("given") or []
    addresses = patient.get("address") or []
    current = [a for a in addresses if not (a.get("period") or {}).get("end") and a.get("use") != "old"]
    postcodes: list[str] = []
    for address in [*current, *addresses]:
        code = letters_and_digits(address.get("postalCode"))
        if code and code not in postcodes:
            postcodes.append(code)
    nhs, verified = nhs_of(patient)
    shown = " ".join([*given_names, official.get("family") or ""]).strip() or official.get("text") or ""
    return Subject(
        patient_id=str(patient["id"]), source=source_of(patient), nhs=nhs, verified=verified,
        family=letters(official.get("family")), old_families=olds,
        given=letters(given_names[0]) if given_names else "",
        birth_date=str(patient["birthDate"])[:10] if len(str(patient.get("birthDate") or "")) >= 10 else None,
        gender=patient.get("gender"), postcodes=tuple(postcodes), display_name=shown,
    )


def letters_and_digits(text: str | None) -> str:
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())
