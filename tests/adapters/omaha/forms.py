"""The assessment the tests use most, built with the form builders of `adapters.omaha.form_items`
(re-exported here, so tests read like the form a nurse fills in)."""

from __future__ import annotations

from typing import Any

from adapters.omaha.form_items import coded, intervention, problem, rating, response, value

__all__ = ["coded", "intervention", "problem", "rating", "response", "three_problems", "value"]

FhirJson = dict[str, Any]


def three_problems(date: str, skin: tuple[int, int, int], nutrition: tuple[int, int, int],
                   circulation: tuple[int, int, int]) -> FhirJson:
    """The assessment the tests use: skin (pressure ulcer), nutrition, circulation."""
    return response(
        date,
        problem("24", signs=("24.01",), ratings=(rating(date, *skin),), interventions=(
            intervention("02", "17", "Dress sacral ulcer, hydrocolloid", "Practitioner/nurse-1", "every 3 days"),
            intervention("01", "52", "Repositioning advice to daughter", "daughter (informal carer)", "weekly"),
        )),
        problem("35", severity="potential", ratings=(rating(date, *nutrition),), interventions=(
            intervention("04", "15", "Weigh and MUST score", "Practitioner/nurse-1", "fortnightly"),
        )),
        problem("27", signs=("27.01",), ratings=(rating(date, *circulation),), interventions=(
            intervention("04", "62", "Check ankle oedema", "Practitioner/nurse-2", "weekly"),
        )),
    )
