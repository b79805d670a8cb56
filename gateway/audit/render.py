"""An `audit_log` row as a FHIR R4 AuditEvent, following IHE Basic Audit Log Patterns for RESTful events.

See https://hl7.org/fhir/R4/auditevent.html and https://profiles.ihe.net/ITI/BALP/
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from adapters.uris import code_system, identifier_system

AUDIT_EVENT_TYPE = "http://terminology.hl7.org/CodeSystem/audit-event-type"
RESTFUL_INTERACTION = "http://hl7.org/fhir/restful-interaction"
DICOM = "http://dicom.nema.org/resources/ontology/DCM"
RESOURCE_TYPES = "http://hl7.org/fhir/resource-types"
OBJECT_ROLE = "http://terminology.hl7.org/CodeSystem/object-role"
SOURCE_TYPE = "http://terminology.hl7.org/CodeSystem/security-source-type"
BALP_ENTITY_TYPE = "https://profiles.ihe.net/ITI/BALP/CodeSystem/BasicAuditEntityType"
USER_SYSTEM = identifier_system("gateway", "user")
ROLE_SYSTEM = code_system("gateway-roles")
OBSERVER = "care-gateway"

# Interactions that are not RESTful ones get DICOM's user-authentication event type instead.
_LOGIN_SUBTYPES = {"login": ("110122", "Login"), "logout": ("110123", "Logout")}
# The audit-event-type code and display for a RESTful interaction.
_REST_TYPE = {"system": AUDIT_EVENT_TYPE, "code": "rest", "display": "RESTful Operation"}
QUERY_INTERACTIONS = frozenset({"search", "search-type", "search-system", "operation"})
LOGIN_INTERACTIONS = frozenset(_LOGIN_SUBTYPES)
ROLE_DISPLAY = {"1": "Patient", "4": "Domain Resource", "24": "Query"}


def render_audit_event(row: Mapping[str, Any], further: Sequence[Mapping[str, Any]] = ()) -> dict[str, Any]:
    """The AuditEvent for one `audit_log` row and its `audit_entity` rows; its id is the row's `seq`.
    An event is never changed, so it has one version, last updated when it was recorded."""
    event: dict[str, Any] = {"resourceType": "AuditEvent", "id": str(row["seq"]),
                             "meta": {"versionId": "1", "lastUpdated": _instant(row["recorded"])}}
    event.update(_event_type(row["interaction"]))
    event["action"] = row["action"]
    event["recorded"] = _instant(row["recorded"])
    event["outcome"] = str(row["outcome"])
    if row.get("outcome_text"):
        event["outcomeDesc"] = row["outcome_text"]
    event["agent"] = [_agent(row)]
    event["source"] = {
        "observer": {"display": OBSERVER},
        "type": [{"system": SOURCE_TYPE, "code": "3", "display": "Web Server"}],
    }
    entities = _entities(row, further)
    if entities:
        event["entity"] = entities
    return event


def _event_type(interaction: str) -> dict[str, Any]:
    if interaction in _LOGIN_SUBTYPES:
        code, display = _LOGIN_SUBTYPES[interaction]
        return {
            "type": {"system": DICOM, "code": "110114", "display": "User Authentication"},
            "subtype": [{"system": DICOM, "code": code, "display": display}],
        }
    return {"type": _REST_TYPE, "subtype": [{"system": RESTFUL_INTERACTION, "code": interaction}]}


def _instant(micros: int) -> str:
    return datetime.fromtimestamp(micros / 1_000_000, tz=UTC).isoformat(timespec="microseconds")


def _agent(row: Mapping[str, Any]) -> dict[str, Any]:
    user = row["user_id"]
    agent: dict[str, Any] = {
        "who": {"identifier": {"system": USER_SYSTEM, "value": user}, "display": user},
        "altId": user,
        "requestor": True,
    }
    if row.get("role"):
        agent["role"] = [{"coding": [{"system": ROLE_SYSTEM, "code": row["role"]}], "text": row["role"]}]
    if row.get("client"):
        agent["network"] = {"address": row["client"], "type": "2"}  # 2 = IP address
    return agent


def _entities(row: Mapping[str, Any], further: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    entities: list[dict[str, Any]] = []
    resource_type, resource_id = row.get("resource_type"), row.get("resource_id")
    reference = f"{resource_type}/{resource_id}" if resource_type and resource_id else None

    # The resource acted on (or, for a search, the type searched and the query).
    if resource_type:
        entity: dict[str, Any] = {"type": {"system": RESOURCE_TYPES, "code": resource_type}}
        if reference:
            entity["what"] = {"reference": reference}
        if row.get("query") is not None and row["interaction"] in QUERY_INTERACTIONS:
            entity["role"] = {"system": OBJECT_ROLE, "code": "24", "display": "Query"}
            entity["query"] = base64.b64encode(row["query"].encode("utf-8")).decode("ascii")
        else:
            entity["role"] = {"system": OBJECT_ROLE, "code": "4", "display": "Domain Resource"}
        entities.append(entity)

    # The person concerned, when it is not already the resource above.
    patient = row.get("patient")
    if patient and patient != reference:
        entities.append(
            {
                "what": {"reference": patient},
                "type": {"system": RESOURCE_TYPES, "code": "Patient"},
                "role": {"system": OBJECT_ROLE, "code": "1", "display": "Patient"},
            }
        )

    # Every further resource or person the interaction touched.
    for extra in further:
        role = {"system": OBJECT_ROLE, "code": extra["role"]}
        if extra["role"] in ROLE_DISPLAY:
            role["display"] = ROLE_DISPLAY[extra["role"]]
        entities.append(
            {
                "what": {"reference": f"{extra['what_type']}/{extra['what_id']}"},
                "type": {"system": RESOURCE_TYPES, "code": extra["what_type"]},
                "role": role,
            }
        )

    # The request id, so an event can be matched to logs (BALP's X-Request-Id entity): the gateway's
    # own, then the client's X-Request-Id when it sent a well-formed one (stored after a space).
    own, _, theirs = str(row.get("request_id") or "").partition(" ")
    for value, description in ((own, None), (theirs, "X-Request-Id sent by the client")):
        if value:
            entity = {"what": {"identifier": {"value": value}},
                      "type": {"system": BALP_ENTITY_TYPE, "code": "XrequestId", "display": "X-Request-Id"}}
            if description:
                entity["description"] = description
            entities.append(entity)
    return entities
