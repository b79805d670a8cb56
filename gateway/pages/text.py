"""How FHIR values read on a page: a concept's words, a period's ends, a date for people."""

from __future__ import annotations

from typing import Any

from adapters.display import day_of, show_day

__all__ = ["concept_text", "day_of", "period_of", "show_day"]


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
