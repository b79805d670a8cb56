"""A seeded gateway on a real socket and Debian's chromium driven by Playwright, for the page tests.

The browser is the system's /usr/bin/chromium (installed by .ci/run with apt): a Playwright browser
download cannot work on these machines. Screenshots go to test-artifacts/pages/ (git-ignored)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from adapters.liquidlogic.adapter import LiquidlogicAdapter
from adapters.liquidlogic.sample import write_export
from adapters.sample.people import generate_people
from adapters.systmone.adapter import SystmOneAdapter
from adapters.systmone.sample import write_extract
from gateway.app import build_repository
from gateway.imports.pipeline import ImportRunner
from gateway.settings import Settings
from tests.gateway.api.live_server import running_gateway
from tests.stores import fresh_sqlite_url, shared_key_dir

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "pages"
TABLET = {"width": 1024, "height": 768}
PHONE = {"width": 390, "height": 844}
PEOPLE, SEED = 40, 6


@dataclass(frozen=True)
class Seeded:
    base: str
    settings: Settings


@pytest.fixture(scope="session")
def seeded_gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    """The gateway serving a small synthetic practice (SystmOne + Liquidlogic imported, linked)."""
    root = tmp_path_factory.mktemp("pages-browser")
    settings = Settings(database_url=f"sqlite:///{root / 'gateway.db'}", key_dir=shared_key_dir(),
                        audit_flush_ms=1.0, delivery_worker=False)
    fresh_sqlite_url(settings.database_url)
    people = generate_people(PEOPLE, SEED)
    repo = build_repository(settings)
    runner = ImportRunner(repo, user="test:browser")
    runner.run(SystmOneAdapter(), write_extract(people, root / "systmone", SEED))
    runner.run(LiquidlogicAdapter(), write_export(people, root / "liquidlogic", SEED))
    repo.db.dispose()
    with running_gateway(settings) as base:
        yield Seeded(base, settings.model_copy(update={"base_url": base}))


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Headless Debian chromium (skipped, with the reason, when it is not installed).

    Module-scoped on purpose: Playwright's sync API keeps an event loop running in the main thread
    while it is started, so a session-wide browser would break every later test using asyncio.run."""
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is missing: apt-get install -y chromium chromium-driver (.ci/run does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def shot() -> object:
    """Save a screenshot (whole page, or the viewport with full=False) under test-artifacts/pages/<name>.png."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def save(page: object, name: str, full: bool = True) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=full)  # type: ignore[attr-defined]
        return path

    return save
