"""Subscriptions may only point where the outbound allow-list says: refused when written (422
naming why), and refused again at delivery, after DNS, before any connection. DNS answers come
from a stub resolver; nothing leaves this machine."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.delivery.worker import DeliveryWorker
from gateway.outbound.configured import policy_from_settings
from gateway.settings import Settings
from tests.gateway.api.fhir_api import FhirApi, assert_outcome
from tests.gateway.subscriptions import builders
from tests.gateway.subscriptions.receiver import Receiver
from tests.gateway.subscriptions.test_end_to_end import active_subscription


@pytest.mark.parametrize(("endpoint", "why"), [
    ("http://169.254.169.254/latest/meta-data/", "cloud metadata address"),
    ("https://metadata.google.internal/computeMetadata/v1/", "cloud metadata service"),
    ("http://testserver/fhir/AuditEvent", "the gateway itself"),
    ("http://127.0.0.1:9/hook", "not under any URL prefix"),
    ("http://unlisted.example.test/hook", "only https"),
    ("https://unlisted.example.test/hook", "GATEWAY_OUTBOUND_ALLOW"),
])
def test_unlisted_and_forbidden_endpoints_are_refused_when_written(fhir: FhirApi, endpoint: str, why: str) -> None:
    outcome = assert_outcome(fhir.post("Subscription", builders.subscription(endpoint)), 422)
    issue = outcome["issue"][0]
    assert issue["expression"] == ["Subscription.channel.endpoint"] and why in issue["diagnostics"]
    assert fhir.search("Subscription")["total"] == 0


def test_an_update_cannot_move_a_subscription_somewhere_forbidden(fhir: FhirApi, receiver: Receiver) -> None:
    sub = active_subscription(fhir, receiver)  # the handshake's own write is over: no race with ours
    sub = fhir.get(f"Subscription/{sub['id']}").json()
    moved = {**sub, "channel": {**sub["channel"], "endpoint": "http://169.254.169.254/"}}
    assert_outcome(fhir.put(f"Subscription/{sub['id']}", moved), 422)
    in_bundle = {"resourceType": "Bundle", "type": "transaction", "entry": [
        {"resource": moved, "request": {"method": "PUT", "url": f"Subscription/{sub['id']}"}}]}
    assert fhir.post("", in_bundle).status_code == 422
    assert fhir.get(f"Subscription/{sub['id']}").json()["channel"]["endpoint"] == receiver.url
    # Switching it off stays possible whatever the endpoint.
    assert fhir.put(f"Subscription/{sub['id']}", {**moved, "status": "off"}).status_code == 200


@pytest.fixture
def outbound_allow(receiver_port: int) -> str:
    return f"http://127.0.0.1:{receiver_port}/,https://hooks.example.test/"


@pytest.fixture
def quiet(settings: Settings, auth: dict[str, str]) -> Iterator[tuple[FhirApi, Settings]]:
    """A gateway without its own delivery worker (the test runs one with a stub resolver), giving up
    on a handshake 0.3 s after it was queued."""
    quiet_settings = settings.model_copy(update={"delivery_worker": False, "delivery_give_up_hours": 0.3 / 3600})
    with TestClient(create_app(quiet_settings), raise_server_exceptions=False) as client:
        yield FhirApi(client, auth), quiet_settings


def test_a_name_resolving_to_metadata_is_refused_at_delivery(quiet: tuple[FhirApi, Settings]) -> None:
    """The worker's own client refuses (no connection is made: see tests/gateway/outbound/test_network.py),
    and the reason, not a network error, is what the subscription shows."""
    fhir, settings = quiet
    sub = fhir.create(builders.subscription("https://hooks.example.test/hook"))  # no DNS when written

    async def resolve(host: str, _port: int) -> list[str]:
        assert host == "hooks.example.test"
        return ["169.254.169.254"]

    async def deliver() -> dict[str, Any]:
        repo = fhir.client.app.state.repo  # type: ignore[attr-defined]  # the TestClient's app
        worker = DeliveryWorker(repo, settings, policy_from_settings(settings, resolve))
        await worker.start()
        try:
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                body: dict[str, Any] = fhir.get(f"Subscription/{sub['id']}").json()
                if body["status"] == "error":
                    return body
                await asyncio.sleep(0.05)
            return body
        finally:
            await worker.stop()

    body = asyncio.run(deliver())
    assert body["status"] == "error"
    assert "refused by the gateway's outbound rules" in body["error"]
    assert "hooks.example.test resolves to 169.254.169.254, a cloud metadata address" in body["error"]
