"""Logs are JSON lines with the request id, and carry no health data: the access line names the
route template, never the path or query, so no id, name or NHS number reaches the log."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.monitoring.logs import JsonFormatter, configure_logging
from gateway.settings import Settings

NHS_NUMBER = "9990000018"


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """Everything logged at INFO and above, formatted as the gateway formats it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield stream
    root.removeHandler(handler)
    root.setLevel(old_level)


def test_access_log_has_route_template_status_and_request_id_and_no_health_data(
        settings: Settings, auth: dict[str, str], log_lines: io.StringIO) -> None:
    with TestClient(create_app(settings.model_copy(update={"access_log": True}))) as client:
        patient = client.post("/fhir/Patient", headers=auth, json={
            "resourceType": "Patient", "name": [{"family": "Loggable"}],
            "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": NHS_NUMBER}]}).json()
        client.get(f"/fhir/Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|{NHS_NUMBER}&name=Loggable",
                   headers={**auth, "X-Request-ID": "req-abc"})
        client.get(f"/fhir/Patient/{patient['id']}", headers=auth)
    # The test client's own httpx logs the URL it calls; everything the gateway logged must not.
    lines = [json.loads(line) for line in log_lines.getvalue().splitlines() if line.strip()]
    lines = [line for line in lines if line["logger"] != "httpx"]
    text = json.dumps(lines)
    access = [line for line in lines if line["logger"] == "gateway.access"]
    assert len(access) >= 3
    search = next(line for line in access if line.get("client_request_id") == "req-abc")
    assert search["request_id"] != "req-abc"  # the gateway's own id, the client's beside it
    assert search["route"] == "/fhir/{res_type}" and search["status"] == 200 and search["method"] == "GET"
    assert all(line.get("request_id") for line in access)
    for secret in (NHS_NUMBER, "Loggable", patient["id"]):
        assert secret not in text


def test_configure_logging_writes_json_to_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    before = list(root.handlers), root.level
    try:
        configure_logging("json", "INFO")
        configure_logging("json", "INFO")  # idempotent: one handler
        assert sum(1 for h in root.handlers if getattr(h, "_gateway", False)) == 1
        logging.getLogger("gateway.test").info("started", extra={"port": 8000})
        line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
        assert line["message"] == "started" and line["port"] == 8000 and line["level"] == "info"
    finally:
        for h in [h for h in root.handlers if getattr(h, "_gateway", False)]:
            root.removeHandler(h)
        root.handlers[:] = before[0]
        root.setLevel(before[1])
