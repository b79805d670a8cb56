"""One audit record as the request path builds it, before it becomes an `audit_log` row.

See https://hl7.org/fhir/R4/auditevent.html and, for how a RESTful interaction maps onto an
AuditEvent, IHE Basic Audit Log Patterns (https://profiles.ihe.net/ITI/BALP/).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, fields
from typing import Any

from gateway.audit.table import COLUMN_LIMITS

# Interaction -> AuditEvent.action (http://hl7.org/fhir/audit-event-action). Searches, operations
# and log-ons are E ("execute ... perform a query/search operation"), as BALP records them.
ACTION_BY_INTERACTION: dict[str, str] = {
    "read": "R",
    "vread": "R",
    "history-instance": "R",
    "history-type": "R",
    "history-system": "R",
    "history": "R",
    "capabilities": "R",
    "create": "C",
    "update": "U",
    "patch": "U",
    "delete": "D",
    "search-type": "E",
    "search-system": "E",
    "search": "E",
    "operation": "E",
    "batch": "E",
    "transaction": "E",
    "login": "E",
    "logout": "E",
}

OUTCOME_SUCCESS = 0
OUTCOME_MINOR = 4  # the request failed; e.g. a 4xx the client caused
OUTCOME_SERIOUS = 8  # the request failed; e.g. a 5xx the gateway caused
OUTCOME_MAJOR = 12  # failure with lasting effect (the gateway itself never returns this for a request)


def now_us() -> int:
    """Current time as integer microseconds UTC, the gateway's stored time unit."""
    return time.time_ns() // 1000


def outcome_for_status(status: int) -> int:
    """AuditEvent.outcome for an HTTP status: success below 400, minor for client errors,
    serious for server errors. See http://hl7.org/fhir/audit-event-outcome"""
    if status < 400:
        return OUTCOME_SUCCESS
    return OUTCOME_MINOR if status < 500 else OUTCOME_SERIOUS


# Object roles (http://terminology.hl7.org/CodeSystem/object-role) an entity row can carry.
ROLE_PATIENT = "1"
ROLE_DOMAIN_RESOURCE = "4"
ROLE_QUERY = "24"


@dataclass(frozen=True, slots=True)
class AuditEntity:
    """A further resource or person an interaction touched, beyond the entry's own target and person:
    one `audit_entity` row. `what` is a relative reference, "Patient/<id>"."""

    what: str
    role: str = ROLE_DOMAIN_RESOURCE

    def row(self, event: int) -> dict[str, Any]:
        what_type, _, what_id = self.what.partition("/")
        return {"event": event, "what_type": what_type[:64], "what_id": what_id[:64], "role": self.role}


@dataclass(slots=True)
class AuditEntry:
    """Who did what to which resource, when, with what result. `recorded` is set when the entry is
    made (the moment of the request), not when it reaches the database."""

    user: str
    interaction: str
    resource_type: str | None = None
    resource_id: str | None = None
    role: str | None = None
    patient: str | None = None  # "Patient/<id>"
    query: str | None = None
    status: int = 200
    outcome: int | None = None  # derived from status when None
    outcome_text: str | None = None
    client: str | None = None
    request_id: str | None = None
    action: str | None = None  # derived from interaction when None
    recorded: int = field(default_factory=now_us)
    entities: tuple[AuditEntity, ...] = ()  # further entities, each its own `audit_entity` row

    def entity_rows(self, event: int) -> list[dict[str, Any]]:
        """The `audit_entity` rows of this entry once its event row has the sequence number `event`
        (an entity named twice is one row)."""
        return list({(e.what, e.role): e.row(event) for e in self.entities if "/" in e.what}.values())

    def row(self) -> dict[str, Any]:
        """The `audit_log` row for this entry, with strings clipped to their column widths."""
        values = {name: getattr(self, name) for name in _FIELD_NAMES}
        values["user_id"] = values.pop("user")
        if values["action"] is None:
            values["action"] = ACTION_BY_INTERACTION.get(self.interaction, "E")
        if values["outcome"] is None:
            values["outcome"] = outcome_for_status(self.status)
        for name, limit in COLUMN_LIMITS.items():
            value = values.get(name)
            if isinstance(value, str) and len(value) > limit:
                values[name] = value[:limit]
        return values


_FIELD_NAMES = tuple(f.name for f in fields(AuditEntry) if f.name != "entities")
