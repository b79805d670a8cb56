"""The caseload as a worker asks to see it: found by name without accents or by NHS number, her own
people, sorted by last visit or next due, a page of rows at a time with links that keep the view."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.auth.principal import authenticate
from gateway.auth.tokens import mint_token
from gateway.pages.caseload import CaseloadPerson
from gateway.pages.caseload_view import PAGE_ROWS, CaseloadView
from gateway.pages.caseload_warm import PAGE_ROLES, role_readable_types
from gateway.pages.handling import readable_types
from gateway.request_context import Caller
from gateway.settings import Settings


def _person(i: int, name: str, nhs: str = "", nurse: str | None = None, last: str | None = None,
            due: str | None = None) -> CaseloadPerson:
    return CaseloadPerson(f"p{i}", name, "1940-01-01", 85, None, nhs_number=nhs, named_nurse_ref=nurse,
                          last_visit=last, next_due=due)


PEOPLE = [
    _person(1, "José Bhatt", "9998929784", "Practitioner/grace", "2025-10-29", "2025-11-05"),
    _person(2, "Sheila Bhatt", "9999263089", "Practitioner/tomasz", "2025-10-30", "2025-11-08"),
    _person(3, "Zofia Gooderham", "9997830660", "Practitioner/grace", None, "2025-11-01"),
    _person(4, "Roy Baldry", "9994918257", None, "2025-10-20", None),
]


def test_found_by_name_without_accents_or_by_nhs_number() -> None:
    assert [p.person_id for p in CaseloadView("jose bhatt").apply(PEOPLE, [])] == ["p1"]
    assert [p.person_id for p in CaseloadView("BHATT").apply(PEOPLE, [])] == ["p1", "p2"]
    assert [p.person_id for p in CaseloadView("999 783").apply(PEOPLE, [])] == ["p3"]
    assert CaseloadView("nobody").apply(PEOPLE, []) == []


def test_my_people_are_those_whose_named_nurse_i_am() -> None:
    mine = CaseloadView(mine=True).apply(PEOPLE, ["Practitioner/grace"])
    assert [p.person_id for p in mine] == ["p1", "p3"]
    assert CaseloadView(mine=True).apply(PEOPLE, []) == []


def test_sorted_by_longest_since_a_visit_or_the_next_visit_due() -> None:
    assert [p.person_id for p in CaseloadView(sort="last-visit").apply(PEOPLE, [])] == ["p3", "p4", "p1", "p2"]
    assert [p.person_id for p in CaseloadView(sort="next-due").apply(PEOPLE, [])] == ["p3", "p1", "p2", "p4"]


def test_a_view_from_the_query_refuses_what_it_does_not_know() -> None:
    view = CaseloadView.of({"q": " bhatt ", "mine": "on", "sort": "drop table", "page": "²"})
    assert view == CaseloadView("bhatt", True, "name", 1)


def test_pages_of_rows_and_links_that_keep_the_view() -> None:
    many = [_person(i, f"Person {i:04d}") for i in range(PAGE_ROWS * 2 + 5)]
    view = CaseloadView("person", sort="name", page=3)
    assert view.pages(len(many)) == 3
    assert [p.person_id for p in view.page_of(many)] == [f"p{i}" for i in range(PAGE_ROWS * 2, PAGE_ROWS * 2 + 5)]
    assert len(CaseloadView(page=99).page_of(many)) == 5  # past the end: the last page
    query = parse_qs(urlsplit(view.link(2, "2025-10-31")).query)
    assert query == {"q": ["person"], "sort": ["name"], "week": ["2025-10-31"], "page": ["2"]}


@pytest.mark.parametrize("role", PAGE_ROLES)
def test_the_warm_up_reads_what_a_signed_in_user_of_each_role_reads(practice: Settings, role: str) -> None:
    with TestClient(create_app(practice)) as client:  # the app's own verifier, as a page sign-in uses
        principal = authenticate(f"Bearer {mint_token(practice, 'warm.check', role)}", client.app.state.verifier)
    assert role_readable_types(role) == readable_types(Caller(principal, "r1", None))


def test_a_served_gateway_has_its_caseload_read_before_anyone_asks(practice: Settings) -> None:
    with TestClient(create_app(practice.model_copy(update={"pages_warm_caseload": True}))) as client:
        pass  # shutting down waits for the warm-up
    views = {frozenset(role_readable_types(role)) for role in PAGE_ROLES}  # roles reading the same share one
    assert client.app.state.caseload_cache.kept() == len(views)
    with TestClient(create_app(practice)) as cold:
        pass
    assert "caseload_cache" not in cold.app.state.__dict__
