"""A real gateway for the client-library tests: uvicorn on a free 127.0.0.1 port in a background thread,
on the test database, with an admin token minted from its local key."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from gateway.auth.tokens import mint_token
from gateway.settings import Settings
from tests.gateway.api.live_server import running_gateway


@pytest.fixture
def fhir_base(settings: Settings) -> Iterator[str]:
    """The running gateway's FHIR base URL, e.g. http://127.0.0.1:53211/fhir."""
    with running_gateway(settings) as base:
        yield f"{base}/fhir"


@pytest.fixture
def token(settings: Settings) -> str:
    """An admin bearer token (every scope) the running gateway accepts."""
    return mint_token(settings, "integration-client", "admin")
