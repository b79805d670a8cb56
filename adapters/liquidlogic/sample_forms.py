"""The workflow forms behind a synthetic person's CLD events, written in the shape
`forms.schema.json` defines: the Care Act assessment (outcomes from the person's conditions,
needs in their own words), the support plan (wanted outcomes, services, informal support,
budget) and the review."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from adapters.liquidlogic.sample_story import Event, Story, carer_person_id
from adapters.sample.people import Person

_NOTES = {
    "managing-nutrition": "Skips meals when alone; cannot stand at the cooker for long.",
    "maintaining-personal-hygiene": "Cannot get in or out of the bath safely; needs help to wash.",
    "managing-toilet-needs": "Incontinence at night; needs help changing.",
    "being-appropriately-clothed": "Needs help with buttons, shoes and stockings.",
    "using-home-safely": "Has fallen on the stairs; unsafe moving between rooms alone.",
    "maintaining-habitable-home": "Unable to keep the house clean or warm on their own.",
    "developing-relationships": "Low mood; has stopped seeing friends.",
    "using-community-facilities": "Cannot get to the village shop or surgery without a lift.",
}
_OWN_WORDS = (
    "I want to stay in my own home and not be a burden.",
    "I just want a bit of help in the mornings so I can manage the rest myself.",
    "I'd like to get out to the lunch club again.",
    "I want to be clean and dressed before my daughter comes round.",
)


def _who(story: Story) -> dict[str, str]:
    worker_id, name, role = story.worker
    return {"name": name, "worker_id": worker_id, "role": role}


def assessment_form(person: Person, story: Story, event: Event) -> dict[str, Any]:
    """The Care Act assessment behind a long-term assessment event."""
    unmet = [o for o, (can, _) in story.outcomes.items() if not can]
    outcomes: dict[str, Any] = {}
    for outcome, (can, reasons) in story.outcomes.items():
        answer: dict[str, Any] = {"can_achieve": can}
        if not can:
            answer["unable_reasons"] = list(reasons)
            answer["notes"] = _NOTES.get(outcome, "Needs support.")
        outcomes[outcome] = answer
    significant = len(unmet) >= 2
    impact = (
        "Significant impact on wellbeing: " + ", ".join(o.replace("-", " ") for o in unmet[:3]) + "."
        if significant
        else "Some impact, not significant: manages with occasional help."
    )
    return {
        "form_type": "CareActAssessment",
        "form_version": "1.0",
        "form_id": f"CAA-{event.reference}",
        "LA_Person_Unique_Identifier": story.la_person_id,
        "Event_Reference": event.reference,
        "completed_by": _who(story),
        "completed_at": f"{(event.end or event.start).isoformat()}T16:00:00Z",
        "outcomes": outcomes,
        "wellbeing_impact": {"significant": significant, "description": impact},
        "eligibility": {
            "decision": "eligible" if story.eligible else "not-eligible",
            "needs_arise_from_impairment_or_illness": True,
            "rationale": (
                f"Needs arise from physical or mental impairment; unable to achieve {len(unmet)} of the "
                "specified outcomes with a significant impact on wellbeing."
            )
            if story.eligible
            else "Fewer than two specified outcomes cannot be achieved; information and advice given.",
        },
        "needs_in_own_words": _OWN_WORDS[person.number % len(_OWN_WORDS)],
    }


def support_plan_form(person: Person, story: Story, event: Event) -> dict[str, Any]:
    """The support plan agreed after an eligible assessment."""
    unmet = [o for o, (can, _) in story.outcomes.items() if not can]
    wanted = [
        {
            "id": "daily-care",
            "description": "Be washed, dressed and have a hot meal every day",
            "care_act_outcomes": [
                o
                for o in unmet
                if o
                in (
                    "maintaining-personal-hygiene",
                    "managing-nutrition",
                    "being-appropriately-clothed",
                    "managing-toilet-needs",
                )
            ],
        }
    ]
    wanted.append(
        {
            "id": "stay-connected",
            "description": "Keep in touch with family and friends",
            "care_act_outcomes": [o for o in unmet if o in ("developing-relationships", "using-community-facilities")],
        }
    )
    services = [e for e in story.events if e.kind == "service" and e.start >= event.start]
    weekly = sum(
        (
            Decimal(e.fields.get("Unit_Cost", "0")) * Decimal(e.fields.get("Planned_units_per_week", "0"))
            for e in services
            if e.fields.get("Cost_Frequency_Unit_Type") in ("Hourly", "Weekly")
        ),
        Decimal(0),
    )
    form: dict[str, Any] = {
        "form_type": "SupportPlan",
        "form_id": f"SP-{event.reference}",
        "LA_Person_Unique_Identifier": story.la_person_id,
        "Event_Reference": event.reference,
        "completed_by": _who(story),
        "completed_at": ((event.end or event.start) + timedelta(days=3)).isoformat(),
        "outcomes_wanted": wanted,
        "services": [
            {"Event_Reference": e.reference, "description": e.description, "meets_outcomes": ["daily-care"]}
            for e in services
        ],
        "informal_support": [
            {
                "who": f"{m.given} {m.family}",
                "relationship": m.relationship.capitalize(),
                "LA_Person_Unique_Identifier": carer_person_id(person, m),
                "support": "Shopping, company and help at weekends",
                "meets_outcomes": ["stay-connected"],
            }
            for m in story.carers
        ],
    }
    if weekly:
        form["personal_budget"] = {
            "weekly_amount": float(weekly.quantize(Decimal("0.01"))),
            "currency": "GBP",
            "delivery_mechanism": "CASSR Managed Personal Budget",
        }
    return form


def review_form(story: Story, event: Event) -> dict[str, Any]:
    """The planned review of the support plan."""
    met = event.fields.get("Review_Outcomes_Achieved", "partially-met")
    return {
        "form_type": "Review",
        "form_id": f"RVW-{event.reference}",
        "LA_Person_Unique_Identifier": story.la_person_id,
        "Event_Reference": event.reference,
        "completed_by": _who(story),
        "completed_at": event.start.isoformat(),
        "outcomes_achieved": [
            {
                "outcome": "Be washed, dressed and have a hot meal every day",
                "achieved": met,
                "care_act_outcome": "maintaining-personal-hygiene",
            },
        ],
        "overall": met,
        "changes_to_support": "No change to the package."
        if met == "fully-met"
        else "Calls to be reviewed with the provider.",
        "next_review_due": (event.start + timedelta(days=365)).isoformat(),
    }
