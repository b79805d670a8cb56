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
from tests.gateway.subscriptions.receiver import Receiver
from tests.stores import shared_key_dir


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """A gateway whose worker polls often and retries quickly (tests never wait real minutes)."""
    return Settings(database_url=database_url, key_dir=shared_key_dir(), base_url="http://testserver",
                    audit_flush_ms=1.0, delivery_poll_ms=20, delivery_retry_base_ms=20, delivery_retry_max_s=0.2,
                    delivery_lease_s=2, liquidlogic_drop_dir=tmp_path / "drop")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A notification receiver on a free loopback port, stopped at the end."""
    r = Receiver().start()
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
