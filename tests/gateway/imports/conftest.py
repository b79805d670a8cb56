"""Fixtures for import tests: a repository on the test database and a small synthetic SystmOne extract
(the API fixtures client, token_for and auth come from tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.sample.people import Person, generate_people
from adapters.systmone.sample import write_extract
from gateway.app import build_repository
from gateway.repository.sql import SqlRepository
from gateway.settings import Settings

PEOPLE = 40
SEED = 11


@pytest.fixture(scope="session")
def people() -> list[Person]:
    """Forty synthetic people: enough for every SR table and every deliberate fault of the sample."""
    return generate_people(PEOPLE, SEED)


@pytest.fixture
def extract(people: list[Person], tmp_path: Path) -> Path:
    """A fresh bulk SystmOne extract (folder) for `people`, written into this test's tmp_path."""
    return write_extract(people, tmp_path / "extract", SEED)


@pytest.fixture
def repo(settings: Settings) -> Iterator[SqlRepository]:
    """The gateway's repository (with its write hooks) on the test database."""
    repository = build_repository(settings)
    yield repository
    repository.db.dispose()
