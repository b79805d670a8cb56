"""A subscription for one person's assessment with a real HTTP receiver: handshake, one
notification per change, received promptly, in the Backport notification shape."""

from __future__ import annotations

import time
from typing import Any

from fastapi.testclient import TestClient
from fhir.resources.R4B import get_fhir_model_class

from gateway.auth.tokens import mint_token
from gateway.pages.handling import COOKIE
from gateway.settings import Settings
from tests.gateway.api.fhir_api import FhirApi
from tests.gateway.subscriptions import builders
from tests.gateway.subscriptions.receiver import Receiver


def transaction(*resources: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "transaction", "entry": [
        {"resource": r, "request": {"method": "PUT", "url": f"{r['resourceType']}/{r['id']}"}} for r in resources]}


def active_subscription(fhir: FhirApi, receiver: Receiver, **kwargs: Any) -> dict[str, Any]:
    """Create a subscription and wait until its handshake made it active."""
    sub = fhir.create(builders.subscription(receiver.url, **kwargs))
    assert sub["status"] == "requested"
    assert receiver.wait_for(lambda: fhir.get(f"Subscription/{sub['id']}").json()["status"] == "active")
    return sub


def person(fhir: FhirApi, la_id: str = "400101") -> str:
    patient = builders.social_care_patient(la_id, fhir.nhs_number())
    assert fhir.put(f"Patient/{patient['id']}", patient).status_code in (200, 201)
    return f"Patient/{patient['id']}"


def test_handshake_then_one_notification_per_change(fhir: FhirApi, receiver: Receiver) -> None:
    # Setup: a person and a subscription to their assessment (and someone else, who must not notify).
    patient = person(fhir)
    other = person(fhir, "400202")
    sub = active_subscription(fhir, receiver, filters=[f"patient={patient}"], content="full-resource")
    handshakes = receiver.of_kind("handshake")
    assert len(handshakes) == 1
    assert handshakes[0].headers.get("Authorization") == "Bearer receiver-secret"

    # A problem with its first rating, in one transaction: one notification.
    cond = builders.problem(patient)
    started = time.monotonic()
    response = fhir.post("", transaction(cond, builders.rating(patient, cond["id"], "2026-01-05", 3, 3, 3)))
    assert response.status_code == 200, response.text
    assert receiver.wait_for(lambda: len(receiver.events()) == 1, timeout=5)
    assert receiver.events()[0].at - started < 1.0

    # Someone else's change: nothing for this subscription.
    other_cond = builders.problem(other)
    assert fhir.post("", transaction(other_cond)).status_code == 200

    # A rating changed through the API: exactly one more notification, within a second.
    started = time.monotonic()
    new_rating = builders.rating(patient, cond["id"], "2026-02-05", 3, 3, 2, note="Needs two carers to wash")
    assert fhir.put(f"Observation/{new_rating['id']}", new_rating).status_code == 201
    assert receiver.wait_for(lambda: len(receiver.events()) == 2, timeout=5)
    latest = receiver.events()[1]
    assert latest.at - started < 1.0
    time.sleep(0.3)
    assert len(receiver.events()) == 2

    # The notification: a history Bundle, event numbers 1 and 2, the rating as focus and in full.
    assert [r.event_numbers for r in receiver.events()] == [[1], [2]]
    bundle = latest.body
    assert bundle["type"] == "history"
    get_fhir_model_class("Bundle").model_validate(bundle)
    status = latest.status
    assert status["subscription"][0]["reference"].endswith(f"Subscription/{sub['id']}")
    assert status["events-since-subscription-start"] == ["2"]
    parts = {p["name"]: p for p in status["notification-event"][0]}
    assert parts["focus"]["valueReference"]["reference"].endswith(f"Observation/{new_rating['id']}")
    resources = [e["resource"] for e in bundle["entry"][1:]]
    assert resources[0]["id"] == new_rating["id"]
    assert resources[0]["component"][2]["valueInteger"] == 2


def _page_form(day: str, knowledge: str, status: str) -> dict[str, str]:
    """The assessment page's form: one problem (38 Personal care, actual) rated on `day`."""
    return {"blocks": "1", "assessment-date": day, "p0.code": "38", "p0.scope": "individual",
            "p0.severity": "actual", "p0.status": "active", "p0.rating-knowledge": knowledge,
            "p0.rating-behavior": "3", "p0.rating-status": status}


def test_a_rating_changed_on_the_assessment_page_notifies_once(client: TestClient, fhir: FhirApi,
                                                               receiver: Receiver, settings: Settings) -> None:
    patient = person(fhir)
    active_subscription(fhir, receiver, filters=[f"patient={patient}"])
    client.cookies.set(COOKIE, mint_token(settings, "page.nurse", "nurse"))
    page = f"/app/people/{patient.removeprefix('Patient/')}/assessment"

    same_site = {"Origin": "http://testserver"}  # as the browser sends with the page's form post
    first = client.post(page, data=_page_form("2026-01-05", "2", "3"), headers=same_site, follow_redirects=False)
    assert first.status_code == 303, first.text
    assert receiver.wait_for(lambda: len(receiver.events()) == 1, timeout=5)

    started = time.monotonic()
    second = client.post(page, data=_page_form("2026-02-05", "2", "2"), headers=same_site, follow_redirects=False)
    assert second.status_code == 303, second.text
    assert receiver.wait_for(lambda: len(receiver.events()) == 2, timeout=5)
    assert receiver.events()[1].at - started < 1.0
    time.sleep(0.3)
    assert len(receiver.events()) == 2  # one notification per saved form, not one per resource written
