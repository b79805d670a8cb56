"""The assessment service under the operations: the deltas a before-commit hook receives, the
stored Questionnaire, and the read the pages make."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient

from adapters.omaha.questionnaire import QUESTIONNAIRE_ID, QUESTIONNAIRE_URL
from adapters.omaha.rules import AssessmentInvalid
from adapters.uris import SNOMED
from gateway.assessments.questionnaire import publish_questionnaire
from gateway.assessments.service import submit_assessment
from gateway.assessments.view import person_assessment
from gateway.repository.base import WriteEvent
from gateway.repository.sql import SqlRepository
from gateway.repository.unit import UnitOfWork
from tests.adapters.omaha.forms import intervention, problem, response, three_problems
from tests.gateway.api.fhir_api import FhirApi

FhirJson = dict[str, Any]
PersonDeltas = tuple[str, list[Any]]


@pytest.fixture
def repo(client: TestClient) -> SqlRepository:
    return client.app.state.repo  # type: ignore[attr-defined,no-any-return]


@pytest.fixture
def seen(repo: SqlRepository) -> list[list[PersonDeltas]]:
    """What a before-commit hook sees in each unit of work: the deltas in the unit's context."""
    taken: list[list[PersonDeltas]] = []

    def hook(unit: UnitOfWork, _events: list[WriteEvent]) -> None:
        taken.append(list(unit.context.deltas))

    repo.hooks.before_commit.insert(0, hook)
    return taken


def test_the_before_commit_hook_gets_the_deltas_once(repo: SqlRepository, person: FhirJson,
                                                     seen: list[list[PersonDeltas]]) -> None:
    submission = submit_assessment(repo, person["id"], three_problems("2026-01-05", (2, 2, 2), (3, 3, 3),
                                                                      (3, 2, 2)), "Practitioner/nurse-1")
    assert len(seen) == 1
    ((patient_id, deltas),) = seen[0]
    assert patient_id == person["id"]
    assert deltas == submission.deltas
    assert {(d.problem_code, d.aspect) for d in deltas if d.aspect == "problem"} == {
        ("24", "problem"), ("27", "problem"), ("35", "problem")}
    assert all(d.condition_id for d in deltas)


def test_an_unchanged_resubmission_hands_over_nothing(repo: SqlRepository, person: FhirJson,
                                                      seen: list[list[PersonDeltas]]) -> None:
    form = three_problems("2026-01-05", (2, 2, 2), (3, 3, 3), (3, 2, 2))
    submit_assessment(repo, person["id"], form, "Practitioner/nurse-1")
    again = submit_assessment(repo, person["id"], form, "Practitioner/nurse-1")
    assert again.deltas == []
    assert len(seen) == 1  # the second wrote nothing new, so its before-commit hooks did not run


def test_deltas_of_a_rolled_back_unit_do_not_reach_the_next(repo: SqlRepository, person: FhirJson,
                                                           seen: list[list[PersonDeltas]]) -> None:
    # The deltas belong to one unit of work's context: a unit that rolled back takes its deltas with it.
    stale = submit_assessment(repo, person["id"], three_problems("2026-01-05", (2, 2, 2), (3, 3, 3),
                                                                 (3, 2, 2)), "Practitioner/nurse-1").deltas
    seen.clear()
    with pytest.raises(RuntimeError), repo.writing() as unit:
        unit.note_deltas(person["id"], stale)
        raise RuntimeError("rolled back")
    again = submit_assessment(repo, person["id"], three_problems("2026-02-05", (3, 3, 3), (3, 3, 3),
                                                                 (3, 2, 2)), "Practitioner/nurse-1")
    assert again.deltas and again.deltas != stale
    assert seen == [[(person["id"], again.deltas)]]


def test_a_rule_violation_writes_nothing_and_hands_over_nothing(repo: SqlRepository, person: FhirJson,
                                                               seen: list[list[PersonDeltas]]) -> None:
    with pytest.raises(AssessmentInvalid) as caught:
        submit_assessment(repo, person["id"], response("2026-01-05", problem("99")), "Practitioner/nurse-1")
    assert caught.value.violations[0].link_id == "problem.code"
    assert seen == []


def test_the_questionnaire_is_published_once(fhir: FhirApi, repo: SqlRepository) -> None:
    first = publish_questionnaire(repo)
    second = publish_questionnaire(repo)
    assert (first.outcome, second.outcome) == ("created", "unchanged")
    stored = fhir.get(f"Questionnaire/{QUESTIONNAIRE_ID}").json()
    assert stored["url"] == QUESTIONNAIRE_URL
    assert fhir.search(f"Questionnaire?url={QUESTIONNAIRE_URL}")["total"] == 1


def test_the_page_read_has_problems_trend_and_suggestions(fhir: FhirApi, repo: SqlRepository,
                                                          person: FhirJson) -> None:
    fhir.create({"resourceType": "Condition", "subject": {"reference": f"Patient/{person['id']}"},
                 "code": {"coding": [{"system": SNOMED, "code": "44054006", "display": "Type 2 diabetes"}]}})
    submit_assessment(repo, person["id"], three_problems("2026-01-05", (2, 2, 2), (4, 4, 4), (3, 2, 2)),
                      "Practitioner/nurse-1")
    submit_assessment(repo, person["id"], response("2026-02-05", problem("24", signs=("24.01",))),
                      "Practitioner/nurse-1")
    page = person_assessment(repo, person["id"])
    assert sorted(p.code for p in page.assessment.problems) == ["24", "27", "35"]
    assert [t.problem_code for t in page.trends] == ["24", "27", "35"]
    # Diabetes maps to Nutrition, which is already an active problem: nothing to suggest.
    assert page.suggestions == []


def test_two_forms_submitted_at_once_both_land_in_the_care_plan(repo: SqlRepository, person: FhirJson) -> None:
    # Two practitioners submit different problems for the same person at the same moment: the
    # per-person lock serialises them, so neither merge into the care plan is lost.
    forms = [response("2026-01-05", problem("24", severity="potential", interventions=(
                 intervention("02", "17", "Dressing"),))),
             response("2026-01-06", problem("35", severity="potential", interventions=(
                 intervention("04", "15", "Weigh"),)))]
    barrier = threading.Barrier(len(forms))

    def submit(form: FhirJson) -> None:
        barrier.wait()
        submit_assessment(repo, person["id"], form, "Practitioner/nurse-1")

    with ThreadPoolExecutor(len(forms)) as pool:
        for done in [pool.submit(submit, f) for f in forms]:
            done.result()
    page = person_assessment(repo, person["id"])
    assert sorted((p.code, len(p.interventions)) for p in page.assessment.problems) == [("24", 1), ("35", 1)]
