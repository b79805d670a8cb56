"""A CareActAssessment form: the answers (QuestionnaireResponse), one Observation per Care Act
outcome so 'who cannot manage nutrition unaided' is a search, and the eligibility decision.

An outcome Observation's value says whether the person can achieve it; when they cannot, four
components say yes/no for each reason the regulations list, e.g. `needs-assistance` = yes.
"""

from __future__ import annotations

from adapters.base import FhirJson
from adapters.liquidlogic import codesystems, ids
from adapters.liquidlogic.forms import Form
from adapters.liquidlogic.to_fhir import form_common
from adapters.liquidlogic.to_fhir.datatypes import observation, ref
from adapters.liquidlogic.to_fhir.events import eligibility_condition, encounter_id

UNABLE_REASONS = ("needs-assistance", "pain-distress-anxiety", "endangers-health-safety", "takes-significantly-longer")


def outcome_observation_id(event_reference: str, outcome: str) -> str:
    return ids.resource_id("event", event_reference, f"care-act-outcome/{outcome}")


def outcome_observations(form: Form) -> list[FhirJson]:
    """One Observation per Care Act outcome, in the order of the CodeSystem."""
    out = []
    answers = form.body["outcomes"]
    for code in codesystems.get("care-act-outcome").displays:
        answer = answers[code]
        can = answer["can_achieve"]
        obs = observation(
            outcome_observation_id(form.event_reference, code),
            codesystems.concept("social-care-record", "care-act-outcome"),
            codesystems.concept("care-act-outcome", code),
            form.la_person_id, form.completed_at, encounter_id(form.event_reference),
            performer=[form_common.practitioner_ref(form)],
            valueCodeableConcept=codesystems.concept("care-act-achievement",
                                                     "can-achieve" if can else "cannot-achieve"),
            derivedFrom=[ref("QuestionnaireResponse", ids.resource_id("form", form.form_id))],
        )
        if not can:
            reasons = set(answer["unable_reasons"])
            obs["component"] = [
                {
                    "code": codesystems.concept("care-act-unable-reason", reason),
                    "valueCodeableConcept": codesystems.concept("cld-flag", "yes" if reason in reasons else "no"),
                }
                for reason in UNABLE_REASONS
            ]
        if answer.get("notes"):
            obs["note"] = [{"text": answer["notes"]}]
        out.append(obs)
    return out


def unmet_outcomes(form: Form) -> list[str]:
    """Care Act outcome codes the form says the person cannot achieve."""
    return [code for code, answer in form.body["outcomes"].items() if not answer["can_achieve"]]


def consistency_warnings(form: Form) -> list[str]:
    """The regulations' test (two or more outcomes + significant wellbeing impact) against the
    decision recorded: a mismatch is kept as a warning, since the worker's decision stands."""
    unmet = len(unmet_outcomes(form))
    significant = form.body["wellbeing_impact"]["significant"]
    decision = form.body["eligibility"]["decision"]
    meets_test = unmet >= 2 and significant
    if decision == "eligible" and not meets_test:
        return [
            f"form {form.form_id}: decision 'eligible' but {unmet} outcome(s) unmet and significant wellbeing "
            f"impact {'recorded' if significant else 'not recorded'} (the regulations need two or more and a "
            "significant impact)"
        ]
    if decision == "not-eligible" and meets_test:
        return [
            f"form {form.form_id}: decision 'not eligible' although {unmet} outcomes are unmet with a "
            "significant wellbeing impact"
        ]
    return []


def eligibility(form: Form) -> FhirJson:
    """The decision as a Condition-like finding, its evidence the unmet outcomes' Observations."""
    decision = form.body["eligibility"]
    unmet = unmet_outcomes(form)
    note = f"{decision['rationale']} Wellbeing: {form.body['wellbeing_impact']['description']}"
    return eligibility_condition(
        form.event_reference,
        form.la_person_id,
        codesystems.concept("care-act-eligibility", decision["decision"]),
        form.completed_at,
        evidence=[ref("Observation", outcome_observation_id(form.event_reference, code)) for code in unmet],
        note=note,
        recorder=form_common.practitioner_ref(form),
    )


def answers(form: Form) -> list[FhirJson]:
    """The form as QuestionnaireResponse items, one group per outcome."""
    outcome_items = []
    for code, display in codesystems.get("care-act-outcome").displays.items():
        answer = form.body["outcomes"][code]
        children = [
            form_common.item(
                f"{code}.can-achieve", "Can the person achieve this outcome?", {"valueBoolean": answer["can_achieve"]}
            )
        ]
        if answer.get("unable_reasons"):
            children.append(
                form_common.item(
                    f"{code}.unable-reasons",
                    "Why not",
                    *(
                        {"valueCoding": codesystems.coding("care-act-unable-reason", r)}
                        for r in answer["unable_reasons"]
                    ),
                )
            )
        notes = form_common.text_item(f"{code}.notes", "Notes", answer.get("notes"))
        if notes:
            children.append(notes)
        outcome_items.append(form_common.item(code, display, children=children))
    wellbeing = form.body["wellbeing_impact"]
    decision = form.body["eligibility"]
    return [
        form_common.item("outcomes", "Care Act eligibility outcomes", children=outcome_items),
        form_common.item(
            "wellbeing-impact",
            "Impact on wellbeing",
            children=[
                form_common.item(
                    "wellbeing-impact.significant",
                    "Is there a significant impact on wellbeing?",
                    {"valueBoolean": wellbeing["significant"]},
                ),
                form_common.item(
                    "wellbeing-impact.description", "Describe the impact", {"valueString": wellbeing["description"]}
                ),
            ],
        ),
        form_common.item(
            "eligibility",
            "Eligibility decision",
            children=[
                form_common.item(
                    "eligibility.decision",
                    "Decision",
                    {"valueCoding": codesystems.coding("care-act-eligibility", decision["decision"])},
                ),
                form_common.item("eligibility.rationale", "Rationale", {"valueString": decision["rationale"]}),
            ],
        ),
        form_common.item(
            "needs-in-own-words",
            "The person's needs in their own words",
            {"valueString": form.body["needs_in_own_words"]},
        ),
    ]


def care_act_assessment(form: Form) -> tuple[list[FhirJson], list[str]]:
    """All resources of one assessment form, and any consistency warnings."""
    resources = [
        form_common.practitioner(form),
        form_common.questionnaire_response(form, answers(form), encounter_id(form.event_reference)),
        *outcome_observations(form),
        eligibility(form),
    ]
    return resources, consistency_warnings(form)
