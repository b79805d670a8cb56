"""One CLD row to everything it says in FHIR: the person's resources, their episode, the event's
resources, plus soft data-quality warnings (the CLD rules that should not cost a row)."""

from __future__ import annotations

from dataclasses import dataclass, field

from adapters.base import ElementMerge, FhirJson
from adapters.liquidlogic.parse import CldEvent, CldRow
from adapters.liquidlogic.to_fhir import carers, events, person, services
from adapters.liquidlogic.to_fhir.datatypes import Coder
from adapters.liquidlogic.to_fhir.episode import EpisodeIndex, episode_of_care

_COSTED_SERVICE_TYPES = frozenset(
    {
        "long-term-nursing",
        "long-term-residential",
        "long-term-community",
        "long-term-prison",
        "carer-support-direct",
        "carer-support-involving-cared-for",
    }
)


@dataclass(slots=True)
class RowResult:
    """What one row becomes (the adapter wraps it in a `Converted`)."""

    resources: list[FhirJson] = field(default_factory=list)
    merges: list[ElementMerge] = field(default_factory=list)
    preserve: dict[str, tuple[str, ...]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def convert_row(row: CldRow, coder: Coder, episodes: EpisodeIndex, events_with_forms: set[str]) -> RowResult:
    """Every resource the row makes. `events_with_forms` names assessments whose CareActAssessment
    form was read: the form, not the row, then owns the eligibility decision."""
    result = RowResult()
    # The person (repeated on every row; same ids, same content)
    result.resources.append(person.patient(row.person, coder))
    result.resources.append(person.person_details(row, coder))
    for optional in (person.primary_support_reason(row.person, coder), person.tracing_flag(row.person)):
        if optional is not None:
            result.resources.append(optional)
    result.resources.extend(carers.related_persons(row, coder))
    summary = episodes.get(row.person.la_person_id)
    if summary is not None:
        result.resources.append(episode_of_care(row, summary))
    if person.needs_tracing(row.person):
        result.warnings.append("no valid NHS number: imported under the LA person id and flagged for tracing")
    # The event
    event = row.event
    if event is not None:
        _event(row, event, coder, events_with_forms, result)
        result.warnings.extend(_quality_warnings(row, event, coder))
    return result


def _event(row: CldRow, event: CldEvent, coder: Coder, events_with_forms: set[str], result: RowResult) -> None:
    if event.event_type == "request":
        result.resources.append(events.service_request(row, event, coder))
    elif event.event_type in ("assessment", "review"):
        result.resources.append(events.encounter(row, event, coder))
        found = (
            events.review_outcomes(row, event, coder)
            if event.event_type == "review"
            else None
            if event.reference in events_with_forms
            else events.eligibility_from_row(row, event, coder)
        )
        if found is not None:
            result.resources.append(found)
    else:
        result.resources.append(services.support_plan_shell(row.person.la_person_id))
        result.merges.append(services.service_activity(row, event, coder))
        result.preserve.update(services.PRESERVE)


def _quality_warnings(row: CldRow, event: CldEvent, coder: Coder) -> list[str]:
    """CLD data-quality rules kept as warnings: they flag a gap without losing the event."""
    out = []
    if event.event_type == "service":
        service_type = coder.code("liquidlogic-service-type", "Service_Type", event.service_type)
        mechanism = (
            coder.code("liquidlogic-delivery-mechanism", "Delivery_Mechanism", event.delivery_mechanism)
            if event.delivery_mechanism
            else ""
        )
        if (
            service_type in _COSTED_SERVICE_TYPES
            and mechanism != "cassr-commissioned-support"
            and (event.unit_cost is None or not event.cost_frequency or event.planned_units_per_week is None)
        ):
            out.append("Unit_Cost, Cost_Frequency_Unit_Type and Planned_units_per_week are expected on this service")
        if service_type == "long-term-prison" and mechanism == "direct-payment":
            out.append("Direct Payment is not allowed for prison services")
    if (
        row.person.client_type == "service-user"
        and not row.person.employment_status
        and row.person.primary_support_reason
        and 18 <= _age(row) <= 64
        and coder.code(
            "liquidlogic-primary-support-reason", "Primary_Support_Reason", row.person.primary_support_reason
        )
        == "learning-disability"
    ):
        out.append("Employment_Status is expected for people aged 18-64 with learning disability support")
    return out


def _age(row: CldRow) -> int:
    born, on = row.person.birth_date, row.period_end
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))
