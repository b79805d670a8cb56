"""A receiver that was down gets everything, in order; `$events` replays any range; `$status`
tells where a subscription stands; a gateway restart (or a worker killed holding a lease) loses
nothing."""

from __future__ import annotations

import time
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from gateway.app import create_app
from gateway.delivery import outbox
from gateway.delivery.tables import delivery_outbox
from gateway.settings import Settings
from gateway.storage.engine import open_database
from tests.gateway.api.fhir_api import FhirApi
from tests.gateway.subscriptions import builders
from tests.gateway.subscriptions.receiver import Receiver
from tests.gateway.subscriptions.test_end_to_end import active_subscription, person, transaction


def ratings(patient: str, condition_id: str, count: int, start: int = 0) -> list[dict[str, Any]]:
    """`count` successive ratings, each different from the one before (status alternates 2/3)."""
    first = date(2026, 1, 1)
    days = [first + timedelta(days=start + i) for i in range(count)]
    return [builders.rating(patient, condition_id, day.isoformat(), 3, 3, 2 + (start + i) % 2)
            for i, day in enumerate(days)]


def test_receiver_down_gets_all_in_order_then_replay(fhir: FhirApi, receiver: Receiver) -> None:
    # Setup: an active subscription and a problem (event 1).
    patient = person(fhir)
    sub = active_subscription(fhir, receiver, filters=[f"patient={patient}"])
    cond = builders.problem(patient)
    assert fhir.post("", transaction(cond)).status_code == 200
    assert receiver.wait_for(lambda: len(receiver.events()) == 1)

    # The receiver goes down while 100 ratings change (events 2..101).
    receiver.stop()
    for obs in ratings(patient, cond["id"], 100):
        assert fhir.put(f"Observation/{obs['id']}", obs).status_code == 201
    time.sleep(0.3)
    status = fhir.get(f"Subscription/{sub['id']}/$status").json()
    params = {p["name"]: p for p in status["entry"][0]["resource"]["parameter"]}
    assert params["events-since-subscription-start"]["valueString"] == "101"
    assert "error" in params  # the head event is failing while the receiver is down

    # It comes back: every event arrives, exactly once, in order.
    receiver.start()
    assert receiver.wait_for(lambda: len(receiver.events()) >= 101, timeout=30)
    numbers = [n for r in receiver.events() for n in r.event_numbers]
    assert numbers == list(range(1, 102))

    # $events replays any range, oldest first, with the requested payload.
    replay = fhir.get(f"Subscription/{sub['id']}/$events", eventsSinceNumber="40", eventsUntilNumber="45",
                      content="full-resource").json()
    assert replay["type"] == "history"
    params = replay["entry"][0]["resource"]["parameter"]
    assert next(p for p in params if p["name"] == "type")["valueCode"] == "query-event"
    events = [p for p in params if p["name"] == "notification-event"]
    assert [int(e["part"][0]["valueString"]) for e in events] == list(range(40, 46))
    assert [e["resource"]["resourceType"] for e in replay["entry"][1:]] == ["Observation"] * 6
    everything = fhir.get(f"Subscription/{sub['id']}/$events").json()
    replayed = [p for p in everything["entry"][0]["resource"]["parameter"] if p["name"] == "notification-event"]
    assert len(replayed) == 101
    backwards = fhir.get(f"Subscription/{sub['id']}/$events", eventsSinceNumber="9", eventsUntilNumber="3")
    assert backwards.status_code == 400


def test_restart_loses_nothing(settings: Settings, receiver: Receiver, auth: dict[str, str]) -> None:
    # First gateway: a subscription is active, then the receiver dies and changes pile up.
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        fhir = FhirApi(client, auth)
        patient = person(fhir)
        sub = active_subscription(fhir, receiver, filters=[f"patient={patient}"])
        cond = builders.problem(patient)
        receiver.stop()
        assert fhir.post("", transaction(cond)).status_code == 200
        for obs in ratings(patient, cond["id"], 10):
            assert fhir.put(f"Observation/{obs['id']}", obs).status_code == 201

    # A worker "killed mid-delivery": it leased the head row and never finished.
    db = open_database(settings.database_url)
    with db.writer.begin() as conn:
        conn.execute(update(delivery_outbox).values(next_attempt_at=0))  # due now, whatever the backoff said
        held = outbox.claim(conn, "killed-worker", 10, lease_us=1_000_000)
    db.dispose()
    assert held and held[0].sub_id == sub["id"]

    # A new gateway on the same database, the receiver back: all 11 events arrive, in order.
    receiver.start()
    with TestClient(create_app(settings), raise_server_exceptions=False):
        assert receiver.wait_for(lambda: len(receiver.events()) >= 11, timeout=20)
    assert [n for r in receiver.events() for n in r.event_numbers] == list(range(1, 12))


@pytest.mark.slow
def test_a_receiver_down_for_a_minute_gets_all_100_in_order(fhir: FhirApi, receiver: Receiver,
                                                              settings: Settings) -> None:
    """The issue's scenario at its real length, with the default retry backoff (0.5 s doubling, 5 min
    cap): the receiver is down for a full minute while 100 ratings change."""
    if settings.database_url.startswith("postgresql"):
        pytest.skip("runs once, on SQLite: a minute of waiting; the PostgreSQL outbox is covered above")
    patient = person(fhir)
    sub = active_subscription(fhir, receiver, filters=[f"patient={patient}"])
    cond = builders.problem(patient)
    assert fhir.post("", transaction(cond)).status_code == 200
    assert receiver.wait_for(lambda: len(receiver.events()) == 1)

    receiver.stop()
    down_at = time.monotonic()
    for obs in ratings(patient, cond["id"], 100):
        assert fhir.put(f"Observation/{obs['id']}", obs).status_code == 201
    time.sleep(max(0.0, 60 - (time.monotonic() - down_at)))
    receiver.start()
    back_at = time.monotonic()

    assert receiver.wait_for(lambda: len(receiver.events()) >= 101, timeout=120)
    caught_up = time.monotonic() - back_at
    assert [n for r in receiver.events() for n in r.event_numbers] == list(range(1, 102))
    # The backoff's next attempt after a minute down comes within about 5 s (attempts at 31.5 s, 63.5 s...).
    assert caught_up < 30, f"took {caught_up:.1f} s after the receiver came back"
    status = fhir.get(f"Subscription/{sub['id']}/$status").json()
    params = {p["name"]: p for p in status["entry"][0]["resource"]["parameter"]}
    assert params["events-since-subscription-start"]["valueString"] == "101"
