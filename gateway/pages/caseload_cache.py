"""The caseload kept between requests: each person's facts are read from their whole record once,
then reread only when a resource about them changes (or staff records change, since rows name the
named nurse). A team's caseload page then costs a version check and the week's filter, not a read
of every record; after an import, only the people it touched are read again.

Correct with several gateway processes: each keeps its own copy and checks the store's history
sequence on every request, so no process serves a person's row older than the last write it sees."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Connection

from gateway.linking import linked_patient_ids
from gateway.pages.caseload import PersonFacts, caseload_ids, person_facts
from gateway.repository.changes import changed_since, latest_change, patients_of

# Past this many changed resources since the last look, rebuilding beats following each change.
FOLLOW_AT_MOST = 5_000
# Changes to these can alter any row (named nurse, workers), so they rebuild the whole caseload.
SHARED_TYPES = {"Practitioner", "PractitionerRole", "Organization"}
KEPT_VIEWS = 16  # (readable types, day) combinations kept; roles give a handful


@dataclass
class _View:
    seq: int
    ids: list[str]
    facts: dict[str, PersonFacts] = field(default_factory=dict)


class CaseloadCache:
    """Callable as `caseload(..., cache=CaseloadCache())` expects: (conn, readable, day) -> facts."""

    def __init__(self) -> None:
        self._views: dict[tuple[frozenset[str], date], _View] = {}
        self._lock = threading.Lock()

    def kept(self) -> int:
        """How many views (readable types, day) are kept."""
        return len(self._views)

    def __call__(self, conn: Connection, readable: set[str], as_of: date) -> list[PersonFacts]:
        key = (frozenset(readable), as_of)
        with self._lock:
            seq = latest_change(conn)
            view = self._views.get(key)
            if view is None or view.seq != seq:
                view = self._refresh(conn, view, seq, readable, as_of)
                if key not in self._views and len(self._views) >= KEPT_VIEWS:
                    self._views.pop(next(iter(self._views)))
                self._views[key] = view
            return [view.facts[pid] for pid in view.ids]

    def _refresh(self, conn: Connection, old: _View | None, seq: int, readable: set[str], as_of: date) -> _View:
        ids = caseload_ids(conn)
        stale = self._stale(conn, old)
        view = _View(seq, ids)
        for pid in ids:
            kept = old.facts.get(pid) if old is not None and stale is not None and pid not in stale else None
            view.facts[pid] = kept or person_facts(conn, pid, readable, as_of)
        return view

    @staticmethod
    def _stale(conn: Connection, old: _View | None) -> set[str] | None:
        """The people whose facts may have changed since `old`; None: everyone."""
        if old is None:
            return None
        changed = changed_since(conn, old.seq, FOLLOW_AT_MOST)
        if changed is None or any(t in SHARED_TYPES for t, _ in changed):
            return None
        return {linked_patient_ids(conn, pid)[0] for pid in patients_of(conn, changed)}
