"""The person's whole adult social care episode as one EpisodeOfCare.

CLD has no episode id and each row sees one event, so the adapter first streams the CSV once to
summarise each person's events (`EpisodeSummary`), then every row of that person makes the same
EpisodeOfCare: period from the first event start to the last end, finished only when nothing is
open and the latest event ended with an "NFA" outcome.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from adapters.base import FhirJson
from adapters.liquidlogic import codesystems, ids
from adapters.liquidlogic.parse import CldRow
from adapters.liquidlogic.to_fhir.datatypes import Coder, patient_ref, period

UKCORE_EPISODE = "https://fhir.hl7.org.uk/StructureDefinition/UKCore-EpisodeOfCare"


@dataclass(slots=True)
class EpisodeSummary:
    """What every event row of one person says about their episode."""

    first_start: date
    last_end: date | None
    last_event_end: date
    last_outcome: str  # event outcome code of the latest-ending event ('' if unknown)
    open_service: bool
    la_code: str

    @property
    def finished(self) -> bool:
        return not self.open_service and self.last_outcome.startswith("nfa-")


class EpisodeIndex:
    """Per-person summaries, built from a first pass over the rows (one small record per person)."""

    def __init__(self, coder: Coder) -> None:
        self._coder = coder
        self._people: dict[str, EpisodeSummary] = {}

    def add(self, row: CldRow) -> None:
        event = row.event
        if event is None:
            return
        outcome_map = self._coder.maps["liquidlogic-event-outcome"]
        target = outcome_map.get(event.outcome) if event.outcome else None
        outcome = target.code if target else ""
        end = event.end or event.start
        summary = self._people.get(row.person.la_person_id)
        if summary is None:
            self._people[row.person.la_person_id] = EpisodeSummary(
                event.start, event.end, end, outcome, event.end is None, row.la_code
            )
            return
        summary.first_start = min(summary.first_start, event.start)
        if event.end is not None and (summary.last_end is None or event.end > summary.last_end):
            summary.last_end = event.end
        if end >= summary.last_event_end:
            summary.last_event_end, summary.last_outcome = end, outcome
        summary.open_service = summary.open_service or event.end is None

    def get(self, la_person_id: str) -> EpisodeSummary | None:
        return self._people.get(la_person_id)


def episode_of_care(row: CldRow, summary: EpisodeSummary) -> FhirJson:
    """The person's adult social care episode, managed by the local authority of the return."""
    la_person_id = row.person.la_person_id
    return {
        "resourceType": "EpisodeOfCare",
        "id": ids.resource_id("person", la_person_id, "episode"),
        "meta": {"profile": [UKCORE_EPISODE]},
        "identifier": [ids.identifier("person", la_person_id)],
        "status": "finished" if summary.finished else "active",
        "type": [codesystems.concept("social-care-record", "social-care-episode")],
        "patient": patient_ref(la_person_id),
        "managingOrganization": {
            "identifier": ids.identifier("local-authority", summary.la_code),
            "display": f"Local authority {summary.la_code} adult social care",
        },
        "period": period(summary.first_start, summary.last_end if summary.finished else None),
    }


def episode_ref(la_person_id: str) -> FhirJson:
    return {"reference": f"EpisodeOfCare/{ids.resource_id('person', la_person_id, 'episode')}"}
