"""Which system each fact came from, so every line on a page can say so: a resource's own source
identifier (`.../Id/<source>/<table>`), else the gateway's own Omaha assessment records, else the
source of the Patient it is about (an imported record always points at its own source Patient)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from adapters.omaha.vocabulary import PROBLEM, RECORD
from adapters.uris import IDENTIFIER_BASE
from gateway.record_source import record_sources

FhirJson = dict[str, Any]
_PREFIX = IDENTIFIER_BASE + "/"


@dataclass(frozen=True, slots=True)
class Source:
    """A source system as the pages name it; `key` doubles as the CSS class of its badge."""

    key: str
    label: str


SOURCES: dict[str, Source] = {code: Source(code, source.display) for code, source in record_sources().items()}


def _identifiers(resource: FhirJson) -> list[FhirJson]:
    found = resource.get("identifier") or []
    return [found] if isinstance(found, dict) else [i for i in found if isinstance(i, dict)]


def identifier_source(resource: FhirJson) -> str | None:
    """The source named by the resource's own gateway identifier, if it has one."""
    for ident in _identifiers(resource):
        system = str(ident.get("system") or "")
        if system.startswith(_PREFIX):
            return system[len(_PREFIX):].split("/", 1)[0]
    return None


def is_omaha(resource: FhirJson) -> bool:
    """A record of the team's integrated (Omaha System) assessment, written through the gateway."""
    text = str(resource.get("questionnaire", ""))
    if text.endswith("/Questionnaire/omaha-integrated-assessment"):
        return True
    for concept in [resource.get("code") or {}, *(resource.get("category") or [])]:
        for coding in (concept or {}).get("coding", []) if isinstance(concept, dict) else []:
            if coding.get("system") in (RECORD, PROBLEM):
                return True
    return False


def _subject(resource: FhirJson) -> str | None:
    for key in ("subject", "patient", "beneficiary"):
        ref = resource.get(key)
        if isinstance(ref, dict) and str(ref.get("reference", "")).startswith("Patient/"):
            return str(ref["reference"]).split("/", 1)[1]
    return None


def source_of(resource: FhirJson, patients: dict[str, FhirJson]) -> Source:
    """Where `resource` came from; `patients` are the person's Patients by id."""
    own = identifier_source(resource)
    if own is None and is_omaha(resource):
        return SOURCES["omaha"]
    if own is None:
        patient = patients.get(_subject(resource) or "")
        own = identifier_source(patient) if patient is not None else None
    return SOURCES.get(own or "gateway", Source(own or "gateway", (own or "gateway").title()))
