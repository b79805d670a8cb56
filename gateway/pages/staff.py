"""The development sign-in's staff picker: everyone the records name as staff, each with the user
id she signs in with (so her inbox and "my people" find her; see `gateway.staff`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from gateway.assessments.records import find_all
from gateway.pages.sources import SOURCES, Source, identifier_source
from gateway.staff import practitioner_name

FhirJson = dict[str, Any]
STAFF_LIMIT = 200


@dataclass(frozen=True, slots=True)
class StaffMember:
    """A Practitioner as the sign-in picker and the header show them."""

    reference: str
    name: str
    user_id: str  # the identifier value she signs in with
    source: Source


def _sign_in_id(practitioner: FhirJson) -> str | None:
    """The identifier a worker signs in with: her SDS user id, else her council worker id."""
    idents = practitioner.get("identifier", [])
    sds = next((i["value"] for i in idents if i.get("system") == "https://fhir.nhs.uk/Id/sds-user-id"), None)
    return sds or next((i["value"] for i in idents if str(i.get("system", "")).endswith("/worker")), None)


def staff_list(conn: Connection) -> list[StaffMember]:
    """Everyone the records name as staff, for the development sign-in's picker."""
    out = []
    for p in find_all(conn, "Practitioner", [("_count", str(STAFF_LIMIT))])[:STAFF_LIMIT]:
        user_id = _sign_in_id(p)
        if user_id:
            out.append(StaffMember(f"Practitioner/{p['id']}", practitioner_name(p) or user_id, user_id,
                                   SOURCES.get(identifier_source(p) or "gateway", SOURCES["gateway"])))
    return sorted(out, key=lambda s: (s.source.label, s.name))
