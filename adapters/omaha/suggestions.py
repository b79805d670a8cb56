"""Omaha problems suggested from the other records, and what confirming or dismissing one
writes. A suggestion is never silently turned into a problem: a person confirms it (it becomes a
problem Condition with a Provenance pointing at the source record) or dismisses it (it is not
suggested again for that source record).

The code maps in `mappings/` whose target is the omaha-problem CodeSystem drive everything:
SNOMED CT and CTV3 problems from SystmOne, Care Act outcomes and Primary Support Reasons from
Liquidlogic. Adding a map file adds a source of suggestions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from adapters.codemaps import CodeMap, CodeMaps, normalise_text
from adapters.omaha import ids
from adapters.omaha.model import Problem
from adapters.omaha.to_fhir import condition, record_coding, reference
from adapters.omaha.vocabulary import PROBLEM, Vocabulary, coding, vocabulary
from adapters.uris import code_system, concept_map, extension

FhirJson = dict[str, Any]
CARE_ACT_OUTCOME = code_system("care-act-outcome")
SOURCE_EXT = extension("omaha-suggestion-source")
PROBLEM_EXT = extension("omaha-suggested-problem")

_INACTIVE_CLINICAL = {"inactive", "resolved", "remission"}
_NOT_TRUE = {"refuted", "entered-in-error"}
_UNUSABLE_OBSERVATION = {"entered-in-error", "cancelled"}
_NEED_CODES = {"cannot-achieve", "unable-to-achieve", "not-achieved", "no"}
_NEED_WORDS = ("cannot", "can't", "unable", "not achieve", "not able")


@dataclass(frozen=True, slots=True)
class Suggestion:
    """One suggested problem with the record and mapping behind it."""

    problem_code: str
    problem_name: str
    source_reference: str  # "Condition/<id>" or "Observation/<id>"
    source_coding: FhirJson  # the record's coding that matched
    concept_map: str  # ConceptMap url
    reason: str

    @property
    def key(self) -> tuple[str, str]:
        """What a dismissal remembers: this source record suggesting this problem."""
        return (self.source_reference, self.problem_code)


def unmet_outcome(observation: FhirJson) -> bool:
    """Whether a Care Act outcome Observation records a need (the person cannot achieve it):
    `valueBoolean` false, or a `valueCodeableConcept` such as care-act-achievement
    `cannot-achieve` / text "Unable to achieve". Adapt here if Liquidlogic's shape changes."""
    if observation.get("valueBoolean") is False:
        return True
    concept = observation.get("valueCodeableConcept") or {}
    codes = {str(c.get("code", "")).lower() for c in concept.get("coding", [])}
    if codes & _NEED_CODES:
        return True
    texts = [concept.get("text") or ""] + [c.get("display") or "" for c in concept.get("coding", [])]
    return any(word in normalise_text(t) for t in texts for word in _NEED_WORDS)


def _usable(record: FhirJson) -> bool:
    kind = record.get("resourceType")
    if kind == "Condition":
        clinical = {c.get("code") for c in (record.get("clinicalStatus") or {}).get("coding", [])}
        verification = {c.get("code") for c in (record.get("verificationStatus") or {}).get("coding", [])}
        return not (clinical & _INACTIVE_CLINICAL or verification & _NOT_TRUE)
    if kind == "Observation":
        if record.get("status") in _UNUSABLE_OBSERVATION:
            return False
        outcome = any(c.get("system") == CARE_ACT_OUTCOME for c in (record.get("code") or {}).get("coding", []))
        return unmet_outcome(record) if outcome else True
    return False


def problem_maps(maps: CodeMaps) -> dict[str, CodeMap]:
    """Source system -> the map from it to Omaha problems."""
    return {m.source_system: m for m in maps if m.target_system == PROBLEM}


def _reason(record: FhirJson, src: FhirJson, cmap: CodeMap, problem: str, v: Vocabulary) -> str:
    what = src.get("display") or src["code"]
    ref = f"{record['resourceType']}/{record.get('id')}"
    if src["system"] == CARE_ACT_OUTCOME:
        lead = f"Care Act outcome '{what}' is recorded as not achieved"
    else:
        lead = f"{what} ({src['code']}) is on record"
    via = cmap.title or cmap.name
    return f"{lead} in {ref}; {via} relates it to Omaha problem {problem} {v.problem_name(problem)}."


def suggest(records: list[FhirJson], maps: CodeMaps, dismissed: set[tuple[str, str]],
            existing_problems: set[str], vocab: Vocabulary | None = None) -> list[Suggestion]:
    """Suggested problems for one person from their source records, leaving out problems they
    already have (`existing_problems`: problem codes) and dismissed (source, problem) pairs."""
    v = vocab or vocabulary()
    by_system = problem_maps(maps)
    found: dict[tuple[str, str], Suggestion] = {}
    for record in records:
        if not _usable(record):
            continue
        ref = f"{record['resourceType']}/{record.get('id')}"
        for src in (record.get("code") or {}).get("coding", []):
            cmap = by_system.get(src.get("system", ""))
            target = cmap.get(str(src.get("code", ""))) if cmap else None
            if cmap is None or target is None:
                continue
            key = (ref, target.code)
            if target.code in existing_problems or key in dismissed or key in found:
                continue
            found[key] = Suggestion(
                problem_code=target.code,
                problem_name=v.problem_name(target.code),
                source_reference=ref,
                source_coding={k: src[k] for k in ("system", "code", "display") if k in src},
                concept_map=concept_map(cmap.name),
                reason=_reason(record, src, cmap, target.code, v),
            )
    return sorted(found.values(), key=lambda s: (s.problem_code, s.source_reference))


def confirm(suggestion: Suggestion, patient: str, author: str, when: str, scope: str = "individual",
            severity: str = "potential", vocab: Vocabulary | None = None) -> list[FhirJson]:
    """The problem Condition a confirmed suggestion becomes, and a Provenance citing the source
    record and the ConceptMap. The person confirming chooses scope and severity."""
    v = vocab or vocabulary()
    prob = Problem(code=suggestion.problem_code, scope=scope, severity=severity, identified_by=author,
                   identified_on=when)
    cond = condition(prob, patient, vocab=v)
    target = f"Condition/{cond['id']}"
    provenance: FhirJson = {
        "resourceType": "Provenance",
        "id": ids.provenance_id(target, suggestion.source_reference),
        "target": [{"reference": target}],
        "recorded": when if "T" in when else f"{when}T00:00:00Z",
        "policy": [suggestion.concept_map],
        "reason": [{"text": suggestion.reason}],
        "agent": [{"who": reference(author)}],
        "entity": [{"role": "source", "what": {"reference": suggestion.source_reference}}],
    }
    return [cond, provenance]


def dismissal(suggestion: Suggestion, patient: str, author: str, when: str,
              vocab: Vocabulary | None = None) -> FhirJson:
    """A Basic resource remembering that `author` dismissed this suggestion, so it is stored like
    any other resource and read back by `dismissed_keys`."""
    v = vocab or vocabulary()
    return {
        "resourceType": "Basic",
        "id": ids.dismissal_id(patient, suggestion.source_reference, suggestion.problem_code),
        "extension": [
            {"url": SOURCE_EXT, "valueReference": {"reference": suggestion.source_reference}},
            {"url": PROBLEM_EXT, "valueCoding": coding(PROBLEM, suggestion.problem_code, suggestion.problem_name)},
        ],
        "code": {"coding": [record_coding("suggestion-dismissed", v)]},
        "subject": {"reference": patient},
        "created": when[:10],
        "author": reference(author),
    }


def dismissed_keys(resources: list[FhirJson]) -> set[tuple[str, str]]:
    """The (source record, problem) pairs dismissed, from stored dismissal Basics."""
    out = set()
    for res in resources:
        if res.get("resourceType") != "Basic":
            continue
        exts = {e.get("url"): e for e in res.get("extension", [])}
        source = exts.get(SOURCE_EXT, {}).get("valueReference", {}).get("reference")
        problem = exts.get(PROBLEM_EXT, {}).get("valueCoding", {}).get("code")
        if source and problem:
            out.add((source, problem))
    return out
