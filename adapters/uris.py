"""Canonical URLs the gateway mints: its own code systems, concept maps, extensions and the
identifier systems for each source table. Real national systems (NHS number, ODS, SNOMED CT,
dm+d, CTV3) are spelled where they are used; see `mappings/identifier-systems/`."""

from __future__ import annotations

CANONICAL_BASE = "https://care-gateway.example/fhir"
IDENTIFIER_BASE = "https://care-gateway.example/Id"

SNOMED = "http://snomed.info/sct"
CTV3 = "http://read.info/ctv3"
DMD = "https://dmd.nhs.uk"
ODS_ORGANISATION = "https://fhir.nhs.uk/Id/ods-organization-code"


def code_system(name: str) -> str:
    """URL of one of the gateway's own CodeSystems."""
    return f"{CANONICAL_BASE}/CodeSystem/{name}"


def concept_map(name: str) -> str:
    """URL of one of the gateway's ConceptMaps (every file in `mappings/` is served as one)."""
    return f"{CANONICAL_BASE}/ConceptMap/{name}"


def value_set(name: str) -> str:
    """URL of one of the gateway's ValueSets."""
    return f"{CANONICAL_BASE}/ValueSet/{name}"


def extension(name: str) -> str:
    """URL of an extension the gateway defines."""
    return f"{CANONICAL_BASE}/StructureDefinition/{name}"


def identifier_system(source: str, table: str) -> str:
    """Identifier system for rows of one source table, e.g. `.../Id/systmone/SRPatient`."""
    return f"{IDENTIFIER_BASE}/{source}/{table}"
