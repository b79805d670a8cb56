"""Golden-file tests, both directions: a small export to its records, and a realistic change to
the HealthAndWellbeingUpdate document (also kept as the shipped example)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from adapters.liquidlogic.from_fhir import Author, build_update
from adapters.omaha.changes import AssessmentDelta
from tests.adapters.liquidlogic.helpers import FIXTURES, UPDATE_GOLDEN, as_json, compare_golden, read, store

EXPORT = FIXTURES / "export-small"
EXAMPLE = (
    Path(__file__).resolve().parents[3] / "adapters" / "liquidlogic" / "examples" / "health-and-wellbeing-update.json"
)


def test_inbound_export_matches_golden() -> None:
    records = [as_json(r) for r in read(EXPORT)]
    compare_golden(records, FIXTURES / "export-small-expected.json")


def _update_inputs() -> tuple[dict, list, list[AssessmentDelta], Author, datetime]:
    resources = store(read(EXPORT))
    spec = json.loads((FIXTURES / "update" / "change-personal-care.json").read_text(encoding="utf-8"))
    patient = next(
        r for (t, _), r in resources.items() if t == "Patient" and r["identifier"][0]["value"] == spec["la_person_id"]
    )
    assessment = [
        r
        for (t, _), r in resources.items()
        if (t == "Encounter" and r["identifier"][0]["value"] == spec["assessment"])
        or (t == "QuestionnaireResponse" and r["identifier"]["value"] == spec["assessment_form"])
    ]
    deltas = [AssessmentDelta(**d) for d in spec["deltas"]]
    return patient, assessment, deltas, Author(**spec["author"]), datetime.fromisoformat(spec["when"])


def test_outbound_update_matches_golden() -> None:
    patient, assessment, deltas, author, when = _update_inputs()
    document = build_update(patient, deltas, author, when, assessment)
    compare_golden(document, FIXTURES / "update" / "change-personal-care-expected.json")


def test_shipped_example_is_a_real_output() -> None:
    patient, assessment, deltas, author, when = _update_inputs()
    document = build_update(patient, deltas, author, when, assessment)
    if UPDATE_GOLDEN:
        EXAMPLE.parent.mkdir(parents=True, exist_ok=True)
        EXAMPLE.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    assert json.loads(EXAMPLE.read_text(encoding="utf-8")) == document
