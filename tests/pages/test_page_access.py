"""Page routes: sign-in, the session cookie, scopes deciding what is shown, audit of every page,
no server errors."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select

from gateway.audit.table import audit_log
from gateway.pages.handling import COOKIE
from gateway.settings import Settings

PAGES = ["/app", "/app/caseload", "/app/meeting", "/app/people?q=a", "/app/links", "/app/inbox"]


def _audit_rows(settings: Settings, user: str) -> list[tuple[str, str | None, int | None]]:
    engine = create_engine(settings.database_url)
    try:
        with engine.connect() as conn:
            a = audit_log.c
            rows = conn.execute(select(a.query, a.patient, a.status).where(a.user_id == user).order_by(a.seq))
            return [(r.query or "", r.patient, r.status) for r in rows]
    finally:
        engine.dispose()


@pytest.mark.parametrize("path", [*PAGES, "/app/people/x", "/app/people/x/assessment"])
def test_pages_send_a_stranger_to_the_login_form(app_client: TestClient, path: str) -> None:
    response = app_client.get(path)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/app/login?next=/app")


def test_a_forged_cookie_is_treated_as_signed_out(app_client: TestClient) -> None:
    app_client.cookies.set(COOKIE, "not.a.token")
    assert app_client.get("/app/caseload").headers["location"].startswith("/app/login")


def test_login_mints_a_token_into_an_httponly_strict_cookie(app_client: TestClient) -> None:
    page = app_client.get("/app/login")
    assert page.status_code == 200 and 'name="role"' in page.text and "identity provider" in page.text
    response = app_client.post("/app/login", data={"user": "cp", "role": "nurse", "next": "/app/inbox"})
    assert response.status_code == 303 and response.headers["location"] == "/app/inbox"
    cookie = response.headers["set-cookie"].lower()
    assert f"{COOKIE}=" in cookie and "httponly" in cookie and "samesite=strict" in cookie
    assert app_client.get("/app/inbox").status_code == 200


def test_login_never_redirects_to_another_site(app_client: TestClient) -> None:
    response = app_client.post("/app/login", data={"user": "cp", "role": "nurse", "next": "https://evil.example/"})
    assert response.headers["location"] == "/app/caseload"


def test_login_refuses_an_unknown_role_and_a_bad_token(app_client: TestClient) -> None:
    assert app_client.post("/app/login", data={"user": "cp", "role": "integrator"}).status_code == 400
    bad = app_client.post("/app/login", data={"token": "a.b.c"})
    assert bad.status_code == 400 and "not accepted" in bad.text
    assert COOKIE not in bad.headers.get("set-cookie", "")


def test_sign_out_clears_the_cookie(sign_in: Callable[..., TestClient]) -> None:
    client = sign_in("nurse")
    response = client.post("/app/logout")
    assert response.status_code == 303 and f'{COOKIE}=""' in response.headers["set-cookie"]


@pytest.mark.parametrize("role", ["nurse", "social-worker", "admin"])
def test_every_page_renders_for_each_role(sign_in: Callable[..., TestClient], person_ids: list[str],
                                          role: str) -> None:
    client = sign_in(role)
    paths = [*PAGES, f"/app/people/{person_ids[0]}", "/app/meeting?week=2025-10-31",
             "/app/links?status=all", "/app/inbox?status=new", "/app/static/pages.css"]
    if role != "social-worker":
        paths.append(f"/app/people/{person_ids[0]}/assessment")
    for path in paths:
        response = client.get(path)
        assert response.status_code in (200, 303), (path, response.status_code, response.text[:300])


def test_every_page_read_is_audited_with_its_person(sign_in: Callable[..., TestClient], practice: Settings,
                                                     person_ids: list[str]) -> None:
    client = sign_in("nurse", user="audited.nurse")
    for path in ["/app/caseload", "/app/meeting", "/app/people?q=a", f"/app/people/{person_ids[1]}",
                 f"/app/people/{person_ids[1]}/assessment", "/app/links", "/app/inbox"]:
        assert client.get(path).status_code == 200
    rows = _audit_rows(practice, "audited.nurse")
    queries = [q for q, _, _ in rows]
    for expected in ["page caseload", "page meeting", "page people q=a", "page person (integrated record)",
                     "page assessment form", "page person-link candidates", "page inbox"]:
        assert any(q.startswith(expected) for q in queries), (expected, queries)
    assert any(p == f"Patient/{person_ids[1]}" and q.startswith("page person") for q, p, _ in rows)


def test_a_scope_limited_to_patients_hides_the_rest(sign_in: Callable[..., TestClient], practice: Settings,
                                                    person_ids: list[str]) -> None:
    client = sign_in("nurse", user="patients.only", scopes=["user/Patient.rs"])
    person = client.get(f"/app/people/{person_ids[0]}")
    assert person.status_code == 200
    assert "Demographics from each system" in person.text
    for hidden in ("h-meds", "h-problems", "h-omaha", "h-social", "h-network", "Record an assessment"):
        assert hidden not in person.text
    assert 'class="event' not in person.text  # no timeline entries from types it may not read
    caseload = client.get("/app/caseload")
    assert caseload.status_code == 403 and "may not search" in caseload.text
    form = client.get(f"/app/people/{person_ids[0]}/assessment")
    assert form.status_code == 403
    assert (("page GET /app/caseload", None, 403) in _audit_rows(practice, "patients.only"))


def test_a_social_worker_may_not_decide_links(sign_in: Callable[..., TestClient]) -> None:
    client = sign_in("social-worker")
    listing = client.get("/app/links?status=all")
    assert listing.status_code == 200
    assert "Confirm: same person" not in client.get("/app/links/1").text
    assert client.post("/app/links/1/confirm").status_code == 403


def test_a_post_from_another_site_is_refused(sign_in: Callable[..., TestClient], person_ids: list[str]) -> None:
    client = sign_in("admin")
    response = client.post("/app/links/1/reject", headers={"Origin": "https://evil.example"})
    assert response.status_code == 403 and "another site" in response.text


def test_unknown_things_are_404_pages(sign_in: Callable[..., TestClient]) -> None:
    client = sign_in("nurse")
    for path in ["/app/people/no-such-person", "/app/links/999999", "/app/inbox/nope"]:
        response = client.get(path)
        assert response.status_code == 404 and "<h1>" in response.text, path
    assert sign_in("admin").post("/app/links/abc/confirm").status_code == 400
    assert client.get("/app/caseload?week=yesterday").status_code == 400
