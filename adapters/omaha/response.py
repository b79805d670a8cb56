"""A completed assessment QuestionnaireResponse read into the model, each element remembering
its FHIRPath in the response so a rule that rejects it can point at the item."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from adapters.omaha.model import Assessment, Intervention, Problem, Rating
from adapters.omaha.rules import RuleViolation, locate
from adapters.omaha.vocabulary import SCALES
from adapters.uris import code_system

# Code systems the form's answers come from: the Omaha ones and HL7's (condition-clinical status).
ANSWER_SYSTEMS = (code_system("omaha-"), "http://terminology.hl7.org/CodeSystem/")

FhirJson = dict[str, Any]
ROOT = "QuestionnaireResponse"


def _children(items: list[FhirJson], path: str) -> Iterator[tuple[FhirJson, str]]:
    for i, item in enumerate(items):
        yield item, f"{path}.item[{i}]"


def _answers(item: FhirJson) -> list[FhirJson]:
    return list(item.get("answer") or [])


def _code(answer: FhirJson) -> str | None:
    """The answer's code. A coding from a system the form does not use (a SNOMED "24" is not Omaha
    problem 24) is returned as `system|code`, which no vocabulary knows, so the rules reject it."""
    if "valueCoding" in answer:
        coding = answer["valueCoding"]
        system = coding.get("system")
        if system and not system.startswith(ANSWER_SYSTEMS):
            return f"{system}|{coding.get('code')}"
        code: str | None = coding.get("code")
        return code
    text: str | None = answer.get("valueString")
    return text


def _text(answer: FhirJson) -> str | None:
    for key in ("valueString", "valueDate", "valueDateTime"):
        if key in answer:
            return str(answer[key])
    if "valueReference" in answer:
        ref = answer["valueReference"]
        pointer: str | None = ref.get("reference") or ref.get("display")
        return pointer
    if "valueCoding" in answer:
        code: str | None = answer["valueCoding"].get("code")
        return code
    return None


def _first(item: FhirJson) -> FhirJson:
    answers = _answers(item)
    return answers[0] if answers else {}


class _Reader:
    """Walks one response, collecting the model and the violations found while reading."""

    def __init__(self, known: set[str]) -> None:
        self.known = known
        self.violations: list[RuleViolation] = []

    def unknown(self, item: FhirJson, path: str) -> bool:
        if item.get("linkId") in self.known:
            return False
        self.violations.append(RuleViolation(path, str(item.get("linkId")),
                                             f"{item.get('linkId')!r} is not an item of the Omaha assessment "
                                             "Questionnaire."))
        return True

    def score(self, item: FhirJson, path: str, scale: str) -> int | None:
        answer = _first(item)
        if not answer:
            return None
        if "valueInteger" in answer:
            return int(answer["valueInteger"])
        raw: Any = answer.get("valueDecimal", answer.get("valueString"))
        if "valueCoding" in answer:
            raw = str(answer["valueCoding"].get("code", "")).removeprefix(f"{scale}-")
        try:
            number = float(raw)
        except (TypeError, ValueError):
            number = float("nan")
        if number.is_integer():
            return int(number)
        self.violations.append(RuleViolation(path, item["linkId"],
                                             f"{scale.title()} rating {raw!r} must be a whole number from 1 to 5."))
        return None

    def rating(self, group: FhirJson, path: str, default_date: str) -> Rating:
        rating = Rating(date=default_date, path=path)
        for item, sub in _children(group.get("item", []), path):
            if self.unknown(item, sub):
                continue
            name = item["linkId"].removeprefix("problem.rating.")
            if name in SCALES:
                setattr(rating, name, self.score(item, sub, name))
            elif name == "date":
                rating.date = _text(_first(item)) or default_date
            elif name == "note":
                rating.note = _text(_first(item))
        return rating

    def intervention(self, group: FhirJson, path: str) -> Intervention:
        out = Intervention(category=None, target=None, path=path)
        for item, sub in _children(group.get("item", []), path):
            if self.unknown(item, sub):
                continue
            name, answer = item["linkId"].removeprefix("problem.intervention."), _first(item)
            if name in ("category", "target", "status"):
                value = _code(answer)
                if value:
                    setattr(out, name, value)
            elif name == "description":
                out.description = _text(answer) or ""
            elif name in ("performer", "frequency"):
                setattr(out, name, _text(answer))
        return out

    def problem(self, group: FhirJson, path: str, default_date: str, author: str | None) -> Problem:
        out = Problem(code="", path=path)
        for item, sub in _children(group.get("item", []), path):
            if self.unknown(item, sub):
                continue
            link, answer = item["linkId"], _first(item)
            if link in ("problem.code", "problem.scope", "problem.severity", "problem.status"):
                setattr(out, link.removeprefix("problem."), _code(answer) or "")
            elif link == "problem.signs-symptoms":
                out.signs_symptoms = [c for c in (_code(a) for a in _answers(item)) if c]
            elif link == "problem.identified-by":
                out.identified_by = _text(answer)
            elif link == "problem.identified-on":
                out.identified_on = _text(answer)
            elif link == "problem.note":
                out.note = _text(answer)
            elif link == "problem.rating":
                rating = self.rating(item, sub, default_date)
                rating.rated_by = rating.rated_by or author
                out.ratings.append(rating)
            elif link == "problem.intervention":
                out.interventions.append(self.intervention(item, sub))
        out.status = out.status or "active"
        out.scope = out.scope or "individual"
        if not out.code:
            self.violations.append(RuleViolation(locate(path, "problem.code", "code"), "problem.code",
                                                 "Each problem needs its Omaha problem number."))
        return out


def parse_response(qr: FhirJson, patient: str, author: str | None, known: set[str]) -> tuple[
        Assessment, list[RuleViolation]]:
    """The Assessment a response describes, plus what could not be read (unknown items,
    ratings that are not whole numbers). `known` is the Questionnaire's set of linkIds."""
    if qr.get("resourceType") != "QuestionnaireResponse":
        raise ValueError("extraction needs a QuestionnaireResponse")
    reader = _Reader(known)
    top = list(_children(qr.get("item", []), ROOT))
    date = next((_text(_first(i)) for i, _ in top if i.get("linkId") == "assessment-date"), None)
    date = date or qr.get("authored") or ""
    who = author or (qr.get("author") or {}).get("reference")
    assessment = Assessment(patient=patient, date=date, author=who)
    for item, path in top:
        if reader.unknown(item, path):
            continue
        if item["linkId"] == "problem":
            assessment.problems.append(reader.problem(item, path, date[:10], who))
    if not date:
        reader.violations.append(RuleViolation(ROOT + ".authored", "assessment-date",
                                               "The assessment needs a date (assessment-date or authored)."))
    return assessment, reader.violations
