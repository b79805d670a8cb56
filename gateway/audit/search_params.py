"""Every AuditEvent search parameter the CapabilityStatement declares, as SQL over the audit tables.

Each parameter means what its R4 expression means over the event as `gateway/audit/render.py` renders
it: `entity` and `patient` look at every entity (the event's target and person on its row, and its
`audit_entity` rows), `agent`, `altid`, `agent-role` and `address` at its one agent. Parameters whose
elements no rendered event carries (`agent-name`, `entity-name`, `policy`, `site`, `source`, `_tag`,
`_security`, `_profile`, `_source`) are accepted and, truthfully, match nothing.
See https://hl7.org/fhir/R4/auditevent.html#search and https://hl7.org/fhir/R4/search.html
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, ColumnElement, and_, false, literal, not_, or_, select

from gateway.audit.render import (
    AUDIT_EVENT_TYPE,
    BALP_ENTITY_TYPE,
    DICOM,
    LOGIN_INTERACTIONS,
    OBJECT_ROLE,
    QUERY_INTERACTIONS,
    RESOURCE_TYPES,
    RESTFUL_INTERACTION,
    ROLE_SYSTEM,
    USER_SYSTEM,
)
from gateway.audit.table import audit_entity, audit_log
from gateway.limits.numbers import is_ascii_digits
from gateway.outcomes import bad_request
from gateway.search import dates

ACTION_SYSTEM = "http://hl7.org/fhir/audit-event-action"
OUTCOME_SYSTEM = "http://hl7.org/fhir/audit-event-outcome"
SUBTYPE_SYSTEM = RESTFUL_INTERACTION

_PREFIXES = ("eq", "ne", "lt", "le", "gt", "ge", "sa", "eb")
_REFERENCE = re.compile(r"^(?:.*/)?([A-Z][A-Za-z]+)/([A-Za-z0-9\-.]{1,64})$")
# DICOM event subtypes of log-on and log-off events (see render.py), by code.
_LOGIN_SUBTYPE_CODES = {"110122": "login", "110123": "logout"}
_MAX_INT = 2**63 - 1  # larger numbers match nothing (and would overflow the database's integers)

c = audit_log.c
e = audit_entity.c
Clause = ColumnElement[bool]


@dataclass(frozen=True)
class AuditParam:
    """One parameter: its clause for one value (commas already split), and the modifiers it takes."""

    clause: Callable[[str, str | None], Clause]
    modifiers: frozenset[str] = frozenset()


# Dates


def _recorded(value: str, _modifier: str | None) -> Clause:
    if value.startswith("ap"):
        raise bad_request("the ap (approximately) prefix is not supported for AuditEvent dates", ["date"])
    prefix = value[:2] if value[:2] in _PREFIXES else "eq"
    lo, hi = date_range(value[2:] if value[:2] in _PREFIXES else value)
    r = c.recorded
    return {
        "eq": and_(r >= lo, r < hi),
        "ne": or_(r < lo, r >= hi),
        "lt": r < lo,
        "eb": r < lo,
        "le": r < hi,
        "gt": r >= hi,
        "sa": r >= hi,
        "ge": r >= lo,
    }[prefix]


def date_range(text: str) -> tuple[int, int]:
    """A FHIR date/dateTime of any precision as the half-open microsecond range it covers (the
    search parser's inclusive range, one microsecond wider), so `recorded < hi` reads naturally."""
    try:
        lo, hi = dates.date_range(text)
    except dates.DateFormatError:
        raise bad_request(f"invalid date {text!r}: expected YYYY[-MM[-DD[Thh:mm[:ss[.ffffff]][Z|+hh:mm]]]]",
                          ["date"]) from None
    return lo, hi + 1


# Tokens


def _split_token(value: str) -> tuple[str | None, str]:
    """`code` -> (None, code); `system|code` -> (system, code); `|code` -> ("", code)."""
    system, bar, code = value.rpartition("|")
    return (system if bar else None), code


def _token(column: Column[Any], system: str, numeric: bool = False) -> AuditParam:
    """A token on one column: `code` or `system|code`; a different system matches nothing."""

    def clause(value: str, _modifier: str | None) -> Clause:
        sys, code = _split_token(value)
        if sys and sys != system:
            return false()
        if not numeric:
            return column == code
        if not is_ascii_digits(code):  # "²".isdigit() is true, and int() refuses it
            raise bad_request(f"invalid value {value!r}: a number is expected", [column.name])
        return column == int(code) if int(code) <= _MAX_INT else false()

    return AuditParam(clause)


def _id(value: str, _modifier: str | None) -> Clause:
    _, code = _split_token(value)
    return c.seq == int(code) if is_ascii_digits(code) and len(code) <= 19 and int(code) <= _MAX_INT else false()


def _type(value: str, _modifier: str | None) -> Clause:
    """AuditEvent.type: `rest` for every RESTful interaction, DICOM 110114 for log-on and log-off."""
    sys, code = _split_token(value)
    if code == "rest" and sys in (None, AUDIT_EVENT_TYPE):
        return c.interaction.notin_(LOGIN_INTERACTIONS)
    if code == "110114" and sys in (None, DICOM):
        return c.interaction.in_(LOGIN_INTERACTIONS)
    return false()


def _subtype(value: str, _modifier: str | None) -> Clause:
    """AuditEvent.subtype: the RESTful interaction, or DICOM's log-on/log-off code."""
    sys, code = _split_token(value)
    clauses = []
    if sys in (None, RESTFUL_INTERACTION) and code not in LOGIN_INTERACTIONS:
        clauses.append(c.interaction == code)
    if sys in (None, DICOM) and code in _LOGIN_SUBTYPE_CODES:
        clauses.append(c.interaction == _LOGIN_SUBTYPE_CODES[code])
    return or_(*clauses) if clauses else false()


def _altid(value: str, _modifier: str | None) -> Clause:
    return c.user_id == value.rpartition("|")[2]


def _further(*conditions: Clause) -> Clause:
    """Events with an `audit_entity` row meeting the conditions."""
    return c.seq.in_(select(e.event).where(*conditions))


_IS_QUERY = and_(c.query.isnot(None), c.interaction.in_(QUERY_INTERACTIONS))
# The person's own entity is rendered only when it is not the event's target already.
_PATIENT_ENTITY = and_(
    c.patient.isnot(None),
    or_(c.resource_type.is_(None), c.resource_id.is_(None), c.resource_type != "Patient",
        c.patient != literal("Patient/") + c.resource_id),
)


def _entity_role(value: str, _modifier: str | None) -> Clause:
    sys, code = _split_token(value)
    if sys and sys != OBJECT_ROLE:
        return false()
    own = {
        "24": and_(c.resource_type.isnot(None), _IS_QUERY),
        "4": and_(c.resource_type.isnot(None), not_(_IS_QUERY)),
        "1": _PATIENT_ENTITY,
    }.get(code, false())
    return or_(own, _further(e.role == code))


def _entity_type(value: str, _modifier: str | None) -> Clause:
    sys, code = _split_token(value)
    clauses = []
    if sys in (None, RESOURCE_TYPES):
        clauses += [c.resource_type == code, _further(e.what_type == code)]
        if code == "Patient":
            clauses.append(_PATIENT_ENTITY)
    if sys in (None, BALP_ENTITY_TYPE) and code == "XrequestId":
        clauses.append(c.request_id.isnot(None))
    return or_(*clauses) if clauses else false()


# References


def _agent(value: str, modifier: str | None) -> Clause:
    """AuditEvent.agent.who: the user, by reference (`Practitioner/<user>` or `<user>`) or, with
    `:identifier`, by the identifier the event renders."""
    if modifier == "identifier":
        sys, code = _split_token(value)
        return c.user_id == code if sys in (None, USER_SYSTEM) else false()
    m = _REFERENCE.match(value)
    return c.user_id == (m.group(2) if m else value)


def _entity(value: str, modifier: str | None) -> Clause:
    """AuditEvent.entity.what, every entity: the target, the person and the further entities; with
    `:identifier`, the X-Request-Id entity."""
    if modifier == "identifier":
        sys, code = _split_token(value)
        return c.request_id == code if not sys else false()
    m = _REFERENCE.match(value)
    if m is None:  # a bare id: any type
        return or_(c.resource_id == value, c.patient == f"Patient/{value}", _further(e.what_id == value))
    res_type, res_id = m.groups()
    return or_(and_(c.resource_type == res_type, c.resource_id == res_id), c.patient == f"{res_type}/{res_id}",
               _further(e.what_type == res_type, e.what_id == res_id))


def _patient(value: str, _modifier: str | None) -> Clause:
    """Every entity that is a Patient (R4: `entity.what.where(resolve() is Patient)`)."""
    m = _REFERENCE.match(value)
    if m and m.group(1) != "Patient":
        return false()
    pid = m.group(2) if m else value
    return or_(and_(c.resource_type == "Patient", c.resource_id == pid), c.patient == f"Patient/{pid}",
               _further(e.what_type == "Patient", e.what_id == pid))


# Strings


def _address(value: str, modifier: str | None) -> Clause:
    """AuditEvent.agent.network.address: starts with, ignoring case (`:exact`, `:contains` as R4)."""
    if modifier == "exact":
        return c.client == value
    if modifier == "contains":
        return c.client.icontains(value, autoescape=True)
    return c.client.istartswith(value, autoescape=True)


def _nothing(_value: str, _modifier: str | None) -> Clause:
    """An element no rendered AuditEvent carries: a well-formed search for it matches nothing."""
    return false()


_STRING = frozenset({"exact", "contains"})
_NONE = AuditParam(_nothing)

PARAMS: dict[str, AuditParam] = {
    "_id": AuditParam(_id),
    "_lastUpdated": AuditParam(_recorded),
    "_profile": _NONE,
    "_security": _NONE,
    "_source": _NONE,
    "_tag": _NONE,
    "action": _token(c.action, ACTION_SYSTEM),
    "address": AuditParam(_address, _STRING),
    "agent": AuditParam(_agent, frozenset({"identifier"})),
    "agent-name": AuditParam(_nothing, _STRING),
    "agent-role": _token(c.role, ROLE_SYSTEM),
    "altid": AuditParam(_altid),
    "date": AuditParam(_recorded),
    "entity": AuditParam(_entity, frozenset({"identifier"})),
    "entity-name": AuditParam(_nothing, _STRING),
    "entity-role": AuditParam(_entity_role),
    "entity-type": AuditParam(_entity_type),
    "outcome": _token(c.outcome, OUTCOME_SYSTEM, numeric=True),
    "patient": AuditParam(_patient),
    "policy": _NONE,
    "site": _NONE,
    "source": _NONE,
    "subtype": AuditParam(_subtype),
    "type": AuditParam(_type),
}
