"""AuditEvent search: each parameter, prefixes and partial dates, sorting and keyset paging."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from gateway.audit.entry import ROLE_PATIENT, AuditEntity, AuditEntry
from gateway.audit.search import date_range, further_entities, search_audit
from gateway.audit.writer import record_in
from gateway.outcomes import FhirError


def us(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() * 1_000_000)


# (name, user, interaction, type, id, patient, status, recorded)
EVENTS = [
    ("e1", "alice", "read", "Observation", "o1", "Patient/p1", 200, "2024-01-15T10:00:00"),
    ("e2", "alice", "search-type", "Observation", None, "Patient/p1", 200, "2024-01-15T10:05:00"),
    ("e3", "bob", "create", "Condition", "c1", "Patient/p2", 201, "2024-02-01T09:00:00"),
    ("e4", "bob", "update", "Condition", "c1", "Patient/p2", 412, "2024-02-01T09:30:00"),
    ("e5", "carol", "delete", "Patient", "p3", "Patient/p3", 200, "2024-03-10T23:59:59.500000"),
    ("e6", "carol", "read", "Patient", "p1", "Patient/p1", 500, "2025-01-01T00:00:00"),
]


@pytest.fixture
def seeded(engine: Engine) -> Engine:
    """The audit table holding EVENTS; each row's request_id is its event name."""
    with engine.begin() as conn:
        for name, user, interaction, rtype, rid, patient, status, recorded in EVENTS:
            record_in(
                conn,
                AuditEntry(
                    user=user,
                    interaction=interaction,
                    resource_type=rtype,
                    resource_id=rid,
                    patient=patient,
                    status=status,
                    request_id=name,
                    recorded=us(recorded),
                ),
            )
    return engine


def names(engine: Engine, *params: tuple[str, str], count: int = 100) -> list[str]:
    with engine.connect() as conn:
        rows, _, total = search_audit(conn, list(params), count, None)
    assert total == len(rows)
    return sorted(r["request_id"] for r in rows)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ([("agent", "alice")], ["e1", "e2"]),
        ([("agent", "Practitioner/bob")], ["e3", "e4"]),
        ([("altid", "carol")], ["e5", "e6"]),
        ([("altid", "alice,carol")], ["e1", "e2", "e5", "e6"]),
        ([("entity", "Condition/c1")], ["e3", "e4"]),
        # Every entity (R4 AuditEvent.entity.what): p1 is the person of e1 and e2, the target of e6.
        ([("entity", "https://care-gateway.example/fhir/Patient/p1")], ["e1", "e2", "e6"]),
        ([("entity", "o1")], ["e1"]),
        # Every entity's type: each event names its person as a Patient entity.
        ([("entity-type", "Patient")], ["e1", "e2", "e3", "e4", "e5", "e6"]),
        ([("entity-type", "Condition")], ["e3", "e4"]),
        ([("entity-type", "http://hl7.org/fhir/resource-types|Observation")], ["e1", "e2"]),
        ([("entity-type", "http://other|Observation")], []),
        ([("patient", "Patient/p1")], ["e1", "e2", "e6"]),
        ([("patient", "p2")], ["e3", "e4"]),
        ([("patient", "Group/p2")], []),
        ([("action", "R")], ["e1", "e6"]),
        ([("action", "C,D")], ["e3", "e5"]),
        ([("action", "http://hl7.org/fhir/audit-event-action|E")], ["e2"]),
        ([("outcome", "0")], ["e1", "e2", "e3", "e5"]),
        ([("outcome", "4")], ["e4"]),
        ([("outcome", "8")], ["e6"]),
        ([("subtype", "read")], ["e1", "e6"]),
        ([("subtype", "http://hl7.org/fhir/restful-interaction|update")], ["e4"]),
        ([("agent", "alice"), ("subtype", "read")], ["e1"]),
        ([("_format", "json"), ("agent", "bob")], ["e3", "e4"]),
    ],
)
def test_each_parameter(seeded: Engine, params: list[tuple[str, str]], expected: list[str]) -> None:
    assert names(seeded, *params) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024", ["e1", "e2", "e3", "e4", "e5"]),
        ("2024-01", ["e1", "e2"]),
        ("eq2024-02-01", ["e3", "e4"]),
        ("2024-01-15T10:00", ["e1"]),
        ("2024-01-15T10:00:00Z", ["e1"]),
        ("2024-01-15T11:00:00+01:00", ["e1"]),
        ("2024-03-10T23:59:59.5", ["e5"]),
        ("ne2024", ["e6"]),
        ("lt2024-02", ["e1", "e2"]),
        ("eb2024-02", ["e1", "e2"]),
        ("le2024-02-01", ["e1", "e2", "e3", "e4"]),
        ("gt2024-02-01", ["e5", "e6"]),
        ("sa2024-02-01", ["e5", "e6"]),
        ("ge2024-02-01", ["e3", "e4", "e5", "e6"]),
        ("ge2024-03-10T23:59:59", ["e5", "e6"]),
        ("gt2024-03-10T23:59:59", ["e6"]),
    ],
)
def test_date(seeded: Engine, value: str, expected: list[str]) -> None:
    assert names(seeded, ("date", value)) == expected


def test_date_range_is_anded(seeded: Engine) -> None:
    assert names(seeded, ("date", "ge2024-01-15T10:01"), ("date", "lt2024-02-01T09:15")) == ["e2", "e3"]


def test_date_range_precision() -> None:
    lo, hi = date_range("2024-02")
    assert hi - lo == 29 * 86_400 * 1_000_000  # leap year February
    lo, hi = date_range("2024-12")
    assert hi - lo == 31 * 86_400 * 1_000_000
    lo, hi = date_range("2024-01-01T00:00:00.25")
    assert hi - lo == 10_000


@pytest.mark.parametrize("descending", [True, False])
def test_keyset_paging_visits_every_row_once_in_order(seeded: Engine, descending: bool) -> None:
    sort = "-date" if descending else "date"
    seen: list[str] = []
    cursor: str | None = None
    with seeded.connect() as conn:
        for _ in range(10):
            rows, cursor, total = search_audit(conn, [("_sort", sort), ("_count", "4")], 20, cursor)
            assert total == 6
            assert len(rows) <= 4
            seen += [r["request_id"] for r in rows]
            if cursor is None:
                break
    expected = [e[0] for e in sorted(EVENTS, key=lambda e: e[7], reverse=descending)]
    assert seen == expected


def test_equal_timestamps_page_by_seq(engine: Engine) -> None:
    with engine.begin() as conn:
        for i in range(5):
            record_in(conn, AuditEntry(user="u", interaction="read", request_id=f"r{i}", recorded=1_000))
    seen: list[str] = []
    cursor: str | None = None
    with engine.connect() as conn:
        while True:
            rows, cursor, _ = search_audit(conn, [], 2, cursor)
            seen += [r["request_id"] for r in rows]
            if cursor is None:
                break
    assert seen == ["r4", "r3", "r2", "r1", "r0"]


def test_count_zero_returns_only_the_total(seeded: Engine) -> None:
    with seeded.connect() as conn:
        assert search_audit(conn, [("agent", "alice"), ("_count", "0")], 20, None) == ([], None, 2)


@pytest.mark.parametrize(
    "params",
    [
        [("date", "2024-13")],
        [("date", "yesterday")],
        [("date", "ap2024")],
        [("whatever", "x")],
        [("agent:missing", "true")],
        [("_sort", "user")],
        [("_count", "many")],
        [("outcome", "bad")],
        [("agent", ",")],
    ],
)
def test_bad_requests(seeded: Engine, params: list[tuple[str, str]]) -> None:
    with seeded.connect() as conn, pytest.raises(FhirError) as info:
        search_audit(conn, params, 20, None)
    assert info.value.status == 400


def test_bad_or_mismatched_cursor(seeded: Engine) -> None:
    with seeded.connect() as conn:
        _, cursor, _ = search_audit(conn, [("_count", "1")], 20, None)
        assert cursor is not None
        with pytest.raises(FhirError, match="different _sort"):
            search_audit(conn, [("_sort", "date")], 1, cursor)
        with pytest.raises(FhirError, match="invalid paging cursor"):
            search_audit(conn, [], 1, "%%%not-a-cursor")


# Every other parameter the CapabilityStatement declares, over events that exercise them: a log-on,
# a search, a person-link decision naming three people (two as further entity rows), a read from a
# known address.
def _more(engine: Engine) -> Engine:
    with engine.begin() as conn:
        record_in(conn, AuditEntry(user="anonymous", interaction="login", status=401, request_id="m1",
                                   client="10.1.2.3", recorded=us("2024-05-01T08:00:00")))
        record_in(conn, AuditEntry(user="dora", role="nurse", interaction="search-type", resource_type="Observation",
                                   query="code=1234", patient="Patient/p4", request_id="m2", client="Host-A.local",
                                   recorded=us("2024-05-01T08:01:00")))
        others = (AuditEntity("Patient/s2", ROLE_PATIENT), AuditEntity("Patient/s3", ROLE_PATIENT))
        record_in(conn, AuditEntry(user="erin", role="admin", interaction="update", resource_type="Patient",
                                   resource_id="g1", patient="Patient/s1", request_id="m3",
                                   recorded=us("2024-05-01T08:02:00"), entities=others))
        record_in(conn, AuditEntry(user="dora", role="nurse", interaction="read", resource_type="QuestionnaireResponse",
                                   resource_id="q1", patient="Patient/p4", request_id="m4", client="host-b",
                                   recorded=us("2024-05-01T08:03:00")))
    return engine


@pytest.fixture
def more(engine: Engine) -> Engine:
    """The audit tables holding four further events (request ids m1..m4)."""
    return _more(engine)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ([("type", "rest")], ["m2", "m3", "m4"]),
        ([("type", "http://terminology.hl7.org/CodeSystem/audit-event-type|rest")], ["m2", "m3", "m4"]),
        ([("type", "http://dicom.nema.org/resources/ontology/DCM|110114")], ["m1"]),
        ([("type", "http://other|rest")], []),
        ([("subtype", "http://dicom.nema.org/resources/ontology/DCM|110122")], ["m1"]),
        ([("subtype", "login")], []),  # a log-on's subtype is DICOM's code, not a RESTful interaction
        ([("subtype", "search-type,read")], ["m2", "m4"]),
        ([("agent-role", "nurse")], ["m2", "m4"]),
        ([("agent-role", "https://care-gateway.example/fhir/CodeSystem/gateway-roles|admin")], ["m3"]),
        ([("agent:identifier", "https://care-gateway.example/Id/gateway/user|dora")], ["m2", "m4"]),
        ([("address", "host")], ["m2", "m4"]),  # starts with, ignoring case
        ([("address", "10.1")], ["m1"]),
        ([("address:exact", "host-b")], ["m4"]),
        ([("address:exact", "Host-b")], []),
        ([("address:contains", "ST-A")], ["m2"]),
        ([("address", "%")], []),  # a LIKE wildcard is matched literally
        # The person-link event names s1 on its row and s2, s3 as further entities.
        ([("patient", "Patient/s2")], ["m3"]),
        ([("patient", "s3")], ["m3"]),
        ([("entity", "Patient/s3")], ["m3"]),
        ([("entity", "s2")], ["m3"]),
        ([("entity", "Patient/g1")], ["m3"]),
        ([("entity", "Patient/p4")], ["m2", "m4"]),  # the second entity of a read and of a search
        ([("entity", "QuestionnaireResponse/q1")], ["m4"]),
        ([("entity:identifier", "m4")], ["m4"]),
        ([("entity-role", "24")], ["m2"]),
        ([("entity-role", "http://terminology.hl7.org/CodeSystem/object-role|4")], ["m3", "m4"]),
        ([("entity-role", "1")], ["m2", "m3", "m4"]),
        ([("entity-type", "https://profiles.ihe.net/ITI/BALP/CodeSystem/BasicAuditEntityType|XrequestId")],
         ["m1", "m2", "m3", "m4"]),
        ([("entity-type", "QuestionnaireResponse")], ["m4"]),
        # Elements no rendered event carries: accepted, matching nothing.
        ([("agent-name", "dora")], []),
        ([("entity-name", "x")], []),
        ([("policy", "http://example.org/p")], []),
        ([("site", "x")], []),
        ([("source", "Device/x")], []),
        ([("_tag", "http://example.org|x")], []),
        ([("_security", "x")], []),
        ([("_profile", "http://example.org/p")], []),
        ([("_source", "http://example.org/s")], []),
        ([("_lastUpdated", "ge2024-05-01T08:02:00Z")], ["m3", "m4"]),
        ([("_id", "notanumber")], []),
        # Numbers past 64 bits and the last year's end match nothing rather than overflowing.
        ([("_id", "99999999999999999999999")], []),
        ([("outcome", "99999999999999999999999")], []),
        ([("date", "9999-12")], []),
        ([("date", "lt9999")], ["m1", "m2", "m3", "m4"]),
    ],
)
def test_every_declared_parameter(more: Engine, params: list[tuple[str, str]], expected: list[str]) -> None:
    assert names(more, *params) == expected


def test_id_finds_the_event(more: Engine) -> None:
    with more.connect() as conn:
        rows, _, _ = search_audit(conn, [("entity:identifier", "m3")], 10, None)
        (seq,) = [r["seq"] for r in rows]
        found, _, total = search_audit(conn, [("_id", str(seq))], 10, None)
    assert total == 1 and found[0]["request_id"] == "m3"


def test_further_entities_are_loaded_for_rendering(more: Engine) -> None:
    with more.connect() as conn:
        rows, _, _ = search_audit(conn, [("entity:identifier", "m3")], 10, None)
        further = further_entities(conn, [rows[0]["seq"]])
    assert [(r["what_type"], r["what_id"], r["role"]) for r in further[rows[0]["seq"]]] == [
        ("Patient", "s2", "1"), ("Patient", "s3", "1")]


@pytest.mark.parametrize("params", [[("address:missing", "true")], [("entity:not", "x")], [("type:text", "rest")]])
def test_unsupported_modifiers_are_refused(more: Engine, params: list[tuple[str, str]]) -> None:
    with more.connect() as conn, pytest.raises(FhirError) as info:
        search_audit(conn, params, 20, None)
    assert info.value.status == 400
