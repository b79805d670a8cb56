"""Undeliverable events go to a visible dead letter after the configured time and the queue moves
on; a handshake nobody accepts leaves the subscription in error; invalid Subscriptions are refused."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.settings import Settings
from tests.gateway.api.fhir_api import FhirApi, assert_outcome
from tests.gateway.subscriptions import builders
from tests.gateway.subscriptions.receiver import Receiver
from tests.gateway.subscriptions.test_catch_up import ratings
from tests.gateway.subscriptions.test_end_to_end import active_subscription, person, transaction


@pytest.fixture
def quick_give_up(settings: Settings, auth: dict[str, str]) -> Iterator[FhirApi]:
    """A gateway that gives up on a delivery 0.4 s after the event."""
    fast = settings.model_copy(update={"delivery_give_up_hours": 0.4 / 3600})
    with TestClient(create_app(fast), raise_server_exceptions=False) as client:
        yield FhirApi(client, auth)


def test_dead_letter_is_visible_and_the_queue_moves_on(quick_give_up: FhirApi, receiver: Receiver) -> None:
    fhir = quick_give_up
    patient = person(fhir)
    sub = active_subscription(fhir, receiver, filters=[f"patient={patient}"])
    cond = builders.problem(patient)

    # The receiver refuses everything: events 1 and 2 are dead-lettered after the give-up time.
    receiver.answer = 503
    assert fhir.post("", transaction(cond)).status_code == 200
    first = ratings(patient, cond["id"], 1)[0]
    assert fhir.put(f"Observation/{first['id']}", first).status_code == 201
    client = fhir.client
    assert receiver.wait_for(lambda: client.get("/api/delivery/dead-letters", headers=fhir.headers)
                             .json()["count"] == 2, timeout=10)
    dead = client.get("/api/delivery/dead-letters", headers=fhir.headers).json()["items"]
    assert sorted(d["event_number"] for d in dead) == [1, 2]
    assert all(d["subscription"] == sub["id"] and "503" in d["last_error"] for d in dead)

    # The receiver recovers: the next event is delivered; the dead ones are not replayed by themselves.
    receiver.answer = 200
    second = ratings(patient, cond["id"], 1, start=1)[0]
    assert fhir.put(f"Observation/{second['id']}", second).status_code == 201
    assert receiver.wait_for(lambda: len(receiver.events()) == 1)
    assert receiver.events()[0].event_numbers == [3]

    # An operator re-queues dead letter 1: it is delivered.
    one = next(d for d in dead if d["event_number"] == 1)
    assert client.post(f"/api/delivery/dead-letters/{one['seq']}/retry", headers=fhir.headers).status_code == 200
    assert receiver.wait_for(lambda: len(receiver.events()) == 2)
    assert receiver.events()[1].event_numbers == [1]
    assert client.post(f"/api/delivery/dead-letters/{one['seq']}/retry", headers=fhir.headers).status_code == 404


def test_failed_handshake_puts_the_subscription_in_error(quick_give_up: FhirApi, receiver: Receiver) -> None:
    receiver.answer = 500
    sub = quick_give_up.create(builders.subscription(receiver.url))
    assert receiver.wait_for(lambda: quick_give_up.get(f"Subscription/{sub['id']}").json()["status"] == "error")
    body = quick_give_up.get(f"Subscription/{sub['id']}").json()
    assert "handshake" in body["error"]

    # Asking again (status requested) starts a new handshake, which now succeeds.
    receiver.answer = 200
    assert quick_give_up.put(f"Subscription/{sub['id']}", {**body, "status": "requested"}).status_code == 200
    assert receiver.wait_for(lambda: quick_give_up.get(f"Subscription/{sub['id']}").json()["status"] == "active")
    assert len(receiver.of_kind("handshake")) == 1


@pytest.mark.parametrize(("change", "where"), [
    ({"criteria": "Observation?code=1234"}, "Subscription.criteria"),
    ({"channel": {"type": "email", "endpoint": "mailto:a@example.org"}}, "Subscription.channel.type"),
    ({"channel": {"type": "rest-hook", "endpoint": "ftp://example.org/x"}}, "Subscription.channel.endpoint"),
    ({"_criteria": {"extension": [{"url": builders.FILTER_CRITERIA, "valueString": "Observation?code=123"}]}},
     "Subscription.criteria.extension"),
])
def test_unusable_subscriptions_are_refused(fhir: FhirApi, change: dict[str, object], where: str) -> None:
    body = {**builders.subscription("http://127.0.0.1:9/hook"), **change}
    outcome = assert_outcome(fhir.post("Subscription", body), 422)
    assert outcome["issue"][0]["expression"] == [where]


def test_topics_are_published(fhir: FhirApi) -> None:
    from fhir.resources.R4B import get_fhir_model_class

    bundle = fhir.search("SubscriptionTopic")
    urls = {e["resource"]["url"] for e in bundle["entry"]}
    assert urls == {builders.ASSESSMENT, builders.ADMISSION, builders.HEALTH_CHANGE}
    for entry in bundle["entry"]:
        get_fhir_model_class("SubscriptionTopic").model_validate(entry["resource"])
    one = fhir.get("SubscriptionTopic/integrated-assessment-changed").json()
    assert {f["filterParameter"] for f in one["canFilterBy"]} == {"patient", "team", "problem"}
    assert fhir.get("SubscriptionTopic/nope").status_code == 404
