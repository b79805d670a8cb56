"""AuditEvent search: each parameter, prefixes and partial dates, sorting and keyset paging."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from gateway.audit.entry import AuditEntry
from gateway.audit.search import date_range, search_audit
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
        ([("entity", "https://care-gateway.example/fhir/Patient/p1")], ["e6"]),
        ([("entity", "o1")], ["e1"]),
        ([("entity-type", "Patient")], ["e5", "e6"]),
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
