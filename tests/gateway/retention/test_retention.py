"""The retention job purges transient copies past their period, audits each pass, and never touches
care records or the audit trail; every registered purger's default is documented in the README."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client import CollectorRegistry
from sqlalchemy import func, insert, select

from gateway.app import build_repository
from gateway.audit.table import audit_log
from gateway.delivery.tables import delivery_outbox
from gateway.imports.tables import import_runs
from gateway.retention import purgers
from gateway.retention.job import RetentionJob
from gateway.retention.registry import registered
from gateway.retention.run import RETENTION_USER, run_retention
from gateway.settings import Settings
from gateway.storage.tables import resource_history, resources
from gateway.storage.times import now_us
from tests.gateway.api.fhir_api import FhirApi

DAY = 86_400 * 1_000_000
NOW = now_us()


def _outbox_row(seq_hint: str, state: str, created: int, delivered: int | None = None) -> dict[str, object]:
    return {"queue": f"sub:{seq_hint}", "kind": "event", "sub_id": seq_hint, "event_number": 1, "created_at": created,
            "state": state, "attempts": 1, "next_attempt_at": created, "delivered_at": delivered}


def _upload(root: Path, name: str, age_days: float) -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "export.zip").write_bytes(b"PK synthetic")
    when = (NOW - int(age_days * DAY)) / 1_000_000
    os.utime(folder, (when, when))
    return folder


@pytest.fixture
def seeded(settings: Settings, fhir: FhirApi) -> Settings:
    """Care records and their audit rows (through the API), plus transient copies of every age."""
    fhir.create({"resourceType": "Patient", "name": [{"family": "Kept"}]})
    fhir.create({"resourceType": "Observation", "status": "final", "code": {"text": "pulse"}})
    repo = build_repository(settings)
    with repo.db.writer.begin() as conn:
        conn.execute(insert(delivery_outbox), [
            _outbox_row("old-delivered", "delivered", NOW - 200 * DAY, NOW - 200 * DAY),
            _outbox_row("new-delivered", "delivered", NOW - 10 * DAY, NOW - 10 * DAY),
            _outbox_row("old-cancelled", "cancelled", NOW - 100 * DAY),
            _outbox_row("old-dead", "dead", NOW - 400 * DAY),
            _outbox_row("new-dead", "dead", NOW - 100 * DAY),
            _outbox_row("old-pending", "pending", NOW - 400 * DAY),  # still to deliver: never purged
        ])
        busy = _upload(settings.import_upload_dir, "import-upload-busy", 60)
        conn.execute(insert(import_runs).values(
            run_id="run-busy", source="systmone", path=str(busy / "export.zip"), status="running", started=NOW,
            heartbeat=NOW, user_id="t", counts="{}", files="[]"))
    repo.db.dispose()
    _upload(settings.import_upload_dir, "import-upload-old", 45)
    _upload(settings.import_upload_dir, "import-upload-new", 5)
    return settings


def _counts(settings: Settings) -> dict[str, object]:
    repo = build_repository(settings)
    with repo.db.reader.connect() as conn:
        o = delivery_outbox.c
        out = {
            "outbox": sorted(r[0] for r in conn.execute(select(o.sub_id))),
            "resources": conn.execute(select(func.count()).select_from(resources)).scalar_one(),
            "history": conn.execute(select(func.count()).select_from(resource_history)).scalar_one(),
            "audit": conn.execute(select(func.count()).select_from(audit_log)
                                  .where(audit_log.c.user_id != RETENTION_USER)).scalar_one(),
            "retention_audit": [r[0] for r in conn.execute(select(audit_log.c.query)
                                .where(audit_log.c.user_id == RETENTION_USER).order_by(audit_log.c.seq))],
        }
    repo.db.dispose()
    return out


def test_retention_purges_transient_copies_past_their_period_and_nothing_else(seeded: Settings) -> None:
    settings = seeded
    before = _counts(settings)
    repo = build_repository(settings)
    results = run_retention(repo.db.writer, settings, NOW)
    repo.db.dispose()
    assert {r.name: r.removed for r in results} == {"dead-letters": 1, "delivery-attempts": 2, "uploads": 1}
    assert all(r.error is None for r in results)

    after = _counts(settings)
    assert after["outbox"] == ["new-dead", "new-delivered", "old-pending"]
    assert sorted(p.name for p in settings.import_upload_dir.iterdir()) == ["import-upload-busy", "import-upload-new"]
    # Care records, their history and the audit trail are untouched.
    assert (after["resources"], after["history"], after["audit"]) == (
        before["resources"], before["history"], before["audit"])
    # The job audits itself: one row per purger, saying what and how many.
    audited = after["retention_audit"]
    assert isinstance(audited, list) and len(audited) == 3
    assert any(re.search(r"retention uploads: removed 1 .* \(30 days\)", q) for q in audited)
    assert any("retention delivery-attempts: removed 2" in q for q in audited)


def test_periods_come_from_settings(seeded: Settings) -> None:
    settings = seeded.model_copy(update={"retention_days": {"dead-letters": 50, "uploads": 1}})
    repo = build_repository(settings)
    results = {r.name: r.removed for r in run_retention(repo.db.writer, settings, NOW)}
    repo.db.dispose()
    assert results["dead-letters"] == 2
    assert results["uploads"] == 2  # the busy one is still being imported


def test_a_failing_purger_is_reported_and_the_others_still_run(seeded: Settings) -> None:
    def broken(*_args: object) -> int:
        raise OSError("disk gone")

    failing = purgers.Purger("broken", "nothing", 1.0, "test", broken)
    repo = build_repository(seeded)
    results = run_retention(repo.db.writer, seeded, NOW, [failing, purgers.DEAD_LETTERS])
    repo.db.dispose()
    assert results[0].error and "disk gone" in results[0].error
    assert results[1].removed == 1


def test_the_job_counts_what_it_purged_for_metrics(seeded: Settings) -> None:
    import asyncio

    repo = build_repository(seeded)
    registry = CollectorRegistry()
    job = RetentionJob(repo.db.writer, seeded, registry)
    asyncio.run(job.run_once())
    repo.db.dispose()
    assert registry.get_sample_value("gateway_retention_purged_total", {"kind": "delivery-attempts"}) == 2
    assert registry.get_sample_value("gateway_retention_last_run_timestamp_seconds")


def test_a_person_who_leaves_every_caseload_stays_on_record(settings: Settings, fhir: FhirApi,
                                                            client: TestClient) -> None:
    patient = fhir.create({"resourceType": "Patient", "name": [{"family": "Moved"}]})
    team = fhir.create({"resourceType": "CareTeam", "name": "North"})
    episode = fhir.create({"resourceType": "EpisodeOfCare", "status": "active",
                           "patient": {"reference": f"Patient/{patient['id']}"},
                           "team": [{"reference": f"CareTeam/{team['id']}"}]})
    fhir.put(f"EpisodeOfCare/{episode['id']}", {**episode, "status": "finished"})
    purge_everything = settings.model_copy(update={"retention_days": {p.name: 0 for p in registered()}})
    repo = build_repository(purge_everything)
    run_retention(repo.db.writer, purge_everything)
    repo.db.dispose()
    assert fhir.get(f"Patient/{patient['id']}").status_code == 200
    assert fhir.get(f"EpisodeOfCare/{episode['id']}/_history/1").status_code == 200


def test_readme_documents_every_purger_and_its_default() -> None:
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text(encoding="utf-8")
    for purger in registered():
        row = re.search(rf"^\| `{re.escape(purger.name)}` \|.*\| {purger.default_days:g} days \|", readme, re.M)
        assert row, f"README's retention table has no row for {purger.name} ({purger.default_days:g} days)"


def test_settings_take_retention_days_as_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATEWAY_RETENTION_DAYS", json.dumps({"uploads": 7}))
    assert Settings().retention_days == {"uploads": 7}
