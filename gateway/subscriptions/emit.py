"""The before-commit hook that turns a write transaction into numbered subscription events and
social care updates, in the same transaction as the change (the transactional outbox).

Event numbers come from the subscription's state row, incremented by an UPDATE in this
transaction: the row lock (PostgreSQL) or the single writer (SQLite) makes the numbers of one
subscription strictly increasing with no gaps, in commit order, across processes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

from sqlalchemy import Connection, insert, update

from gateway.delivery.outbox import enqueue
from gateway.repository.base import ChangeHook, WriteContext, WriteEvent
from gateway.repository.unit import UnitOfWork
from gateway.storage.times import now_us
from gateway.subscriptions.lifecycle import event_queue
from gateway.subscriptions.matching import Matcher
from gateway.subscriptions.tables import subscription_events, subscription_state
from gateway.subscriptions.triggers import TopicEvent, fired

s = subscription_state.c


def next_event_number(conn: Connection, sub_id: str) -> int:
    """The subscription's next event number (1, 2, 3...), taken in the caller's transaction."""
    number = conn.execute(update(subscription_state).where(s.sub_id == sub_id)
                          .values(event_count=s.event_count + 1).returning(s.event_count)).scalar_one()
    return int(number)


def record_event(conn: Connection, sub_id: str, event: TopicEvent) -> int:
    """Number the event for one subscription, keep it for $events and queue its delivery."""
    number = next_event_number(conn, sub_id)
    conn.execute(insert(subscription_events).values(
        sub_id=sub_id, event_number=number, topic=event.topic.url, at=now_us(), patient=event.patient,
        focus=event.focus, context=json.dumps(event.context)))
    enqueue(conn, event_queue(sub_id), "event", sub_id=sub_id, event_number=number)
    return number


# Told of each assessment change a unit of work made, after its subscription events (the inbox
# registers one at start-up, so subscriptions need not know the inbox).
ChangeListener = Callable[[Connection, Matcher, TopicEvent, WriteContext], None]


def make_commit_hook(listeners: Sequence[ChangeListener] = ()) -> ChangeHook:
    """The hook for `Hooks.before_commit`: numbered subscription events for each unit of work,
    whichever door it came through, then each assessment change handed to `listeners`."""

    def subscriptions_before_commit(unit: UnitOfWork, events: list[WriteEvent]) -> None:
        conn = unit.conn
        topic_events = fired(conn, events, unit.context.deltas)
        if not topic_events:
            return
        matcher = Matcher(conn)
        for event in topic_events:
            for sub_id in matcher.matching(event):
                record_event(conn, sub_id, event)
            if event.change is not None and event.patient is not None:
                for listener in listeners:
                    listener(conn, matcher, event, unit.context)

    return subscriptions_before_commit
