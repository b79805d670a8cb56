"""One submitted assessment form creates or updates the Condition, Observation and CarePlan
resources in one transaction; a second assessment a month later updates them and the trend
shows both ratings."""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B import get_fhir_model_class

from adapters.omaha import ids
from adapters.omaha.questionnaire import extract, questionnaire
from adapters.omaha.trend import trend
from adapters.omaha.vocabulary import PROBLEM, RECORD
from adapters.uris import CANONICAL_BASE
from gateway.terminology import default_terminology, expand
from tests.adapters.omaha.forms import three_problems

PATIENT = "Patient/omaha-test-1"
NURSE = "Practitioner/nurse-1"
FhirJson = dict[str, Any]


def _resources(bundle: FhirJson, kind: str | None = None) -> list[FhirJson]:
    return [e["resource"] for e in bundle["entry"] if kind is None or e["resource"]["resourceType"] == kind]


def _codings(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, dict):
        found = [node] if "system" in node and "code" in node else []
        return found + [c for v in node.values() for c in _codings(v)]
    if isinstance(node, list):
        return [c for v in node for c in _codings(v)]
    return []


def test_three_problems_create_conditions_observations_and_care_plan() -> None:
    bundle = extract(three_problems("2026-01-10", (2, 2, 2), (3, 3, 4), (3, 2, 3)), PATIENT, NURSE)

    assert bundle["type"] == "transaction"
    assert all(e["request"]["method"] == "PUT" for e in bundle["entry"])
    conditions = _resources(bundle, "Condition")
    assert sorted(c["code"]["coding"][0]["code"] for c in conditions) == ["24", "27", "35"]
    skin = next(c for c in conditions if c["code"]["coding"][0]["code"] == "24")
    assert skin["id"] == ids.condition_id(PATIENT, "24", "individual")
    assert skin["evidence"][0]["code"][0]["coding"][0]["code"] == "24.01"
    assert skin["recordedDate"] == "2026-01-10"

    observations = _resources(bundle, "Observation")
    assert len(observations) == 3
    skin_rating = next(o for o in observations if o["focus"] == [{"reference": f"Condition/{skin['id']}"}])
    assert [(c["code"]["coding"][0]["code"], c["valueInteger"]) for c in skin_rating["component"]] == [
        ("knowledge", 2), ("behavior", 2), ("status", 2)]
    assert skin_rating["effectiveDateTime"] == "2026-01-10"

    (plan,) = _resources(bundle, "CarePlan")
    assert plan["id"] == ids.care_plan_id(PATIENT)
    assert len(plan["activity"]) == 4
    dressing = plan["activity"][0]["detail"]
    assert dressing["code"]["coding"][0]["code"] == "17"
    assert dressing["extension"][0]["valueCoding"]["code"] == "02"
    assert dressing["reasonReference"] == [{"reference": f"Condition/{skin['id']}"}]
    assert dressing["scheduledString"] == "every 3 days"
    assert plan["activity"][1]["detail"]["performer"] == [{"display": "daughter (informal carer)"}]


def test_every_resource_validates_against_r4b() -> None:
    bundle = extract(three_problems("2026-01-10", (2, 2, 2), (3, 3, 4), (3, 2, 3)), PATIENT, NURSE)
    get_fhir_model_class("Bundle").model_validate(bundle)
    get_fhir_model_class("Questionnaire").model_validate(questionnaire())


def test_every_gateway_code_emitted_is_in_a_served_code_system() -> None:
    term = default_terminology()
    bundle = extract(three_problems("2026-01-10", (2, 2, 2), (3, 3, 4), (3, 2, 3)), PATIENT, NURSE)
    codings = _codings(_resources(bundle)[1:]) + _codings(questionnaire())
    ours = [c for c in codings if c["system"].startswith(CANONICAL_BASE)]
    assert {c["system"] for c in ours} >= {PROBLEM, RECORD}
    missing = [c for c in ours if term.concept(c["system"], c["code"]) is None]
    assert missing == []


def test_questionnaire_answer_value_sets_are_served() -> None:
    def walk(items: list[FhirJson]) -> list[str]:
        return [u for i in items for u in ([i["answerValueSet"]] if "answerValueSet" in i else []) + walk(
            i.get("item", []))]

    urls = walk(questionnaire()["item"])
    assert len(urls) == 6
    assert all(expand(url)["expansion"]["total"] > 0 for url in urls)


def test_second_assessment_a_month_later_updates_and_trend_shows_both() -> None:
    first = extract(three_problems("2026-01-10", (2, 2, 2), (3, 3, 4), (3, 2, 3)), PATIENT, NURSE)
    plan = _resources(first, "CarePlan")[0]
    second = extract(three_problems("2026-02-10", (3, 4, 3), (3, 3, 4), (3, 2, 2)), PATIENT, NURSE,
                     current_care_plan=plan, current_conditions=_resources(first, "Condition"))

    # Same problems -> same Condition ids (an update), new Observations for the new date.
    assert {c["id"] for c in _resources(second, "Condition")} == {c["id"] for c in _resources(first, "Condition")}
    first_obs = {o["id"] for o in _resources(first, "Observation")}
    assert first_obs.isdisjoint({o["id"] for o in _resources(second, "Observation")})
    # Who identified a problem and when is kept from the first assessment.
    assert {c["recordedDate"] for c in _resources(second, "Condition")} == {"2026-01-10"}
    # The plan's activities are updated in place, not duplicated.
    assert len(_resources(second, "CarePlan")[0]["activity"]) == 4

    store = {(r["resourceType"], r["id"]): r for b in (first, second) for r in _resources(b)}
    series = trend(list(store.values()), list(store.values()))
    skin = next(t for t in series if t.problem_code == "24")
    assert skin.problem_name == "Skin"
    assert [(p.date, p.knowledge, p.behavior, p.status) for p in skin.points] == [
        ("2026-01-10", 2, 2, 2), ("2026-02-10", 3, 4, 3)]
    assert [t.problem_code for t in series] == ["24", "27", "35"]


def test_care_plan_merge_keeps_other_activities_and_stops_dropped_ones() -> None:
    first = extract(three_problems("2026-01-10", (2, 2, 2), (3, 3, 4), (3, 2, 3)), PATIENT, NURSE)
    plan = _resources(first, "CarePlan")[0]
    plan["activity"].append({"detail": {"status": "in-progress", "description": "Befriending visit (voluntary)"}})
    form = three_problems("2026-02-10", (3, 4, 3), (3, 3, 4), (3, 2, 2))
    skin_group = form["item"][1]
    skin_group["item"] = [i for i in skin_group["item"] if i.get("linkId") != "problem.intervention"
                          or i["item"][1]["answer"][0]["valueCoding"]["code"] != "52"]
    merged = _resources(extract(form, PATIENT, NURSE, current_care_plan=plan), "CarePlan")[0]

    by_description = {a["detail"].get("description"): a["detail"]["status"] for a in merged["activity"]}
    assert by_description["Befriending visit (voluntary)"] == "in-progress"
    assert by_description["Repositioning advice to daughter"] == "stopped"
    assert by_description["Dress sacral ulcer, hydrocolloid"] == "in-progress"


def test_resubmitting_the_same_form_gives_the_same_bundle() -> None:
    form = three_problems("2026-01-10", (2, 2, 2), (3, 3, 4), (3, 2, 3))
    assert extract(form, PATIENT, NURSE) == extract(form, PATIENT, NURSE)


def test_resources_read_back_into_the_same_assessment() -> None:
    from adapters.omaha.from_fhir import assessment

    bundle = extract(three_problems("2026-01-10", (2, 2, 2), (3, 3, 4), (3, 2, 3)), PATIENT, NURSE)
    back = assessment(_resources(bundle))
    assert back.patient == PATIENT
    by_code = {p.code: p for p in back.problems}
    assert sorted(by_code) == ["24", "27", "35"]
    assert (by_code["24"].severity, by_code["24"].signs_symptoms) == ("actual", ["24.01"])
    assert by_code["35"].severity == "potential"
    assert [(r.knowledge, r.behavior, r.status) for r in by_code["35"].ratings] == [(3, 3, 4)]
    assert [(i.category, i.target, i.frequency) for i in by_code["24"].interventions] == [
        ("02", "17", "every 3 days"), ("01", "52", "weekly")]
