"""One small synthetic practice imported once per module, and a TestClient per test on it, signed
in through the page cookie as a chosen role or with chosen scopes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from adapters.liquidlogic.adapter import LiquidlogicAdapter
from adapters.liquidlogic.sample import write_export
from adapters.sample.people import generate_people
from adapters.systmone.adapter import SystmOneAdapter
from adapters.systmone.sample import write_extract
from gateway.app import build_repository, create_app
from gateway.auth.tokens import mint_token
from gateway.imports.pipeline import ImportRunner
from gateway.pages.caseload import caseload_ids
from gateway.pages.handling import COOKIE
from gateway.settings import Settings
from tests.stores import fresh_sqlite_url, shared_key_dir

PEOPLE, SEED = 40, 6


@pytest.fixture(scope="module")
def practice(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings of a migrated SQLite gateway holding SystmOne and Liquidlogic samples of 40 people."""
    root: Path = tmp_path_factory.mktemp("pages")
    settings = Settings(database_url=f"sqlite:///{root / 'gateway.db'}", key_dir=shared_key_dir(),
                        base_url="http://testserver", audit_flush_ms=1.0, delivery_worker=False)
    fresh_sqlite_url(settings.database_url)
    people = generate_people(PEOPLE, SEED)
    repo = build_repository(settings)
    runner = ImportRunner(repo, user="test:pages")
    runner.run(SystmOneAdapter(), write_extract(people, root / "systmone", SEED))
    runner.run(LiquidlogicAdapter(), write_export(people, root / "liquidlogic", SEED))
    repo.db.dispose()
    return settings


@pytest.fixture
def app_client(practice: Settings) -> Iterator[TestClient]:
    """A client of the app on the practice; not signed in, redirects not followed. It sends the
    Origin header a browser sends with the pages' form posts."""
    with TestClient(create_app(practice), raise_server_exceptions=False, follow_redirects=False,
                    headers={"Origin": "http://testserver"}) as client:
        yield client


@pytest.fixture
def sign_in(app_client: TestClient, practice: Settings) -> Callable[..., TestClient]:
    """Put a token in the session cookie: sign_in('nurse') or sign_in('nurse', scopes=[...])."""

    def as_(role: str, user: str = "pages.tester", scopes: list[str] | None = None) -> TestClient:
        app_client.cookies.set(COOKIE, mint_token(practice, user, role, scopes=scopes))
        return app_client

    return as_


@pytest.fixture(scope="module")
def person_ids(practice: Settings) -> list[str]:
    """The caseload's people (their golden ids where linked)."""
    repo = build_repository(practice)
    try:
        with repo.reading() as conn:
            return caseload_ids(conn)
    finally:
        repo.db.dispose()
