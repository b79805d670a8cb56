"""One gateway per module for the corpus (its requests store nothing, so they can share it), on
SQLite and, when GATEWAY_TEST_POSTGRES_URL is set, on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.auth.tokens import mint_token
from gateway.settings import Settings
from gateway.storage.migrate import upgrade
from tests.conftest import BACKENDS, _truncate


@pytest.fixture(scope="module", params=BACKENDS)
def shared_client(request: pytest.FixtureRequest,
                  tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """A TestClient on a migrated, empty database, and admin headers, for a whole module."""
    root = tmp_path_factory.mktemp("hardening")
    if request.param == "sqlite":
        url = f"sqlite:///{root / 'gateway.db'}"
        upgrade(url)
    else:
        url = request.getfixturevalue("postgres_database")
        _truncate(url)
    settings = Settings(database_url=url, key_dir=root / "keys", base_url="http://testserver", audit_flush_ms=1.0,
                        delivery_worker=False)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client, {"Authorization": f"Bearer {mint_token(settings, 'hardening', 'admin')}"}
