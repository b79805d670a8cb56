"""Keyset paging: cursors bound to their query, stable when resources are written between pages."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from gateway.outcomes import FhirError
from gateway.search.params import parse_search
from gateway.search.sql import execute_search
from gateway.search.sql.execute import next_link_params
from tests.gateway.search.conftest import BASE, Store


def _patient(i: int, family: str, birth: str) -> dict[str, object]:
    return {"resourceType": "Patient", "id": f"pt{i:03d}", "name": [{"family": family}], "birthDate": birth}


def walk(engine: Engine, params: list[tuple[str, str]], between: object = None) -> list[str]:
    """Follow next links to the end, calling `between(page_no)` after each page."""
    seen: list[str] = []
    query, page_no = params, 0
    while True:
        req = parse_search("Patient", query, BASE, strict=True)
        with engine.connect() as conn:
            page = execute_search(conn, req)
        seen.extend(e[1] for e in page.entries)
        if callable(between):
            between(page_no)
        page_no += 1
        if page.next_cursor is None:
            return seen
        query = next_link_params(req, page.next_cursor)


@pytest.mark.parametrize("sort", [None, "family,-birthdate", "-birthdate", "-_lastUpdated"])
def test_paging_with_concurrent_writes(engine: Engine, store: Store, sort: str | None) -> None:
    # Setup: 25 patients, several sharing sort values so ties are broken by id.
    original = [_patient(i, ["Ash", "Birch", "Cedar"][i % 3], f"19{50 + i % 4}") for i in range(0, 50, 2)]
    store(*original)
    params = [("_count", "4")] + ([("_sort", sort)] if sort else [])

    # Walk the pages while inserting new patients (odd ids interleave with the originals in every order).
    added = iter(range(1, 50, 2))

    def insert(page_no: int) -> None:
        i = next(added)
        store(_patient(i, ["Ash", "Birch", "Cedar"][i % 3], f"19{50 + i % 4}"), updated="2025-01-01T00:00:00Z")

    seen = walk(engine, params, insert)

    # Every unchanged resource is served exactly once; new ones may or may not appear, never twice.
    assert len(seen) == len(set(seen))
    assert {p["id"] for p in original} <= set(seen)


def test_cursor_bound_to_query(engine: Engine, store: Store) -> None:
    store(*[_patient(i, "Ash", "1950") for i in range(5)])
    req = parse_search("Patient", [("_count", "2")], BASE, strict=True)
    with engine.connect() as conn:
        cursor = execute_search(conn, req).next_cursor
    assert cursor is not None
    for params in ([("_count", "2"), ("family", "ash")], [("_count", "3")]):
        other = parse_search("Patient", [*params, ("_cursor", cursor)], BASE, strict=True)
        with engine.connect() as conn, pytest.raises(FhirError) as exc:
            execute_search(conn, other)
        assert exc.value.status == 400
    bad = parse_search("Patient", [("_count", "2"), ("_cursor", "not-a-cursor")], BASE, strict=True)
    with engine.connect() as conn, pytest.raises(FhirError):
        execute_search(conn, bad)


def test_last_page_has_no_cursor_and_pages_cover_all(engine: Engine, store: Store) -> None:
    store(*[_patient(i, "Ash", "1950") for i in range(7)])
    assert walk(engine, [("_count", "3")]) == [f"pt{i:03d}" for i in range(7)]
    assert walk(engine, [("_count", "7")]) == [f"pt{i:03d}" for i in range(7)]
