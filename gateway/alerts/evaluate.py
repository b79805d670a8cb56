"""Turn what the rules find into alert state: a new firing is recorded as a `firing` event, a
firing that is gone as `resolved`, and each event is queued for the webhook in the same
transaction (so an event is delivered if and only if it was recorded)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Connection, delete, insert, select, update

from gateway.alerts.rules import AlertRule, Firing
from gateway.alerts.tables import alert_events, alert_state
from gateway.alerts.webhook import QUEUE, WEBHOOK_KIND
from gateway.delivery.outbox import enqueue
from gateway.settings import Settings

st = alert_state.c


@dataclass
class Changes:
    """What one evaluation changed."""

    fired: list[Firing] = field(default_factory=list)
    resolved: list[tuple[str, str]] = field(default_factory=list)  # (rule, subject)


def _event(conn: Connection, settings: Settings, rule: str, subject: str, state: str, at: int, summary: str) -> None:
    result = conn.execute(insert(alert_events).values(rule=rule, subject=subject, state=state, at=at, summary=summary))
    seq = result.inserted_primary_key[0] if result.inserted_primary_key else None
    if settings.alert_webhook_url:
        enqueue(conn, QUEUE, WEBHOOK_KIND, item_id=str(seq))


def evaluate(conn: Connection, settings: Settings, rules: list[AlertRule], now: int) -> Changes:
    """One evaluation of every rule, inside the caller's write transaction."""
    firing = {(f.rule, f.subject): f for rule in rules for f in rule.evaluate(conn, settings, now)}
    names = {rule.name for rule in rules}
    known = {(r.rule, r.subject): r for r in conn.execute(select(alert_state)) if r.rule in names}
    changes = Changes()
    for key, item in firing.items():
        if key in known:
            conn.execute(update(alert_state).where(st.rule == key[0], st.subject == key[1])
                         .values(checked=now, summary=item.summary))
            continue
        conn.execute(insert(alert_state).values(rule=item.rule, subject=item.subject, since=now, checked=now,
                                                summary=item.summary))
        _event(conn, settings, item.rule, item.subject, "firing", now, item.summary)
        changes.fired.append(item)
    for key, row in known.items():
        if key not in firing:
            conn.execute(delete(alert_state).where(st.rule == key[0], st.subject == key[1]))
            _event(conn, settings, row.rule, row.subject, "resolved", now, f"resolved: {row.summary}")
            changes.resolved.append(key)
    return changes


def firing_now(conn: Connection) -> list[dict[str, object]]:
    """What is firing, oldest first, for the status page and /metrics."""
    rows = conn.execute(select(alert_state).order_by(st.since, st.rule, st.subject))
    return [{"rule": r.rule, "subject": r.subject, "since": int(r.since), "checked": int(r.checked),
             "summary": r.summary} for r in rows]


def recent_events(conn: Connection, limit: int = 50) -> list[dict[str, object]]:
    e = alert_events.c
    rows = conn.execute(select(alert_events).order_by(e.seq.desc()).limit(limit))
    return [{"rule": r.rule, "subject": r.subject, "state": r.state, "at": int(r.at), "summary": r.summary}
            for r in rows]
