"""Quiet feeds and piling work are visible: each rule fires and resolves, the webhook receives both
through the delivery outbox (retried while it is down), and the admin status page shows them."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert, select, update

from gateway.alerts.job import check_alerts
from gateway.alerts.tables import alert_events, alert_state
from gateway.app import build_repository, create_app
from gateway.delivery.outbox import enqueue
from gateway.delivery.tables import delivery_outbox
from gateway.imports.tables import import_runs
from gateway.repository.sql import SqlRepository
from gateway.settings import Settings
from gateway.storage.times import now_us
from tests.gateway.subscriptions.receiver import Receiver

HOUR = 3600 * 1_000_000


@pytest.fixture
def repo(settings: Settings) -> Iterator[SqlRepository]:
    repository = build_repository(settings)
    yield repository
    repository.db.dispose()


def _run(repo: SqlRepository, run_id: str, source: str, finished: int, counts: dict[str, int]) -> None:
    with repo.db.writer.begin() as conn:
        conn.execute(insert(import_runs).values(
            run_id=run_id, source=source, path="/exports/x", status="completed", started=finished - 1000,
            finished=finished, heartbeat=finished, user_id="cli", counts=json.dumps(counts), files="[]"))


def _firing(repo: SqlRepository) -> set[tuple[str, str]]:
    with repo.db.reader.connect() as conn:
        return {(r.rule, r.subject) for r in conn.execute(select(alert_state))}


def _dead_letter(repo: SqlRepository, queue: str) -> None:
    with repo.db.writer.begin() as conn:
        enqueue(conn, queue, "document", item_id="x")
        conn.execute(update(delivery_outbox).where(delivery_outbox.c.queue == queue).values(state="dead"))


def test_source_quiet_fires_after_its_period_and_resolves_on_the_next_import(repo: SqlRepository,
                                                                             settings: Settings) -> None:
    now = now_us()
    _run(repo, "r1", "systmone", now - 30 * HOUR, {"created": 10})
    _run(repo, "r2", "liquidlogic", now - 30 * HOUR, {"created": 10})
    weekly = settings.model_copy(update={"alert_source_quiet_hours_by_source": {"liquidlogic": 170}})
    changes = check_alerts(repo.db.writer, repo.db.reader, weekly, now)
    assert [(f.rule, f.subject) for f in changes.fired] == [("source-quiet", "systmone")]
    assert "30.0 hours" in changes.fired[0].summary
    # Nothing changed: no new event on the next check.
    assert not check_alerts(repo.db.writer, repo.db.reader, weekly, now + 1).fired

    _run(repo, "r3", "systmone", now, {"unchanged": 10})
    changes = check_alerts(repo.db.writer, repo.db.reader, weekly, now + 2)
    assert changes.resolved == [("source-quiet", "systmone")]
    assert _firing(repo) == set()
    with repo.db.reader.connect() as conn:
        states = [r.state for r in conn.execute(select(alert_events).order_by(alert_events.c.seq))]
    assert states == ["firing", "resolved"]


def test_rejected_rate_looks_at_the_latest_completed_import(repo: SqlRepository, settings: Settings) -> None:
    now = now_us()
    _run(repo, "old", "systmone", now - 2 * HOUR, {"created": 50, "rejected": 50})
    _run(repo, "new", "systmone", now - HOUR, {"created": 94, "rejected": 6})
    changes = check_alerts(repo.db.writer, repo.db.reader, settings, now)
    assert [(f.rule, f.subject) for f in changes.fired] == [("rejected-rate", "systmone")]
    assert "6 of 100" in changes.fired[0].summary
    lenient = settings.model_copy(update={"alert_rejected_rate_above": 0.1})
    assert check_alerts(repo.db.writer, repo.db.reader, lenient, now).resolved == [("rejected-rate", "systmone")]
    off = settings.model_copy(update={"alert_rejected_rate_above": None})
    assert not check_alerts(repo.db.writer, repo.db.reader, off, now).fired


def test_dead_letters_above_zero_fire_per_queue(repo: SqlRepository, settings: Settings) -> None:
    assert not check_alerts(repo.db.writer, repo.db.reader, settings).fired
    _dead_letter(repo, "liquidlogic:http")
    changes = check_alerts(repo.db.writer, repo.db.reader, settings)
    assert [(f.rule, f.subject) for f in changes.fired] == [("dead-letters", "liquidlogic:http")]
    # No health data in what leaves the gateway: the summary names the queue and a count.
    assert changes.fired[0].summary.startswith("1 dead letter(s) in delivery queue liquidlogic:http")


def test_alerts_reach_the_webhook_through_the_outbox_even_when_it_was_down(settings: Settings) -> None:
    receiver = Receiver().start()
    try:
        receiver.answer = 503  # down when the alert fires: the outbox retries
        configured = settings.model_copy(update={
            "alert_webhook_url": receiver.url, "alert_webhook_token": "hook-secret", "delivery_poll_ms": 20,
            "delivery_retry_base_ms": 20, "delivery_retry_max_s": 0.2})
        with TestClient(create_app(configured)):
            repo = build_repository(configured)
            _dead_letter(repo, "sub:gone")
            check_alerts(repo.db.writer, repo.db.reader, configured)
            with repo.db.reader.connect() as conn:
                queued = conn.execute(select(delivery_outbox.c.state).where(
                    delivery_outbox.c.queue == "alert:webhook")).scalars().all()
            assert queued == ["pending"]
            receiver.answer = 200
            assert receiver.wait_for(lambda: len(receiver.received) == 1)
            with repo.db.writer.begin() as conn:  # the dead letter is dealt with: the alert resolves
                conn.execute(update(delivery_outbox).where(delivery_outbox.c.queue == "sub:gone")
                             .values(state="cancelled"))
            check_alerts(repo.db.writer, repo.db.reader, configured)
            assert receiver.wait_for(lambda: len(receiver.received) == 2)
            repo.db.dispose()
    finally:
        receiver.stop()
    fired, resolved = (r.body for r in receiver.received)
    assert (fired["alert"], fired["subject"], fired["state"]) == ("dead-letters", "sub:gone", "firing")
    assert (resolved["state"], resolved["subject"]) == ("resolved", "sub:gone")
    assert receiver.received[0].headers["Authorization"] == "Bearer hook-secret"


def test_status_page_shows_alerts_to_admins_only(settings: Settings, token_for: Callable[..., str]) -> None:
    repo = build_repository(settings)
    _dead_letter(repo, "liquidlogic:file")
    _run(repo, "r1", "systmone", now_us() - HOUR, {"created": 9, "rejected": 1})
    check_alerts(repo.db.writer, repo.db.reader, settings)
    repo.db.dispose()
    with TestClient(create_app(settings)) as client:
        admin = client.get("/app/status", headers={"Authorization": f"Bearer {token_for('admin')}"})
        assert admin.status_code == 200
        page = admin.text
        assert "dead-letters" in page and "liquidlogic:file" in page
        assert "rejected-rate" in page and "systmone" in page
        assert "uploads" in page and "30 days" in page  # retention periods in force
        nurse = client.get("/app/status", headers={"Authorization": f"Bearer {token_for('nurse')}"})
        assert nurse.status_code == 403
        assert "dead-letters" not in nurse.text


def test_a_delivery_waiting_too_long_fires_before_anything_is_dead(repo: SqlRepository, settings: Settings) -> None:
    now = now_us()
    with repo.db.writer.begin() as conn:
        enqueue(conn, "sub:slow", "event", sub_id="slow", event_number=1)
        enqueue(conn, "sub:fresh", "event", sub_id="fresh", event_number=1)
        conn.execute(update(delivery_outbox).where(delivery_outbox.c.queue == "sub:slow")
                     .values(created_at=now - 45 * 60_000_000))
    changes = check_alerts(repo.db.writer, repo.db.reader, settings, now)
    assert [(f.rule, f.subject) for f in changes.fired] == [("delivery-delayed", "sub:slow")]
    assert "45 minutes" in changes.fired[0].summary
    with repo.db.writer.begin() as conn:
        conn.execute(update(delivery_outbox).where(delivery_outbox.c.queue == "sub:slow")
                     .values(state="delivered", delivered_at=now))
    assert check_alerts(repo.db.writer, repo.db.reader, settings, now).resolved == [("delivery-delayed", "sub:slow")]
