"""Fixtures for subscription tests: a gateway with a fast retry schedule and a drop folder, a real
HTTP receiver, and builders for the Omaha resources and Subscriptions the tests write."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.settings import Settings
from tests.gateway.api.fhir_api import FhirApi
from tests.gateway.api.live_server import free_port
from tests.gateway.subscriptions.receiver import Receiver
from tests.stores import shared_key_dir


@pytest.fixture
def receiver_port() -> int:
    """The loopback port the test's receiver listens on (chosen first, so the gateway can list it)."""
    return free_port()


@pytest.fixture
def outbound_allow(receiver_port: int) -> str:
    """GATEWAY_OUTBOUND_ALLOW for the test gateway: the receiver's loopback origin, nothing else."""
    return f"http://127.0.0.1:{receiver_port}/"


@pytest.fixture
def settings(database_url: str, tmp_path: Path, outbound_allow: str) -> Settings:
    """A gateway whose worker polls often and retries quickly (tests never wait real minutes), and
    whose outbound allow-list names the test receiver."""
    return Settings(database_url=database_url, key_dir=shared_key_dir(), base_url="http://testserver",
                    audit_flush_ms=1.0, delivery_poll_ms=20, delivery_retry_base_ms=20, delivery_retry_max_s=0.2,
                    delivery_lease_s=2, liquidlogic_drop_dir=tmp_path / "drop", outbound_allow=outbound_allow)


@pytest.fixture
def receiver(receiver_port: int) -> Iterator[Receiver]:
    """A notification receiver on its free loopback port, stopped at the end."""
    r = Receiver(receiver_port).start()
    yield r
    r.stop()


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """The app with its lifespan running, so the delivery worker runs in the background."""
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def fhir(client: TestClient, auth: dict[str, str]) -> FhirApi:
    return FhirApi(client, auth)
