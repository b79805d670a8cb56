"""What matters about a person in ten seconds, in a real browser at tablet (1024x768) and phone
(390x844) sizes: the summary card on the first screen, falls marked on the caseload and in the
weekly meeting, a person found without typing accents, one row per person, the social worker's own
inbox, no machine words (UUIDs, `Type/id`) in the visible text of any page, and no sideways scroll
on a phone. Screenshots of each page at both sizes go to test-artifacts/pages/."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from gateway.app import build_repository
from gateway.assessments.records import read_json
from gateway.inbox.tables import inbox_items
from gateway.pages.caseload import caseload_ids
from gateway.pages.falls import falls
from gateway.pages.record import gather_record
from tests.browser.conftest import PHONE, TABLET, Seeded

pytestmark = pytest.mark.browser

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
TYPE_ID = re.compile(r"\b(?:Patient|Practitioner|PractitionerRole|Condition|Observation|Encounter|CarePlan|"
                     r"QuestionnaireResponse|RelatedPerson|EpisodeOfCare|CareTeam|Organization|AllergyIntolerance|"
                     r"MedicationRequest|Appointment|ServiceRequest|Flag|Goal)/[A-Za-z0-9\-.]+")
SIZES = {"tablet": TABLET, "phone": PHONE}


def _plain(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _store_facts(seeded: Seeded) -> dict[str, Any]:
    """From the store: a caseload person with a fall (and the day), and an accented caseload name."""
    repo = build_repository(seeded.settings)
    try:
        with repo.reading() as conn:
            fell: list[tuple[date, str]] = []
            accented: list[tuple[str, str]] = []
            both: list[str] = []
            for person_id in caseload_ids(conn):
                record = gather_record(conn, person_id)
                found = falls(record)
                if found:
                    fell.append((found[0].day, person_id))
                names = [" ".join([*n.get("given", []), n.get("family", "")]) for p in record.of("Patient")
                         for n in p.get("name", [])]
                accented += [(person_id, n) for n in names if _plain(n) != n]
                keys = {i.get("system", "").split("/Id/")[-1].split("/")[0] for p in record.of("Patient")
                        for i in p.get("identifier", [])}
                if {"systmone", "liquidlogic"} <= keys:
                    both.append(person_id)
    finally:
        repo.db.dispose()
    assert fell, "the seeded caseload has nobody with a fall"
    assert accented, "the seeded caseload has no accented name"
    return {"fall": max(fell), "accented": accented[0], "both": both}


def _sign_in(page: Any, base: str, role: str, user: str = "", staff: str = "") -> None:
    page.goto(f"{base}/app/login?next=/app/caseload")
    if staff:
        page.get_by_label("Or sign in as a member of staff").select_option(staff)
    else:
        page.get_by_label("Your name or user id").fill(user)
    page.locator(f"#role-{role}").check()
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(re.compile(r".*/app/caseload.*"))


def _visible_text_is_plain(page: Any, where: str) -> None:
    text = page.locator("body").inner_text()
    assert not UUID.search(text), f"{where}: a UUID on the screen: {UUID.search(text)}"
    assert not TYPE_ID.search(text), f"{where}: a Type/id on the screen: {TYPE_ID.search(text)}"


def _no_sideways_scroll(page: Any, where: str) -> None:
    wide = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert wide <= 0, f"{where}: the page scrolls sideways by {wide}px at {page.viewport_size['width']}px"


@pytest.mark.parametrize("size", list(SIZES))
def test_a_nurse_sees_what_matters_in_ten_seconds(seeded_gateway: Seeded, browser: Any, shot: Any,
                                                  size: str) -> None:
    base = seeded_gateway.base
    facts = _store_facts(seeded_gateway)
    fall_day, fallen_id = facts["fall"]
    context = browser.new_context(viewport=SIZES[size])
    context.set_default_timeout(15_000)
    page = context.new_page()
    _sign_in(page, base, "nurse", user="nurse.ten")

    # The caseload as it stood the week of the latest fall: that person carries a fall marker.
    page.goto(f"{base}/app/caseload?week={fall_day.isoformat()}")
    row = page.locator("table.caseload tbody tr").filter(has=page.locator(f"a[href='/app/people/{fallen_id}']"))
    assert row.locator(".marker-fall").count() == 1
    assert row.locator(".marker-carer, .marker-no-carer").count() == 1
    _visible_text_is_plain(page, "caseload")
    _no_sideways_scroll(page, "caseload")
    shot(page, f"21-caseload-{size}", full=False)

    # Find on the caseload without the accent; one row, with the NHS number to tell namesakes apart.
    accented_id, accented_name = facts["accented"]
    page.get_by_label("Find by name or NHS number").fill(_plain(accented_name))
    page.get_by_role("button", name="Show").click()
    found = page.locator("table.caseload tbody tr")
    assert found.locator(f"a[href='/app/people/{accented_id}']").count() == 1
    assert "NHS" in found.first.inner_text()

    # The weekly meeting for that week marks the fall.
    page.goto(f"{base}/app/meeting?week={fall_day.isoformat()}")
    card = page.locator(f"#person-{fallen_id}")
    assert "Fall" in card.inner_text()
    _visible_text_is_plain(page, "weekly meeting")
    _no_sideways_scroll(page, "weekly meeting")
    shot(page, f"22-meeting-{size}", full=False)

    # Find a person: the accent-free name finds them, once, with NHS number, birth date and postcode.
    page.goto(f"{base}/app/people")
    page.get_by_label("Name or NHS number").fill(_plain(accented_name))
    page.get_by_role("button", name="Search").click()
    results = page.locator("ul.results li.result")
    assert results.filter(has=page.locator(f"a[href='/app/people/{accented_id}']")).count() == 1
    hrefs = [results.nth(i).locator("a").first.get_attribute("href") for i in range(results.count())]
    assert len(hrefs) == len(set(hrefs)), "a person is listed more than once"
    assert "NHS number" in results.first.inner_text() and "Born" in results.first.inner_text()
    _visible_text_is_plain(page, "find a person")

    # The person page opens with the summary card inside the first screen.
    page.goto(f"{base}/app/people/{fallen_id}")
    card_box = page.locator("#summary").bounding_box()
    assert card_box is not None and card_box["y"] < SIZES[size]["height"] * 0.6
    summary = page.locator("#summary").inner_text()
    for label in ("Allergies", "Falls", "Medication", "Open problems", "Main carer", "Social care in place"):
        assert label in summary
    assert f"Latest {fall_day.day} " in summary
    _visible_text_is_plain(page, "person")
    _no_sideways_scroll(page, "person")
    shot(page, f"23-person-{size}", full=False)
    shot(page, f"23-person-{size}-whole")

    # The assessment form shows each problem once and is plain.
    page.goto(f"{base}/app/people/{fallen_id}/assessment")
    names = page.locator("#suggestions li > p strong").all_inner_texts()
    assert len(names) == len(set(names)), f"a problem is suggested twice: {names}"
    _visible_text_is_plain(page, "assessment form")
    _no_sideways_scroll(page, "assessment form")
    context.close()


def test_the_social_worker_signed_in_sees_her_items(seeded_gateway: Seeded, browser: Any, shot: Any) -> None:
    base = seeded_gateway.base
    facts = _store_facts(seeded_gateway)
    person_id = facts["both"][0]
    context = browser.new_context(viewport=TABLET)
    context.set_default_timeout(15_000)
    page = context.new_page()

    # A nurse records an assessment of a person social care knows: an update goes to their worker.
    _sign_in(page, base, "nurse", user="nurse.sw")
    page.goto(f"{base}/app/people/{person_id}/assessment")
    page.get_by_label("Date of assessment").fill((date.today() - timedelta(days=1)).isoformat())
    block = page.locator("fieldset.block").last
    block.locator("select[name$='.code']").select_option("06")  # Social contact
    block.locator("select[name$='.severity']").select_option("potential")
    block.locator("select[name$='.rating-status']").select_option("2")
    page.get_by_role("button", name="Save assessment").click()
    page.wait_for_url(re.compile(r".*saved=assessment.*"))

    repo = build_repository(seeded_gateway.settings)
    try:
        with repo.reading() as conn:
            assignee = conn.execute(select(inbox_items.c.assignee).where(
                inbox_items.c.patient == f"Patient/{person_id}", inbox_items.c.assignee.is_not(None))).scalar()
            worker = read_json(conn, "Practitioner", str(assignee).removeprefix("Practitioner/")) if assignee else None
    finally:
        repo.db.dispose()
    assert worker is not None, "the update was not addressed to a social worker"
    worker_id = next(i["value"] for i in worker["identifier"] if i["system"].endswith("/worker"))
    page.get_by_role("button", name="Sign out").click()

    # She picks herself from the staff list: her name shows, and her inbox holds the update, short.
    _sign_in(page, base, "social-worker", staff=worker_id)
    page.goto(f"{base}/app/inbox")
    assert worker["name"][0]["text"] in page.locator("header .me").inner_text()
    mine = page.locator("ul.inbox li.item").filter(has=page.locator(f"a[href='/app/people/{person_id}']"))
    assert mine.count() >= 1
    assert "Social contact" in mine.first.locator(".headline").inner_text()
    _visible_text_is_plain(page, "inbox")
    shot(page, "24-inbox-tablet", full=False)
    page.set_viewport_size(PHONE)
    _no_sideways_scroll(page, "inbox")
    shot(page, "24-inbox-phone", full=False)
    mine.first.locator("h2 a").click()
    _visible_text_is_plain(page, "inbox item")
    _no_sideways_scroll(page, "inbox item")
    page.get_by_role("button", name="Sign out").click()

    # Signed in under a name no staff record has, the empty inbox says whose it is and why.
    _sign_in(page, base, "social-worker", user="Someone New")
    page.goto(f"{base}/app/inbox")
    empty = page.locator("ul.inbox").inner_text()
    assert "No updates for Someone New" in empty and "user id" in empty
    context.close()
