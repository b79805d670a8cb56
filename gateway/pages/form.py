"""The Omaha assessment as an HTML form: what the form offers (the vocabulary, the person's
current problems filled in) and turning a posted form into a QuestionnaireResponse to the
integrated assessment Questionnaire, item by item by linkId, so the page submits exactly what a
client of `Patient/$omaha-assessment` would."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from adapters.omaha.from_fhir import is_problem, problem
from adapters.omaha.questionnaire import QUESTIONNAIRE_URL
from adapters.omaha.rules import RuleViolation
from adapters.omaha.vocabulary import (
    CATEGORY,
    CONDITION_CLINICAL,
    MODIFIER,
    PROBLEM,
    SIGN_SYMPTOM,
    TARGET,
    Vocabulary,
    vocabulary,
)
from gateway.pages.caseload import omaha_trends
from gateway.pages.record import PersonRecord

FhirJson = dict[str, Any]
SCALES = ("knowledge", "behavior", "status")
EMPTY_BLOCKS = 1  # blank problem blocks offered for new problems
_ITEM_INDEX = re.compile(r"^QuestionnaireResponse\.item\[(\d+)\]")


@dataclass
class Block:
    """One problem on the form, as the fields hold it."""

    index: int
    code: str = ""
    scope: str = "individual"
    severity: str = ""
    status: str = "active"
    signs: list[str] = field(default_factory=list)
    scores: dict[str, str] = field(default_factory=dict)
    note: str = ""
    category: str = ""
    target: str = ""
    description: str = ""
    performer: str = ""
    frequency: str = ""
    errors: list[str] = field(default_factory=list)
    previous: dict[str, int | None] = field(default_factory=dict)  # the last ratings, shown beside today's
    previous_on: str = ""

    @property
    def filled(self) -> bool:
        return bool(self.code)


@dataclass
class AssessmentForm:
    assessment_date: str
    blocks: list[Block]
    errors: list[str] = field(default_factory=list)


def blank_form(record: PersonRecord, today: date) -> AssessmentForm:
    """The form for a new sitting: every active problem filled in as recorded, plus a blank one."""
    blocks: list[Block] = []
    for cond in sorted((c for c in record.of("Condition") if is_problem(c)), key=lambda c: problem(c).code):
        p = problem(cond)
        if p.status == "active":
            blocks.append(Block(len(blocks), p.code, p.scope, p.severity, p.status, list(p.signs_symptoms)))
    blocks += [Block(len(blocks) + i) for i in range(EMPTY_BLOCKS)]
    return AssessmentForm(today.isoformat(), blocks)


def add_previous(form: AssessmentForm, record: PersonRecord) -> AssessmentForm:
    """Put each problem's latest recorded ratings beside its "rating today" fields."""
    latest = {}
    for series in omaha_trends(record):
        point = series.latest()
        if point is not None:
            latest[series.problem_code] = point
    for block in form.blocks:
        point = latest.get(block.code)
        if point is not None:
            block.previous = {s: getattr(point, s) for s in SCALES}
            block.previous_on = point.date
    return form


def read_form(fields: dict[str, list[str]]) -> AssessmentForm:
    """The posted fields (`p<i>.<name>`) back into blocks."""
    def one(name: str) -> str:
        return (fields.get(name) or [""])[0].strip()

    count = int(one("blocks") or 0) if one("blocks").isdigit() else 0
    blocks = []
    for i in range(min(count, 60)):
        pre = f"p{i}."
        blocks.append(Block(
            i, one(pre + "code"), one(pre + "scope") or "individual", one(pre + "severity"),
            one(pre + "status") or "active", [s for s in fields.get(pre + "signs", []) if s],
            {s: one(f"{pre}rating-{s}") for s in SCALES if one(f"{pre}rating-{s}")}, one(pre + "note"),
            one(pre + "category"),
            one(pre + "target"), one(pre + "description"), one(pre + "performer"), one(pre + "frequency")))
    return AssessmentForm(one("assessment-date"), blocks)


def _coding(system: str, code: str, display: str | None = None) -> FhirJson:
    return {"valueCoding": {"system": system, "code": code, **({"display": display} if display else {})}}


def _item(link_id: str, *answers: FhirJson) -> FhirJson:
    return {"linkId": link_id, "answer": list(answers)}


def _problem_item(block: Block, day: str, v: Vocabulary) -> FhirJson:
    items = [_item("problem.code", _coding(PROBLEM, block.code, v.problems.get(block.code))),
             _item("problem.scope", _coding(MODIFIER, block.scope)),
             _item("problem.severity", _coding(MODIFIER, block.severity)),
             _item("problem.status", _coding(CONDITION_CLINICAL, block.status))]
    if block.signs:
        items.append(_item("problem.signs-symptoms", *(_coding(SIGN_SYMPTOM, s) for s in block.signs)))
    if block.note:
        items.append(_item("problem.note", {"valueString": block.note}))
    if block.scores:
        scores = []
        for scale in SCALES:
            raw = block.scores.get(scale)
            if raw:
                scores.append(_item(f"problem.rating.{scale}", {"valueInteger": int(raw)} if raw.isdigit()
                                    else {"valueString": raw}))
        items.append({"linkId": "problem.rating", "item": [_item("problem.rating.date", {"valueDate": day}), *scores]})
    if block.category or block.target or block.description:
        parts = []
        if block.category:
            parts.append(_item("problem.intervention.category", _coding(CATEGORY, block.category)))
        if block.target:
            parts.append(_item("problem.intervention.target", _coding(TARGET, block.target)))
        for name in ("description", "performer", "frequency"):
            value = getattr(block, name)
            if value:
                parts.append(_item(f"problem.intervention.{name}", {"valueString": value}))
        items.append({"linkId": "problem.intervention", "item": parts})
    return {"linkId": "problem", "item": items}


def to_response(form: AssessmentForm, patient_id: str) -> tuple[FhirJson, list[int]]:
    """The QuestionnaireResponse, and for each of its problem items the form block it came from."""
    v = vocabulary()
    day = form.assessment_date or date.today().isoformat()
    filled = [b for b in form.blocks if b.filled]
    qr = {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": QUESTIONNAIRE_URL,
        "status": "completed",
        "subject": {"reference": f"Patient/{patient_id}"},
        "authored": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "item": [_item("assessment-date", {"valueDate": day}), *(_problem_item(b, day, v) for b in filled)],
    }
    return qr, [b.index for b in filled]


def place_errors(form: AssessmentForm, violations: list[RuleViolation], block_of_item: list[int]) -> None:
    """Put each broken rule next to the problem it is about (or at the top of the form)."""
    by_index = {b.index: b for b in form.blocks}
    for violation in violations:
        match = _ITEM_INDEX.match(violation.expression)
        item = int(match.group(1)) - 1 if match else -1  # item[0] is the assessment date
        if 0 <= item < len(block_of_item):
            by_index[block_of_item[item]].errors.append(violation.message)
        else:
            form.errors.append(violation.message)
