"""/metrics is protected, and scraping it shows the figures moving: requests by route template and
status, import runs and rows, outbox depth and age, dead letters, deliveries, active users, alerts."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import update

from adapters.sample.people import generate_people
from adapters.systmone.sample import write_extract
from gateway.alerts.job import check_alerts
from gateway.app import build_repository, create_app
from gateway.delivery.outbox import enqueue
from gateway.delivery.tables import delivery_outbox
from gateway.settings import Settings
from gateway.storage.times import now_us
from tests.gateway.imports.store import run_import

METRICS_TOKEN = "scrape-" + uuid.uuid4().hex


@pytest.fixture
def app_client(settings: Settings) -> Iterator[TestClient]:
    """The app with a scraper token configured and no delivery worker (outbox rows stay as put)."""
    configured = settings.model_copy(update={"metrics_token": METRICS_TOKEN, "delivery_worker": False})
    with TestClient(create_app(configured), raise_server_exceptions=False) as client:
        yield client


def scrape(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    answer = client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain")
    out = {}
    for family in text_string_to_metric_families(answer.text):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def value(figures: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str) -> float:
    return figures.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_needs_the_token_or_an_admin(app_client: TestClient, token_for: Callable[..., str]) -> None:
    missing = app_client.get("/metrics")
    assert missing.status_code == 401 and missing.json()["resourceType"] == "OperationOutcome"
    assert app_client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    nurse = app_client.get("/metrics", headers={"Authorization": f"Bearer {token_for('nurse')}"})
    assert nurse.status_code == 403 and nurse.json()["resourceType"] == "OperationOutcome"
    assert app_client.get("/metrics", headers={"Authorization": f"Bearer {token_for('admin')}"}).status_code == 200


def test_requests_are_counted_by_route_template_and_status(app_client: TestClient, auth: dict[str, str]) -> None:
    created = app_client.post("/fhir/Patient", json={"resourceType": "Patient", "gender": "female"}, headers=auth)
    assert created.status_code == 201
    pid = created.json()["id"]
    template = "/fhir/{res_type:fhirtype}/{res_id:fhirid}"
    before = scrape(app_client)
    for _ in range(3):
        assert app_client.get(f"/fhir/Patient/{pid}", headers=auth).status_code == 200
    assert app_client.get("/fhir/Patient/does-not-exist", headers=auth).status_code == 404
    after = scrape(app_client)
    ok = {"method": "GET", "route": template, "status": "200"}
    assert value(after, "gateway_http_requests_total", **ok) - value(before, "gateway_http_requests_total", **ok) == 3
    missing = {"method": "GET", "route": template, "status": "404"}
    assert value(after, "gateway_http_requests_total", **missing) - value(
        before, "gateway_http_requests_total", **missing) == 1
    assert value(after, "gateway_http_request_duration_seconds_count", **ok) >= 3
    # No raw path (an id) ever becomes a label.
    assert not any(pid in str(labels) for _, labels in after)


def test_import_runs_and_rows_by_outcome(app_client: TestClient, settings: Settings, tmp_path: Path) -> None:
    before = scrape(app_client)
    repo = build_repository(settings)
    extract = write_extract(generate_people(6, 3), tmp_path / "extract", 3)
    summary = run_import(repo, extract)
    repo.db.dispose()
    after = scrape(app_client)
    runs = {"source": "systmone", "status": "completed"}
    assert value(after, "gateway_import_runs", **runs) - value(before, "gateway_import_runs", **runs) == 1
    created = {"source": "systmone", "outcome": "created"}
    assert value(after, "gateway_import_rows_total", **created) == summary.counts["created"] > 0
    assert value(after, "gateway_import_last_completed_timestamp_seconds", source="systmone") > 0


def test_outbox_depth_age_dead_letters_and_outcomes(app_client: TestClient, settings: Settings) -> None:
    repo = build_repository(settings)
    with repo.db.writer.begin() as conn:
        for n in range(3):
            enqueue(conn, f"sub:metrics-{n}", "handshake", sub_id=f"metrics-{n}")
        conn.execute(update(delivery_outbox).where(delivery_outbox.c.sub_id == "metrics-0")
                     .values(created_at=now_us() - 120 * 1_000_000))
    first = scrape(app_client)
    assert value(first, "gateway_outbox_rows", state="pending") == 3
    assert value(first, "gateway_outbox_oldest_pending_age_seconds") >= 119
    assert value(first, "gateway_dead_letters") == 0
    with repo.db.writer.begin() as conn:
        conn.execute(update(delivery_outbox).where(delivery_outbox.c.sub_id == "metrics-0").values(state="dead"))
        conn.execute(update(delivery_outbox).where(delivery_outbox.c.sub_id == "metrics-1")
                     .values(state="delivered", delivered_at=now_us()))
    second = scrape(app_client)
    assert value(second, "gateway_outbox_rows", state="pending") == 1
    assert value(second, "gateway_outbox_rows", state="delivered") == 1
    assert value(second, "gateway_dead_letters") == 1
    assert value(second, "gateway_outbox_oldest_pending_age_seconds") < 60

    # The dead letter fires its alert, which the scrape shows too.
    check_alerts(repo.db.writer, repo.db.reader, settings)
    third = scrape(app_client)
    assert value(third, "gateway_alerts_firing", alert="dead-letters", subject="sub:metrics-0") == 1
    repo.db.dispose()


def test_active_users_counts_who_signed_in(app_client: TestClient, token_for: Callable[..., str]) -> None:
    before = value(scrape(app_client), "gateway_active_users")
    for n in range(2):
        user = f"metrics-user-{uuid.uuid4().hex[:6]}-{n}"
        headers = {"Authorization": f"Bearer {token_for('nurse', user=user)}"}
        assert app_client.get("/fhir/Patient", headers=headers).status_code == 200
    assert value(scrape(app_client), "gateway_active_users") >= before + 2


def test_every_response_carries_a_request_id_that_the_audit_trail_keeps(app_client: TestClient,
                                                                       auth: dict[str, str]) -> None:
    answer = app_client.get("/fhir/Patient", headers={**auth, "X-Request-ID": "trace-42"})
    own = answer.headers["x-request-id"]
    assert own and own != "trace-42"  # the gateway's own id; the client's is kept beside it
    generated = app_client.get("/healthz").headers["x-request-id"]
    assert generated and generated != own
    unsafe = app_client.get("/healthz", headers={"X-Request-ID": "<script>"}).headers["x-request-id"]
    assert "<" not in unsafe
    events = app_client.get("/fhir/AuditEvent", params={"_count": 50}, headers=auth).json()
    text = str(events)
    assert "trace-42" in text and own in text


def test_readyz_names_a_stopped_worker(settings: Settings) -> None:
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        assert client.get("/readyz").json() == {"status": "ready"}
        ops = client.app.state.operations  # type: ignore[attr-defined]
        client.portal.call(ops.alerts.stop)  # type: ignore[union-attr]
        answer = client.get("/readyz")
        assert answer.status_code == 503
        assert "alerts" in answer.json()["reason"]
    assert client.get("/healthz").status_code == 200


def test_metrics_sources_can_be_added_by_a_feature(app_client: TestClient) -> None:
    """The hook the HL7 v2 listener uses for MLLP figures: append (name, source) to app.state.metric_sources."""
    from prometheus_client.core import GaugeMetricFamily

    def mllp(_conn: object, _now: int) -> list[GaugeMetricFamily]:
        gauge = GaugeMetricFamily("gateway_mllp_test_figure", "a test figure", labels=["sender"])
        gauge.add_metric(["lab"], 7)
        return [gauge]

    app_client.app.state.metric_sources.append(("mllp-test", mllp))  # type: ignore[attr-defined]
    figures = scrape(app_client)
    assert value(figures, "gateway_mllp_test_figure", sender="lab") == 7
    assert value(figures, "gateway_scrape_source_up", source="mllp-test") == 1


def test_latency_histogram_buckets_are_cumulative_and_sum_the_observations() -> None:
    from prometheus_client import CollectorRegistry

    from gateway.monitoring.request_metrics import RequestMetrics

    registry = CollectorRegistry()
    metrics = RequestMetrics(registry)
    for seconds in (0.0004, 0.0005, 0.002, 0.3, 12.0):
        metrics.observe("GET", "/fhir/{res_type}", 200, seconds)
    labels = {"method": "GET", "route": "/fhir/{res_type}", "status": "200"}
    bucket = "gateway_http_request_duration_seconds_bucket"
    assert registry.get_sample_value(bucket, {**labels, "le": "0.0005"}) == 2  # le: at or below the bound
    assert registry.get_sample_value(bucket, {**labels, "le": "0.0025"}) == 3
    assert registry.get_sample_value(bucket, {**labels, "le": "10.0"}) == 4
    assert registry.get_sample_value(bucket, {**labels, "le": "+Inf"}) == 5
    assert registry.get_sample_value("gateway_http_request_duration_seconds_count", labels) == 5
    assert registry.get_sample_value("gateway_http_requests_total", labels) == 5
    total = registry.get_sample_value("gateway_http_request_duration_seconds_sum", labels)
    assert total is not None and abs(total - 12.3029) < 1e-9
