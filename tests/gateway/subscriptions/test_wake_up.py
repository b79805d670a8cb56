"""The worker is woken by the commit that queued work, not by its poll: with a one-minute poll a
change still reaches the receiver within a second. On SQLite one process delivers per database
file; a second gateway on the same file stands by and takes over when the first stops."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack

import pytest
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.delivery.sole import SoleWorkerLock
from gateway.settings import Settings
from tests.gateway.api.fhir_api import FhirApi
from tests.gateway.subscriptions import builders
from tests.gateway.subscriptions.receiver import Receiver
from tests.gateway.subscriptions.test_catch_up import ratings
from tests.gateway.subscriptions.test_end_to_end import active_subscription, person, transaction

MINUTE_POLL = 60_000.0


@pytest.fixture
def slow_poll(settings: Settings, auth: dict[str, str]) -> Iterator[FhirApi]:
    """A gateway whose worker would poll once a minute: only a wake-up can deliver promptly."""
    slow = settings.model_copy(update={"delivery_poll_ms": MINUTE_POLL})
    with TestClient(create_app(slow), raise_server_exceptions=False) as client:
        yield FhirApi(client, auth)


def test_each_change_is_delivered_within_a_second_without_polling(slow_poll: FhirApi, receiver: Receiver) -> None:
    fhir = slow_poll
    patient = person(fhir)
    active_subscription(fhir, receiver, filters=[f"patient={patient}"])  # the handshake was woken too
    cond = builders.problem(patient)
    assert fhir.post("", transaction(cond)).status_code == 200
    assert receiver.wait_for(lambda: len(receiver.events()) == 1, timeout=1.0)

    # Changes one at a time, each waited for: every notification arrives well inside the poll.
    for i, obs in enumerate(ratings(patient, cond["id"], 5)):
        started = time.monotonic()
        assert fhir.put(f"Observation/{obs['id']}", obs).status_code == 201
        assert receiver.wait_for(lambda n=i + 2: len(receiver.events()) == n, timeout=1.0)
        assert receiver.events()[-1].at - started < 1.0
    assert [n for r in receiver.events() for n in r.event_numbers] == list(range(1, 7))


def test_a_burst_arrives_in_order_within_a_second(slow_poll: FhirApi, receiver: Receiver) -> None:
    fhir = slow_poll
    patient = person(fhir)
    active_subscription(fhir, receiver, filters=[f"patient={patient}"])
    cond = builders.problem(patient)
    assert fhir.post("", transaction(cond)).status_code == 200
    started = time.monotonic()
    for obs in ratings(patient, cond["id"], 30):
        assert fhir.put(f"Observation/{obs['id']}", obs).status_code == 201
    assert receiver.wait_for(lambda: len(receiver.events()) == 31, timeout=5)
    assert receiver.events()[-1].at - started < 5.0
    assert [n for r in receiver.events() for n in r.event_numbers] == list(range(1, 32))


def test_one_sqlite_worker_per_database_file(settings: Settings, receiver: Receiver, auth: dict[str, str]) -> None:
    if not settings.database_url.startswith("sqlite"):
        pytest.skip("on PostgreSQL several workers share the outbox through leases")
    with ExitStack() as first:
        one = first.enter_context(TestClient(create_app(settings), raise_server_exceptions=False))
        with TestClient(create_app(settings), raise_server_exceptions=False) as two:
            # The first gateway holds the file's worker lock: nobody else could take it now.
            assert not SoleWorkerLock(settings.database_url).acquire()
            fhir_one, fhir_two = FhirApi(one, auth), FhirApi(two, auth)
            patient = person(fhir_one)
            active_subscription(fhir_two, receiver, filters=[f"patient={patient}"])
            cond = builders.problem(patient)
            assert fhir_two.post("", transaction(cond)).status_code == 200
            for i, obs in enumerate(ratings(patient, cond["id"], 10)):
                api = fhir_one if i % 2 else fhir_two
                assert api.put(f"Observation/{obs['id']}", obs).status_code == 201
            assert receiver.wait_for(lambda: len(receiver.events()) >= 11, timeout=10)
            time.sleep(0.2)  # a second worker would have sent repeats by now

            # The first gateway stops: the second takes over at its next poll.
            first.close()
            later = ratings(patient, cond["id"], 1, start=10)[0]
            assert fhir_two.put(f"Observation/{later['id']}", later).status_code == 201
            assert receiver.wait_for(lambda: len(receiver.events()) >= 12, timeout=5)
    assert [n for r in receiver.events() for n in r.event_numbers] == list(range(1, 13))
    assert len(receiver.of_kind("handshake")) == 1
