"""Imports notify: a SystmOne delta that records a fall for a subscribed person produces exactly
one notification at a real HTTP receiver, and importing the same delta (or the whole extract)
again sends none, because an unchanged row is no change."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from adapters.sample.people import generate_people
from adapters.systmone import ids as sr_ids
from adapters.systmone.sample import HEADERS, write_extract
from gateway.imports.pipeline import ImportRunner, ImportSummary
from gateway.repository.sql import SqlRepository
from tests.gateway.api.fhir_api import FhirApi
from tests.gateway.subscriptions import builders
from tests.gateway.subscriptions.receiver import Receiver
from tests.gateway.subscriptions.test_end_to_end import active_subscription

PEOPLE = 6
SEED = 5
FALL = {"CTV3Code": "16D..", "CTV3Text": "Falls", "SNOMEDCode": "", "SNOMEDText": "", "IsNumeric": "FALSE",
        "NumericValue": "", "NumericUnit": "", "NumericComparator": ""}


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="cp1252", newline="") as handle:
        return list(csv.DictReader(handle))


def _write(path: Path, table: str, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="cp1252", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(HEADERS[table])
        for row in rows:
            writer.writerow([row.get(column, "") for column in HEADERS[table]])


def person_row(extract: Path) -> str:
    """The SRPatient RowIdentifier of someone with an NHS number and coded entries to copy."""
    coded = {r["IDPatient"] for r in _rows(extract / "SRCode.csv")}
    return next(r["RowIdentifier"] for r in _rows(extract / "SRPatient.csv") if r["NHSNumber"]
                and r["RowIdentifier"] in coded)


def fall_delta(extract: Path, out: Path, patient_row: str) -> Path:
    """A delta extract with one new SRCode row: a fall (CTV3 16D..) for SRPatient `patient_row`."""
    out.mkdir(parents=True)
    codes = _rows(extract / "SRCode.csv")
    template = next(r for r in codes if r["IDPatient"] == patient_row)
    fall = {**template, **FALL, "RowIdentifier": str(max(int(r["RowIdentifier"]) for r in codes) + 1)}
    _write(out / "SRCode.csv", "SRCode", [fall])
    reference = ["SRMapping", "SRMappingGroup"]
    for table in reference:
        shutil.copy(extract / f"{table}.csv", out / f"{table}.csv")
    manifest = [{"FileName": f"{t}.csv", "IsDelta": "FALSE" if t in reference else "TRUE",
                 "IsReference": "TRUE" if t in reference else "FALSE", "DateExtractFrom": "",
                 "DateExtractTo": ""} for t in [*reference, "SRCode"]]
    _write(out / "SRManifest.csv", "SRManifest", manifest)
    return out


def run(repo: SqlRepository, path: Path) -> ImportSummary:
    from adapters.systmone.adapter import SystmOneAdapter

    return ImportRunner(repo, 500, user="test:imports", worker_min_bytes=None).run(SystmOneAdapter(), path)


def event_count(fhir: FhirApi, sub_id: str) -> int:
    status = fhir.get(f"Subscription/{sub_id}/$status").json()
    params = status["entry"][0]["resource"]["parameter"]
    return int(next(p["valueString"] for p in params if p["name"] == "events-since-subscription-start"))


def test_an_imported_fall_notifies_once_and_a_reimport_never(client: TestClient, fhir: FhirApi, receiver: Receiver,
                                                             tmp_path: Path) -> None:
    repo: SqlRepository = client.app.state.repo  # type: ignore[attr-defined]
    # Setup: a bulk extract imported, and a subscription to health changes of one person in it.
    extract = write_extract(generate_people(PEOPLE, SEED), tmp_path / "extract", SEED)
    assert run(repo, extract).status == "completed"
    chosen = person_row(extract)
    patient = f"Patient/{sr_ids.resource_id('SRPatient', chosen)}"
    assert fhir.get(patient).status_code == 200
    sub = active_subscription(fhir, receiver, topic=builders.HEALTH_CHANGE, filters=[f"patient={patient}"])
    assert receiver.events() == []

    # Re-importing the whole extract changes nothing, so it notifies no one.
    again = run(repo, extract)
    assert again.counts["created"] == again.counts["updated"] == 0
    assert event_count(fhir, sub["id"]) == 0

    # A delta with a fall for the subscribed person: exactly one notification.
    delta = fall_delta(extract, tmp_path / "delta", chosen)
    summary = run(repo, delta)
    assert summary.counts["created"] == 1
    assert receiver.wait_for(lambda: len(receiver.events()) >= 1)
    assert event_count(fhir, sub["id"]) == 1
    (event,) = receiver.events()
    (parts,) = event.status["notification-event"]
    focus: dict[str, Any] = next(p for p in parts if p["name"] == "focus")
    focused = fhir.get(focus["valueReference"]["reference"].removeprefix("http://testserver/fhir/")).json()
    assert focused["subject"]["reference"] == patient
    assert any(c.get("code") == "16D.." for c in focused["code"]["coding"])

    # The same delta again: unchanged rows, no new event, nothing delivered.
    repeat = run(repo, delta)
    assert repeat.counts["unchanged"] == 1 and repeat.counts["created"] == repeat.counts["updated"] == 0
    assert event_count(fhir, sub["id"]) == 1
    assert len(receiver.events()) == 1
