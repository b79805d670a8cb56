"""Suggested problems as the assessment page shows them: one entry per Omaha problem however many
records point at it, each reason said in words (which system records what), never as a resource
reference or a concept map's title."""

from __future__ import annotations

from dataclasses import dataclass, field

from adapters.omaha.suggestions import Suggestion
from gateway.pages.record import PersonRecord
from gateway.pages.sources import source_of

CARE_ACT_OUTCOME = "care-act-outcome"
SUPPORT_REASON = "primary-support-reason"


@dataclass
class SuggestedProblem:
    """One problem the records suggest, with every record behind it."""

    code: str
    name: str
    reasons: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)  # the records' references, for confirm and dismiss


def _reason(sg: Suggestion, record: PersonRecord) -> str:
    res_type, _, res_id = sg.source_reference.partition("/")
    found = next((r for r in record.of(res_type) if r.get("id") == res_id), None)
    system = source_of(found, record.patients).label if found is not None else "The record"
    what = sg.source_coding.get("display") or sg.source_coding.get("code") or "a finding"
    coding_system = str(sg.source_coding.get("system", ""))
    if coding_system.endswith(CARE_ACT_OUTCOME):
        return f"{system} records the Care Act outcome “{what}” as not achieved"
    if coding_system.endswith(SUPPORT_REASON):
        return f"{system} records “{what}” as the primary support reason"
    return f"{system} records “{what}”"


def suggested_problems(suggestions: list[Suggestion], record: PersonRecord) -> list[SuggestedProblem]:
    """The suggestions grouped by problem, in problem order."""
    grouped: dict[str, SuggestedProblem] = {}
    for sg in suggestions:
        entry = grouped.setdefault(sg.problem_code, SuggestedProblem(sg.problem_code, sg.problem_name))
        reason = _reason(sg, record)
        if reason not in entry.reasons:
            entry.reasons.append(reason)
        entry.sources.append(sg.source_reference)
    return [grouped[code] for code in sorted(grouped)]
