"""SupportPlan and Review forms.

A support plan's wanted outcomes become Goals (categorised by the Care Act outcomes they serve),
and the plan's goals, informal support and personal budget are merged into the person's support
plan CarePlan beside the services the CLD rows put there. A review keeps its answers as a
QuestionnaireResponse linked to the review Encounter.
"""

from __future__ import annotations

from decimal import Decimal

from adapters.base import ElementMerge, FhirJson
from adapters.liquidlogic import codesystems, ids
from adapters.liquidlogic.forms import Form
from adapters.liquidlogic.to_fhir import form_common
from adapters.liquidlogic.to_fhir.carers import related_person_id
from adapters.liquidlogic.to_fhir.datatypes import ext, money, patient_ref, ref
from adapters.liquidlogic.to_fhir.events import encounter_id
from adapters.liquidlogic.to_fhir.services import element_id, support_plan_id, support_plan_shell


def goal_id(form: Form, outcome_id: str) -> str:
    return ids.resource_id("event", form.event_reference, f"goal/{outcome_id}")


def goals(form: Form) -> list[FhirJson]:
    """One Goal per outcome the person wants, in their words."""
    out = []
    for wanted in form.body["outcomes_wanted"]:
        goal: FhirJson = {
            "resourceType": "Goal",
            "id": goal_id(form, wanted["id"]),
            "lifecycleStatus": "active",
            "description": {"text": wanted["description"]},
            "subject": patient_ref(form.la_person_id),
            "startDate": form.completed_at[:10],
            "expressedBy": patient_ref(form.la_person_id),
        }
        if wanted.get("care_act_outcomes"):
            goal["category"] = [codesystems.concept("care-act-outcome", c) for c in wanted["care_act_outcomes"]]
        out.append(goal)
    return out


def _goal_refs(form: Form, outcome_ids: list[str]) -> list[FhirJson]:
    known = {w["id"] for w in form.body["outcomes_wanted"]}
    return [ref("Goal", goal_id(form, o)) for o in outcome_ids if o in known]


def plan_merges(form: Form) -> list[ElementMerge]:
    """Goal references, informal support activities and the personal budget, as parts of the
    person's support plan CarePlan."""
    plan = support_plan_id(form.la_person_id)
    merges = []
    for wanted in form.body["outcomes_wanted"]:
        gid = goal_id(form, wanted["id"])
        merges.append(ElementMerge("CarePlan", plan, "goal", gid, {"id": gid, "reference": f"Goal/{gid}"}))
    for index, support in enumerate(form.body["informal_support"], start=1):
        key = element_id(f"{form.event_reference}/informal/{index}")
        performer: FhirJson = {"display": support["who"]}
        if support.get("LA_Person_Unique_Identifier"):
            performer = ref(
                "RelatedPerson",
                related_person_id(support["LA_Person_Unique_Identifier"], form.la_person_id),
                support["who"],
            )
        detail: FhirJson = {
            "code": codesystems.concept("social-care-record", "informal-support", support.get("relationship")),
            "status": "in-progress",
            "performer": [performer],
            "description": support["support"],
        }
        goal_refs = _goal_refs(form, support["meets_outcomes"])
        if goal_refs:
            detail["goal"] = goal_refs
        merges.append(ElementMerge("CarePlan", plan, "activity", key, {"id": key, "detail": detail}))
    budget = form.body.get("personal_budget")
    if budget is not None:
        element: FhirJson = {
            "id": "personal-budget",
            **ext("social-care-personal-budget-weekly", valueMoney=money(Decimal(str(budget["weekly_amount"])))),
        }
        merges.append(ElementMerge("CarePlan", plan, "extension", "personal-budget", element))
    return merges


def support_plan_answers(form: Form) -> list[FhirJson]:
    wanted = [
        form_common.item(
            f"outcome.{w['id']}",
            w["description"],
            *({"valueCoding": codesystems.coding("care-act-outcome", c)} for c in w.get("care_act_outcomes", [])),
        )
        for w in form.body["outcomes_wanted"]
    ]
    services = [
        form_common.item(
            f"service.{s['Event_Reference']}", s["description"], *({"valueString": o} for o in s["meets_outcomes"])
        )
        for s in form.body["services"]
    ]
    informal = [
        form_common.item(
            f"informal.{i}", f"{s['who']}: {s['support']}", *({"valueString": o} for o in s["meets_outcomes"])
        )
        for i, s in enumerate(form.body["informal_support"], start=1)
    ]
    items = [form_common.item("outcomes-wanted", "Outcomes the person wants", children=wanted)]
    if services:
        items.append(form_common.item("services", "Services and the outcomes they meet", children=services))
    if informal:
        items.append(
            form_common.item("informal-support", "Informal support and the outcomes it meets", children=informal)
        )
    budget = form.body.get("personal_budget")
    if budget is not None:
        items.append(
            form_common.item(
                "personal-budget", "Personal budget (weekly, GBP)", {"valueDecimal": float(budget["weekly_amount"])}
            )
        )
        if budget.get("delivery_mechanism"):
            items.append(
                form_common.item(
                    "personal-budget.delivery-mechanism",
                    "How the budget is managed",
                    {"valueString": budget["delivery_mechanism"]},
                )
            )
    return items


def support_plan(form: Form) -> tuple[list[FhirJson], list[ElementMerge]]:
    """Resources and CarePlan merges of one SupportPlan form."""
    qr = form_common.questionnaire_response(form, support_plan_answers(form), None)
    qr["basedOn"] = [ref("CarePlan", support_plan_id(form.la_person_id))]
    resources = [form_common.practitioner(form), support_plan_shell(form.la_person_id), qr, *goals(form)]
    return resources, plan_merges(form)


def review_answers(form: Form) -> list[FhirJson]:
    outcomes = []
    for index, entry in enumerate(form.body["outcomes_achieved"], start=1):
        children = [
            form_common.item(
                f"outcome.{index}.achieved",
                "Achieved",
                {"valueCoding": codesystems.coding("cld-review-outcome", entry["achieved"])},
            )
        ]
        if entry.get("care_act_outcome"):
            children.append(
                form_common.item(
                    f"outcome.{index}.care-act-outcome",
                    "Care Act outcome",
                    {"valueCoding": codesystems.coding("care-act-outcome", entry["care_act_outcome"])},
                )
            )
        comment = form_common.text_item(f"outcome.{index}.comment", "Comment", entry.get("comment"))
        if comment:
            children.append(comment)
        outcomes.append(form_common.item(f"outcome.{index}", entry["outcome"], children=children))
    items = [
        form_common.item("outcomes-achieved", "Outcomes achieved", children=outcomes),
        form_common.item(
            "overall", "Overall", {"valueCoding": codesystems.coding("cld-review-outcome", form.body["overall"])}
        ),
    ]
    for link_id, text, key in (
        ("changes-to-support", "Changes to support", "changes_to_support"),
        ("reviewed-plan", "Plan reviewed (event reference)", "reviewed_plan"),
    ):
        entry_item = form_common.text_item(link_id, text, form.body.get(key))
        if entry_item:
            items.append(entry_item)
    if form.body.get("next_review_due"):
        items.append(
            form_common.item("next-review-due", "Next review due", {"valueDate": form.body["next_review_due"]})
        )
    return items


def review(form: Form) -> list[FhirJson]:
    """Resources of one Review form."""
    return [
        form_common.practitioner(form),
        form_common.questionnaire_response(form, review_answers(form), encounter_id(form.event_reference)),
    ]
