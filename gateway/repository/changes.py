"""What changed in the store since a point in its history: the newest history sequence number,
the resources written after one, and the Patients those resources are about. Read models that
keep derived views (the team's caseload) use it to reread only what changed."""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from gateway.storage.index_tables import search_reference
from gateway.storage.tables import resource_history

_h = resource_history.c
_r = search_reference.c


def latest_change(conn: Connection) -> int:
    """The sequence number of the newest resource version (0 for an empty store)."""
    return int(conn.execute(select(func.max(_h.seq))).scalar() or 0)


def changed_since(conn: Connection, seq: int, limit: int) -> list[tuple[str, str]] | None:
    """(type, id) of every resource written after `seq`; None when more than `limit` were (a caller
    then rebuilds whatever it keeps rather than follow each one)."""
    rows = conn.execute(select(_h.res_type, _h.res_id).where(_h.seq > seq).distinct().limit(limit + 1)).all()
    return None if len(rows) > limit else [(r.res_type, r.res_id) for r in rows]


def patients_of(conn: Connection, changed: list[tuple[str, str]]) -> set[str]:
    """Ids of the Patients the `changed` resources are, or refer to (subject, patient, any reference)."""
    out = {res_id for res_type, res_id in changed if res_type == "Patient"}
    others = [(t, i) for t, i in changed if t != "Patient"]
    for start in range(0, len(others), 500):
        chunk = others[start:start + 500]
        ids = {i for _, i in chunk}
        rows = conn.execute(select(_r.res_type, _r.res_id, _r.target_id).where(
            _r.res_id.in_(ids), _r.target_type == "Patient")).all()
        wanted = set(chunk)
        out.update(r.target_id for r in rows if (r.res_type, r.res_id) in wanted and r.target_id)
    return out
