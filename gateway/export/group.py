"""The people a stored Group names: its active Patient members, each with every Patient linked to them.

A team's caseload Group (DESIGN.md section 11: a virtual Group over "which people are on this team's
caseload") will answer the same question once that repository function exists.
See https://hl7.org/fhir/R4/group.html
"""

from __future__ import annotations

import orjson

from gateway.linking import linked_patient_ids
from gateway.repository.sql import SqlRepository


def member_ids(group: dict[str, object]) -> list[str]:
    """Ids of the Patients in `Group.member.entity` that are not marked inactive."""
    ids = []
    members = group.get("member")
    for member in members if isinstance(members, list) else []:
        if not isinstance(member, dict) or member.get("inactive") is True:
            continue
        entity = member.get("entity")
        ref = entity.get("reference") if isinstance(entity, dict) else None
        parts = ref.rstrip("/").split("/") if isinstance(ref, str) else []
        if len(parts) >= 2 and parts[-2] == "Patient" and parts[-1]:
            ids.append(parts[-1])
    return ids


def group_patients(repo: SqlRepository, group_id: str) -> tuple[str, ...]:
    """Every Patient id of every person in the Group (404/410 for an unknown or deleted Group)."""
    stored = repo.read("Group", group_id)
    members = member_ids(orjson.loads(stored.content or "{}"))
    with repo.reading() as conn:
        return tuple(sorted({pid for member in members for pid in linked_patient_ids(conn, member)}))


def linked(repo: SqlRepository, patient_ids: list[str]) -> tuple[str, ...]:
    """The Patients named, each with every Patient linked to them."""
    with repo.reading() as conn:
        return tuple(sorted({pid for p in patient_ids for pid in linked_patient_ids(conn, p)}))
