"""Which subscriptions want a topic event: topic, status, end date and the filters (patient, team,
problem). Different filter parameters must all match; several values of one match any.

A person may be known by several Patient resources (golden and source records linked through
`Patient.link`), so a patient filter naming any of them matches. A team's caseload is the people
whose CareTeam is that team, or has that team as a participant.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, or_, select

from gateway.storage.index_tables import search_reference
from gateway.storage.tables import resources
from gateway.storage.times import now_us
from gateway.subscriptions.tables import subscription_state
from gateway.subscriptions.triggers import TopicEvent

LIVE = ("requested", "active", "error")


@dataclass(frozen=True, slots=True)
class Candidate:
    sub_id: str
    filters: dict[str, list[str]]


def _ids(refs: set[str], res_type: str) -> list[str]:
    return sorted(r.split("/", 1)[1] for r in refs if r.startswith(f"{res_type}/"))


def linked_patients(conn: Connection, patient: str) -> set[str]:
    """`patient` and every Patient linked to it in either direction (one step each way)."""
    out = {patient}
    r = resources.c
    row = conn.execute(select(r.content).where(r.res_type == "Patient", r.res_id == patient.split("/", 1)[1],
                                               r.deleted.is_(False))).first()
    if row is not None and row.content:
        for link in orjson.loads(row.content).get("link", []):
            ref = (link.get("other") or {}).get("reference", "")
            if ref.startswith("Patient/"):
                out.add(ref)
    s = search_reference.c
    rows = conn.execute(select(s.res_id).where(s.res_type == "Patient", s.param == "link",
                                               s.target_type == "Patient", s.target_id == patient.split("/", 1)[1]))
    out |= {f"Patient/{row.res_id}" for row in rows}
    return out


def caseload_teams(conn: Connection, patients: set[str]) -> set[str]:
    """CareTeam references whose caseload includes any of `patients`."""
    s = search_reference.c
    team_ids = {row.res_id for row in conn.execute(select(s.res_id).where(
        s.res_type == "CareTeam", or_(s.param == "subject", s.param == "patient"),
        s.target_type == "Patient", s.target_id.in_(_ids(patients, "Patient"))))}
    out = {f"CareTeam/{t}" for t in team_ids}
    if team_ids:
        r = resources.c
        for row in conn.execute(select(r.content).where(r.res_type == "CareTeam", r.res_id.in_(sorted(team_ids)),
                                                        r.deleted.is_(False))):
            for participant in orjson.loads(row.content).get("participant", []):
                ref = (participant.get("member") or {}).get("reference", "")
                if ref.startswith("CareTeam/"):
                    out.add(ref)
    return out


class Matcher:
    """Matches topic events of one transaction; caches person lookups across its events."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._people: dict[str, set[str]] = {}
        self._teams: dict[str, set[str]] = {}

    def people(self, patient: str) -> set[str]:
        if patient not in self._people:
            self._people[patient] = linked_patients(self.conn, patient)
        return self._people[patient]

    def teams(self, patient: str) -> set[str]:
        if patient not in self._teams:
            self._teams[patient] = caseload_teams(self.conn, self.people(patient))
        return self._teams[patient]

    def candidates(self, topic_url: str) -> list[Candidate]:
        s = subscription_state.c
        now = now_us()
        rows = self.conn.execute(select(s.sub_id, s.filters, s.end_at).where(
            s.topic == topic_url, s.status.in_(LIVE)).order_by(s.sub_id))
        return [Candidate(row.sub_id, orjson.loads(row.filters)) for row in rows
                if row.end_at is None or row.end_at > now]

    def wants(self, candidate: Candidate, event: TopicEvent) -> bool:
        filters: dict[str, Any] = candidate.filters
        if "patient" in filters:
            if event.patient is None or not self.people(event.patient) & set(filters["patient"]):
                return False
        if "team" in filters:
            if event.patient is None or not self.teams(event.patient) & set(filters["team"]):
                return False
        if "problem" in filters and not event.problems & set(filters["problem"]):
            return False
        return True

    def matching(self, event: TopicEvent) -> list[str]:
        """Ids of the subscriptions that get `event`, in a stable order."""
        return [c.sub_id for c in self.candidates(event.topic.url) if self.wants(c, event)]
