"""Shared fixtures for auth tests: settings pointing at a throwaway key directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.auth.keys import LocalKey, ensure_local_key
from gateway.settings import Settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings with a fresh local key directory and the default issuer/audience."""
    return Settings(key_dir=tmp_path / "keys", jwks_url=None)


@pytest.fixture
def local_key(settings: Settings) -> LocalKey:
    """The development signing key for `settings`, created on first use."""
    return ensure_local_key(settings.key_dir)
