"""Load completed assessment forms from files (`gateway import omaha DIR`, and the demo's sample).

Each file is one QuestionnaireResponse to the gateway's Omaha Questionnaire that names its person
by `subject.reference` or by `subject.identifier` (the NHS number, as a form filled in away from
the gateway does). Forms are submitted in assessment order (`authored`), each on its own
transaction through `submit_assessment`, so a file is either written whole or rejected with its
reason: every file ends up created, updated, unchanged or rejected.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from adapters.omaha.rules import AssessmentInvalid
from gateway.assessments.service import submit_assessment
from gateway.linking import linked_patient_ids
from gateway.outcomes import FhirError
from gateway.repository.conditional import match_ids
from gateway.repository.sql import SqlRepository

FhirJson = dict[str, Any]


@dataclass
class FormOutcome:
    file: str
    outcome: str  # created | updated | unchanged | rejected
    patient_id: str | None = None
    reason: str | None = None


@dataclass
class LoadSummary:
    outcomes: list[FormOutcome] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return dict(Counter(o.outcome for o in self.outcomes))

    def describe(self) -> str:
        """'74 forms (created 74)': the line the CLI and the demo print."""
        counts = ", ".join(f"{k} {v}" for k, v in sorted(self.counts.items()))
        return f"{len(self.outcomes)} forms ({counts or 'none found'})"

    @property
    def rejected(self) -> list[FormOutcome]:
        return [o for o in self.outcomes if o.outcome == "rejected"]


class FormRejected(Exception):
    """The file cannot be submitted; the message says why."""


def _read(path: Path) -> FhirJson:
    try:
        form = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise FormRejected(f"not valid JSON: {exc}") from None
    if not isinstance(form, dict) or form.get("resourceType") != "QuestionnaireResponse":
        raise FormRejected("not a QuestionnaireResponse")
    return form


def _person(repo: SqlRepository, form: FhirJson) -> str:
    """The id the person's assessments are kept under: their golden Patient when linked."""
    subject = form.get("subject") or {}
    reference = subject.get("reference")
    identifier = subject.get("identifier") or {}
    with repo.reading() as conn:
        if isinstance(reference, str) and reference.startswith("Patient/"):
            found = [reference.removeprefix("Patient/")]
        elif identifier.get("system") and identifier.get("value"):
            found = match_ids(conn, "Patient", f"identifier={identifier['system']}|{identifier['value']}", lock=False)
        else:
            raise FormRejected("subject names no Patient (give subject.reference or subject.identifier)")
        if not found:
            raise FormRejected(f"no Patient with identifier {identifier.get('system')}|{identifier.get('value')}")
        return linked_patient_ids(conn, found[0])[0]


def _why(exc: Exception) -> str:
    if isinstance(exc, FhirError):
        return "; ".join(str(i.get("diagnostics", "")) for i in exc.outcome.get("issue", []))
    return str(exc)


def load_forms(repo: SqlRepository, folder: Path, author: str) -> LoadSummary:
    """Submit every `*.json` form under `folder`, oldest assessment first."""
    summary = LoadSummary()
    forms: list[tuple[str, str, FhirJson | None, str | None]] = []
    for path in sorted(folder.glob("*.json")):
        try:
            form = _read(path)
            forms.append((str(form.get("authored") or ""), path.name, form, None))
        except FormRejected as exc:
            forms.append(("", path.name, None, str(exc)))
    for _when, name, read, problem in sorted(forms, key=lambda f: (f[0], f[1])):
        if read is None:
            summary.outcomes.append(FormOutcome(name, "rejected", reason=problem))
            continue
        try:
            patient_id = _person(repo, read)
            submitted = submit_assessment(repo, patient_id, {**read, "subject": {"reference": f"Patient/{patient_id}"}},
                                          author)
        except (FormRejected, FhirError, AssessmentInvalid) as exc:
            summary.outcomes.append(FormOutcome(name, "rejected", reason=_why(exc)))
            continue
        outcome = submitted.results[0].outcome
        summary.outcomes.append(FormOutcome(name, "unchanged" if outcome == "unchanged" else
                                            "created" if outcome == "created" else "updated", patient_id))
    return summary
