"""Who the signed-in worker is in the records: the Practitioner whose identifier is her user id (an
NHS smartcard's SDS user id, a council worker id), or whose id it is. Her inbox, "my people" and
her name on the pages follow from it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from gateway.assessments.records import find_all, read_json

FhirJson = dict[str, Any]


def practitioner_name(practitioner: FhirJson) -> str:
    for name in practitioner.get("name", []):
        text = name.get("text") or " ".join([*name.get("prefix", []), *name.get("given", []),
                                             name.get("family", "")]).strip()
        if text:
            return str(text)
    return ""


def practitioners_for(conn: Connection, user: str) -> list[FhirJson]:
    """The Practitioners the signed-in `user` is: by identifier value (any system), or by id."""
    # A user id with search syntax in it (`,` means "or") must not widen the match to other people.
    if not user or len(user) > 128 or any(ch in user for ch in ",|$\\"):
        return []
    found = {p["id"]: p for p in find_all(conn, "Practitioner", [("identifier", user)])}
    by_id = read_json(conn, "Practitioner", user) if "/" not in user else None
    if by_id is not None:
        found[by_id["id"]] = by_id
    return list(found.values())


def practitioner_refs(conn: Connection, user: str) -> list[str]:
    """`Practitioner/<id>` of each Practitioner the signed-in `user` is."""
    return [f"Practitioner/{p['id']}" for p in practitioners_for(conn, user)]
