"""How FHIR values read on a page: a concept's words, a period's ends, a date for people."""

from __future__ import annotations

from datetime import date
from typing import Any


def concept_text(concept: Any) -> str | None:
    """A CodeableConcept's text, else its first display, else its first code."""
    if not isinstance(concept, dict):
        return None
    if concept.get("text"):
        return str(concept["text"])
    for coding in concept.get("coding", []):
        if coding.get("display"):
            return str(coding["display"])
    return next((str(c["code"]) for c in concept.get("coding", []) if c.get("code")), None)


def period_of(period: Any) -> tuple[str | None, str | None]:
    if not isinstance(period, dict):
        return None, None
    return period.get("start"), period.get("end")


def day_of(value: str | None) -> date | None:
    """The calendar day of an ISO date or dateTime (None when it is not one)."""
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def show_day(value: str | None) -> str:
    """`21 Aug 2025`, or the text as given when it is not a date."""
    day = day_of(value)
    return day.strftime("%d %b %Y").lstrip("0") if day else (value or "")
