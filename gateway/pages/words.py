"""Plain words for what the pages show: units as people write them, categories as people say them,
and one way to write NHS numbers and postcodes. The word lists are maps in `mappings/display/`."""

from __future__ import annotations

from typing import Any

from adapters.codemaps import default_maps
from gateway.terminology.registry import default_terminology

_UNITS = "ucum-words"
_CATEGORIES = "condition-category-words"
_ACTIVITY_STATUS = "care-plan-activity-status-words"


def unit_words(unit: str | None) -> str:
    """`mm[Hg]` -> `mmHg`; a unit the map does not list is shown as received."""
    if not unit:
        return ""
    target = default_maps()[_UNITS].get(unit)
    return target.display if target is not None and target.display else unit


def category_words(concept: Any) -> str | None:
    """A Condition category in words ("on the problem list"), else the concept's own text."""
    if not isinstance(concept, dict):
        return None
    for coding in concept.get("coding", []):
        target = default_maps()[_CATEGORIES].get(str(coding.get("code", "")))
        if target is not None and target.display:
            return target.display
    text = concept.get("text") or next((c.get("display") for c in concept.get("coding", []) if c.get("display")), None)
    return str(text) if text else None


def activity_status_words(status: str | None) -> str:
    """A care plan activity's status as the pages say it (`in-progress` -> `in place`)."""
    if not status:
        return ""
    target = default_maps()[_ACTIVITY_STATUS].get(status)
    return target.display if target is not None and target.display else status


def concept_words(system: str, code: str | None) -> str:
    """A code of one of the gateway's CodeSystems by its display (`cannot-achieve` -> `Cannot achieve`)."""
    if not code:
        return ""
    concept = default_terminology().concept(system, code)
    return concept.display if concept is not None and concept.display else code
