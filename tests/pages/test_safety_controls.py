"""Page behaviour the clinical safety case relies on (docs/safety/hazard-log.md): an allergy in the
record is on the person page, and a sign-in that may not read allergies sees no allergy section at
all, never "No allergies recorded"."""

from __future__ import annotations

from collections.abc import Callable

import orjson
from fastapi.testclient import TestClient
from sqlalchemy import select

from gateway.app import build_repository
from gateway.pages.text import concept_text
from gateway.settings import Settings
from gateway.storage.tables import resources


def _an_allergy(practice: Settings) -> tuple[str, str]:
    """(source Patient id, allergy text) of one imported AllergyIntolerance."""
    repo = build_repository(practice)
    try:
        with repo.reading() as conn:
            for (content,) in conn.execute(select(resources.c.content).where(
                    resources.c.res_type == "AllergyIntolerance", resources.c.deleted.is_(False))):
                body = orjson.loads(content)
                text = concept_text(body.get("code"))
                if text:
                    return body["patient"]["reference"].split("/", 1)[1], text
    finally:
        repo.db.dispose()
    raise AssertionError("the sample has no AllergyIntolerance")


def test_an_imported_allergy_is_shown_on_the_person_page(sign_in: Callable[..., TestClient],
                                                         practice: Settings) -> None:
    patient, text = _an_allergy(practice)
    page = sign_in("nurse").get(f"/app/people/{patient}", follow_redirects=True)
    assert page.status_code == 200
    section = page.text.split('id="h-allergies"', 1)[1].split("</section>", 1)[0]
    assert text in section
    assert "No allergies recorded" not in section


def test_without_allergy_access_the_section_is_absent_not_empty(sign_in: Callable[..., TestClient],
                                                                practice: Settings) -> None:
    patient, _ = _an_allergy(practice)
    page = sign_in("nurse", user="no.allergies", scopes=["user/Patient.rs", "user/Condition.rs"]).get(
        f"/app/people/{patient}", follow_redirects=True)
    assert page.status_code == 200
    assert "h-allergies" not in page.text
    assert "No allergies recorded" not in page.text


def test_pages_are_never_kept_by_the_browser(sign_in: Callable[..., TestClient], person_ids: list[str]) -> None:
    """No offline copy exists yet (issue 18): a page must not be served from a browser cache later
    as if it were current."""
    client = sign_in("nurse")
    for path in ("/app/caseload", f"/app/people/{person_ids[0]}"):
        answer = client.get(path)
        assert answer.status_code == 200
        assert answer.headers["cache-control"] == "no-store"
