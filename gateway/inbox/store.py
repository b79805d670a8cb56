"""The social worker's inbox of assessment updates: who sees which items, and the new -> read ->
acknowledged progression. Pages and the JSON API both read it through `inbox_view`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, or_, select, update

from gateway.auth.principal import Principal
from gateway.inbox.tables import inbox_items
from gateway.outcomes import bad_request, not_found
from gateway.staff import practitioner_refs
from gateway.storage.times import now_us, us_to_instant

i = inbox_items.c
STATUSES = ("new", "read", "acknowledged")


@dataclass(frozen=True, slots=True)
class InboxItem:
    """One update as the inbox shows it; `record_url` opens the person's integrated record."""

    id: str
    created: str
    status: str
    patient: str
    social_care_patient: str | None
    assignee: str | None
    team: str | None
    event_reference: str
    summary: str
    review_suggested: bool
    record_url: str
    page_url: str
    read_at: str | None
    acknowledged_at: str | None
    acknowledged_by: str | None
    document: dict[str, Any]

    def as_json(self, with_document: bool = True) -> dict[str, Any]:
        out = {k: getattr(self, k) for k in self.__dataclass_fields__}
        if not with_document:
            out.pop("document")
        return out


def _item(row: Any, fhir_base: str) -> InboxItem:
    patient_id = row.patient.split("/", 1)[1]
    return InboxItem(
        id=row.item_id, created=us_to_instant(row.created_at), status=row.status, patient=row.patient,
        social_care_patient=row.social_care_patient, assignee=row.assignee, team=row.team,
        event_reference=row.event_reference, summary=row.summary, review_suggested=bool(row.review_suggested),
        record_url=f"{fhir_base}/Patient/{patient_id}/$everything", page_url=f"/app/people/{patient_id}",
        read_at=us_to_instant(row.read_at) if row.read_at else None,
        acknowledged_at=us_to_instant(row.acknowledged_at) if row.acknowledged_at else None,
        acknowledged_by=row.acknowledged_by, document=orjson.loads(row.document),
    )


def _visible(conn: Connection, principal: Principal) -> Any:
    """Admins see every item; anyone else sees items assigned to them (the Practitioner whose
    identifier is their user id, see `gateway.staff`) or to their teams."""
    if principal.role == "admin":
        return None
    mine = {f"Practitioner/{principal.user}", *practitioner_refs(conn, principal.user)}
    clauses = [i.assignee.in_(sorted(mine))]
    teams = [t if t.startswith("CareTeam/") else f"CareTeam/{t}" for t in principal.teams]
    if teams:
        clauses.append(i.team.in_(teams))
    return or_(*clauses)


def inbox_view(conn: Connection, principal: Principal, fhir_base: str, status: str | None = None,
               patient: str | None = None, limit: int = 100) -> list[InboxItem]:
    """The caller's inbox, newest first, optionally only one status or one person."""
    if status is not None and status not in STATUSES:
        raise bad_request(f"status must be one of {', '.join(STATUSES)}", ["status"])
    query = select(inbox_items).order_by(i.created_at.desc(), i.item_id).limit(max(1, min(limit, 1000)))
    visible = _visible(conn, principal)
    if visible is not None:
        query = query.where(visible)
    if status is not None:
        query = query.where(i.status == status)
    if patient is not None:
        query = query.where(i.patient == (patient if patient.startswith("Patient/") else f"Patient/{patient}"))
    return [_item(row, fhir_base) for row in conn.execute(query)]


def get_item(conn: Connection, principal: Principal, item_id: str, fhir_base: str) -> InboxItem:
    query = select(inbox_items).where(i.item_id == item_id)
    visible = _visible(conn, principal)
    if visible is not None:
        query = query.where(visible)
    row = conn.execute(query).first()
    if row is None:
        raise not_found(f"Inbox item {item_id} is not known")
    return _item(row, fhir_base)


def mark(conn: Connection, principal: Principal, item_id: str, status: str, fhir_base: str) -> InboxItem:
    """Move an item to `read` or `acknowledged` (never back); acknowledging records who did it."""
    item = get_item(conn, principal, item_id, fhir_base)
    now = now_us()
    values: dict[str, Any] = {}
    if status == "read" and item.status == "new":
        values = {"status": "read", "read_at": now}
    elif status == "acknowledged" and item.status != "acknowledged":
        values = {"status": "acknowledged", "acknowledged_at": now, "acknowledged_by": principal.user}
        if item.read_at is None:
            values["read_at"] = now
    if values:
        conn.execute(update(inbox_items).where(i.item_id == item_id).values(**values))
    return get_item(conn, principal, item_id, fhir_base)
