"""The Omaha assessment as an HTML form: what the form offers (the vocabulary, the person's
current problems filled in) and turning a posted form into a QuestionnaireResponse to the
integrated assessment Questionnaire, item by item by linkId, so the page submits exactly what a
client of `Patient/$omaha-assessment` would."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from adapters.omaha import form_items
from adapters.omaha.from_fhir import is_problem, problem
from adapters.omaha.rules import RuleViolation
from adapters.omaha.vocabulary import SCALES, Vocabulary, vocabulary
from gateway.limits.numbers import is_ascii_digits
from gateway.pages.caseload import omaha_trends
from gateway.pages.record import PersonRecord

FhirJson = dict[str, Any]
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

    blocks_field = one("blocks")
    count = int(blocks_field) if is_ascii_digits(blocks_field) and len(blocks_field) <= 3 else 0
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


def _problem_item(block: Block, day: str, v: Vocabulary) -> FhirJson:
    ratings: tuple[FhirJson, ...] = ()
    if block.scores:  # as typed: a score that is not a whole number goes as text, for the rules to refuse
        typed = {s: block.scores[s] for s in SCALES if block.scores.get(s)}
        ratings = (form_items.scores(day, {s: {"valueInteger": int(raw)} if is_ascii_digits(raw) and len(raw) < 10
                                           else {"valueString": raw}
                                           for s, raw in typed.items()}),)
    interventions: tuple[FhirJson, ...] = ()
    if block.category or block.target or block.description:
        interventions = (form_items.intervention(block.category or None, block.target or None, block.description,
                                                 block.performer or None, block.frequency or None),)
    return form_items.problem(block.code, severity=block.severity, scope=block.scope, signs=block.signs,
                              status=block.status, interventions=interventions, ratings=ratings,
                              display=v.problems.get(block.code), note=block.note)


def to_response(form: AssessmentForm, patient_id: str) -> tuple[FhirJson, list[int]]:
    """The QuestionnaireResponse, and for each of its problem items the form block it came from."""
    v = vocabulary()
    day = form.assessment_date or date.today().isoformat()
    filled = [b for b in form.blocks if b.filled]
    qr = form_items.response(day, *(_problem_item(b, day, v) for b in filled), subject=f"Patient/{patient_id}",
                             authored=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
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
