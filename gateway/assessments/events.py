"""How a write transaction that changed an Omaha assessment tells the before-commit hooks what
changed (the subscriptions hook turns it into notifications and the social worker's update).

The deltas ride on the connection's `info` dict, tagged with the transaction that made them.
`Connection.info` belongs to the pooled DBAPI connection and outlives the transaction, so a
value left behind by a transaction that rolled back must not reach the next one: the tag makes
`take_deltas` return only the current transaction's deltas, and it removes them as it reads.
"""

from __future__ import annotations

from sqlalchemy import Connection

from adapters.omaha.changes import AssessmentDelta

KEY = "assessment_deltas"
PersonDeltas = tuple[str, list[AssessmentDelta]]  # (Patient id, what changed)


def _pending(conn: Connection) -> list[PersonDeltas]:
    owner, items = conn.info.get(KEY, (None, []))
    return items if owner is conn.get_transaction() else []


def record_deltas(conn: Connection, patient_id: str, deltas: list[AssessmentDelta]) -> None:
    """Called by the assessment service inside its write transaction, after its writes."""
    if not deltas:
        return
    items = _pending(conn)
    items.append((patient_id, list(deltas)))
    conn.info[KEY] = (conn.get_transaction(), items)


def take_deltas(conn: Connection) -> list[PersonDeltas]:
    """For a before-commit hook: every (patient id, deltas) recorded in this transaction, in the
    order recorded; empty for a transaction that changed no assessment. Reading removes them."""
    items = _pending(conn)
    conn.info.pop(KEY, None)
    return items


def peek_deltas(conn: Connection) -> list[PersonDeltas]:
    """The same without removing them, for a second hook that also needs them."""
    return list(_pending(conn))
