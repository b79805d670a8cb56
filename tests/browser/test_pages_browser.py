"""The pages in a real browser, as a nurse and then an administrator would use them: sign in, the
caseload, one person's integrated record from both systems, two assessments and the trend, the
weekly meeting, a link candidate confirmed, the social worker's inbox; on a tablet and a phone."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest

from gateway.app import build_repository
from gateway.pages.caseload import caseload_ids
from gateway.pages.demographics import demographics
from gateway.pages.record import gather_record
from tests.browser.conftest import PHONE, TABLET, Seeded

pytestmark = pytest.mark.browser


def _person_to_open(seeded: Seeded) -> tuple[str, str, list[str]]:
    """A caseload person known to both systems, preferring one whose demographics differ: (id, family name,
    every Patient id of theirs)."""
    repo = build_repository(seeded.settings)
    try:
        with repo.reading() as conn:
            ranked = []
            for person_id in caseload_ids(conn):
                record = gather_record(conn, person_id)
                table = demographics(record)
                sources = {c.source.key for c in table.columns}
                if {"systmone", "liquidlogic"} <= sources and record.of("RelatedPerson"):
                    family = next(n["family"] for p in record.sources for n in p.get("name", []) if n.get("family"))
                    ranked.append((not table.differences, person_id, family, record.patient_ids))
    finally:
        repo.db.dispose()
    assert ranked, "the seeded sample has no caseload person known to both systems"
    _, person_id, family, ids = sorted(ranked)[0]
    return person_id, family, ids


def _sign_in(page: Any, base: str, user: str, role: str) -> None:
    page.goto(f"{base}/app/caseload")
    assert "/app/login" in page.url
    page.get_by_label("Your name or user id").fill(user)
    page.locator(f"#role-{role}").check()
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(re.compile(r".*/app/caseload.*"))


def _assess(page: Any, base: str, person_id: str, day: date, scores: tuple[int, int, int]) -> None:
    page.goto(f"{base}/app/people/{person_id}/assessment")
    page.get_by_label("Date of assessment").fill(day.isoformat())
    blocks = page.locator("fieldset.block")
    block = blocks.filter(has=page.locator("select[name$='.code'] option[value='21'][selected]"))
    if block.count() == 0:
        block = blocks.last
        block.locator("select[name$='.code']").select_option("21")  # Cognition
        block.locator("select[name$='.severity']").select_option("potential")
    for scale, score in zip(("knowledge", "behavior", "status"), scores, strict=True):
        block.locator(f"select[name$='.rating-{scale}']").select_option(str(score))
    page.get_by_role("button", name="Save assessment").click()
    page.wait_for_url(re.compile(r".*/app/people/[^/]+\?saved=assessment.*"))


def test_a_nurse_and_an_administrator_use_the_pages(seeded_gateway: Seeded, browser: Any, shot: Any) -> None:
    base = seeded_gateway.base
    person_id, family, record_ids = _person_to_open(seeded_gateway)
    context = browser.new_context(viewport=TABLET)
    context.set_default_timeout(10_000)
    page = context.new_page()

    # Sign in as a nurse: the caseload lists people with their named nurse.
    page.goto(f"{base}/app")
    shot(page, "01-login")
    _sign_in(page, base, "nurse.test", "nurse")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Caseload")
    rows = page.locator("table.caseload tbody tr")
    assert rows.count() >= 3
    assert page.locator("td[data-label='Named nurse']").filter(has_text=re.compile(r"\w+ \w+")).count() >= 1
    shot(page, "02-caseload-tablet")

    # Find the person by name and open their integrated record.
    page.get_by_role("link", name="Find a person").click()
    page.get_by_label("Name or NHS number").fill(family)
    page.get_by_role("button", name="Search").click()
    page.locator(", ".join(f"ul.results a[href='/app/people/{i}']" for i in record_ids)).first.click()
    page.wait_for_url(f"{base}/app/people/{person_id}")
    demo = page.locator("table.demographics")
    assert demo.locator("thead").inner_text().count("SystmOne") == 1
    assert "Liquidlogic" in demo.locator("thead").inner_text()
    assert demo.locator("tr.differs").count() >= 1, "a difference between the systems is highlighted"
    shot(page, "03-person-tablet")
    show_all = page.get_by_role("link", name=re.compile(r"Show all \d+ events"))
    if show_all.count():
        show_all.click()
    timeline = page.locator("ol.timeline")
    assert timeline.locator(".src-systmone").count() >= 1
    assert timeline.locator(".src-liquidlogic").count() >= 1
    assert page.locator("#h-problems + ul li .src").count() >= 1
    assert page.locator("#h-meds + ul li .src").count() >= 1
    assert page.locator("#network li strong").count() >= 1

    # Record an assessment, then a second one two weeks later: the trend shows two points.
    earlier, today = date.today() - timedelta(days=14), date.today()
    _assess(page, base, person_id, earlier, (2, 2, 3))
    assert page.get_by_role("status").inner_text().startswith("Assessment saved")
    assert page.locator("#omaha svg.trend[data-points='1']").count() == 1
    page.goto(f"{base}/app/people/{person_id}/assessment")
    shot(page, "04-assessment-form")
    _assess(page, base, person_id, today, (4, 3, 3))
    chart = page.locator("#omaha article").filter(has_text="Cognition").locator("svg.trend")
    assert chart.get_attribute("data-points") == "2"
    assert "Knowledge 2 to 4" in chart.get_attribute("aria-label")
    shot(page, "05-person-after-assessments")
    page.locator("#omaha").scroll_into_view_if_needed()
    shot(page, "05b-omaha-chart", full=False)

    # The weekly meeting shows the rating going up.
    page.get_by_role("link", name="Weekly meeting").click()
    section = page.locator(f"#person-{person_id}")
    assert "Knowledge 2 → 4" in section.inner_text()
    assert section.locator(".change.improved").count() >= 1
    shot(page, "06-weekly-meeting")

    # A nurse may look at link candidates but not decide them.
    page.get_by_role("link", name="Link records").click()
    page.locator("section.candidate h2 a").first.click()
    assert page.get_by_role("button", name="Confirm: same person").count() == 0

    # An administrator confirms a candidate and reads the social worker's inbox.
    page.get_by_role("button", name="Sign out").click()
    _sign_in(page, base, "admin.test", "admin")
    page.get_by_role("link", name="Link records").click()
    shot(page, "07-link-candidates")
    page.locator("section.candidate h2 a").first.click()
    page.get_by_role("button", name="Confirm: same person").click()
    assert "confirmed" in page.get_by_role("status").inner_text()
    assert page.locator("strong.status").inner_text() == "confirmed"
    shot(page, "08-link-confirmed")

    page.get_by_role("link", name="Inbox").click()
    items = page.locator("ul.inbox li.item")
    assert items.count() >= 1
    assert items.first.locator(f"a[href='/app/people/{person_id}']").count() == 1
    shot(page, "09-inbox")
    items.first.locator("a").first.click()
    page.get_by_role("button", name="Acknowledge").click()
    page.get_by_role("link", name=re.compile("Acknowledged")).click()
    assert page.locator("ul.inbox li.item.acknowledged").count() >= 1
    context.close()

    # The same pages on a phone.
    phone = browser.new_context(viewport=PHONE)
    small = phone.new_page()
    _sign_in(small, base, "nurse.phone", "nurse")
    shot(small, "10-caseload-phone", full=False)
    small.goto(f"{base}/app/people/{person_id}")
    assert small.locator("svg.trend").count() >= 1
    shot(small, "11-person-phone", full=False)
    small.locator("#demographics").scroll_into_view_if_needed()
    shot(small, "12-person-phone-demographics", full=False)
    small.locator("#timeline").scroll_into_view_if_needed()
    shot(small, "13-person-phone-timeline", full=False)
    phone.close()
