"""Every door writes through the one unit of work: the same change made through the REST API, a
transaction Bundle, a SystmOne import and the assessment service runs every hook exactly once,
with the context of its door, and has the same consequences (searchable, audited or traced to its
row, a notification queued); an unchanged write triggers nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from adapters.sample.people import generate_people
from adapters.systmone import ids as sr_ids
from adapters.systmone.sample import write_extract
from adapters.uris import CTV3
from gateway.assessments.service import submit_assessment
from gateway.audit.table import audit_log
from gateway.imports.pipeline import ImportRunner
from gateway.linking.tables import person_links
from gateway.repository.base import WriteContext, WriteEvent
from gateway.repository.sql import SqlRepository
from gateway.repository.unit import UnitOfWork
from gateway.settings import Settings
from gateway.storage.tables import resources
from gateway.subscriptions.tables import subscription_events
from tests.adapters.omaha.forms import three_problems
from tests.gateway.api.fhir_api import FhirApi
from tests.gateway.subscriptions import builders
from tests.gateway.subscriptions.test_end_to_end import transaction
from tests.gateway.subscriptions.test_import_notifications import fall_delta, person_row, run
from tests.stores import shared_key_dir

Seen = list[tuple[str, str, str, str, int]]  # (stage, door, type, id, version)
ENDPOINT = "http://127.0.0.1:9/hook"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """A gateway whose outbound allow-list names the (never answering) subscription endpoint below;
    no delivery worker, since events are counted where they are recorded."""
    return Settings(database_url=database_url, key_dir=shared_key_dir(), base_url="http://testserver",
                    audit_flush_ms=1.0, outbound_allow=ENDPOINT.rsplit("/", 1)[0] + "/", delivery_worker=False,
                    export_dir=tmp_path / "exports")


@pytest.fixture
def repo(client: TestClient) -> SqlRepository:
    return client.app.state.repo  # type: ignore[attr-defined,no-any-return]


@pytest.fixture
def seen(repo: SqlRepository) -> Seen:
    """Every event each stage of hooks was handed, with the door of its unit of work."""
    out: Seen = []

    def recorder(stage: str) -> Any:
        def hook(unit: UnitOfWork, events: list[WriteEvent]) -> None:
            out.extend((stage, unit.context.door, e.res_type, e.res_id, e.version) for e in events)
        return hook

    repo.hooks.register(recorder("change"))
    repo.hooks.register(recorder("commit"), before_commit=True)
    return out


def fall(patient: str, res_id: str) -> dict[str, Any]:
    return {"resourceType": "Condition", "id": res_id, "subject": {"reference": patient},
            "code": {"coding": [{"system": CTV3, "code": "16D..", "display": "Falls"}]}}


def events_of(repo: SqlRepository, sub_id: str) -> int:
    with repo.reading() as conn:
        return int(conn.execute(select(func.count()).select_from(subscription_events)
                                .where(subscription_events.c.sub_id == sub_id)).scalar_one())


def audited(repo: SqlRepository, res_type: str, res_id: str) -> int:
    with repo.reading() as conn:
        return int(conn.execute(select(func.count()).select_from(audit_log).where(
            audit_log.c.resource_type == res_type, audit_log.c.resource_id == res_id,
            audit_log.c.interaction.in_(("create", "update")))).scalar_one())


def once_each(seen: Seen, door: str, key: tuple[str, str]) -> None:
    """The version of `key` made through `door` reached each stage of hooks exactly once."""
    for stage in ("change", "commit"):
        hits = [s for s in seen if s[0] == stage and (s[2], s[3]) == key]
        assert len(hits) == 1, (stage, key, hits)
        assert hits[0][1] == door


def test_every_door_runs_every_hook_once(client: TestClient, fhir: FhirApi, repo: SqlRepository, seen: Seen,
                                         tmp_path: Path) -> None:
    # Setup: a SystmOne extract imported; one subscription to health changes of one person in it,
    # one to their assessment (endpoints that never answer: events are numbered while requested).
    extract = write_extract(generate_people(4, 3), tmp_path / "extract", 3)
    run(repo, extract)
    row = person_row(extract)
    patient = f"Patient/{sr_ids.resource_id('SRPatient', row)}"
    health = fhir.create(builders.subscription(ENDPOINT, topic=builders.HEALTH_CHANGE,
                                               filters=[f"patient={patient}"]))["id"]
    assessment = fhir.create(builders.subscription(ENDPOINT, filters=[f"patient={patient}"]))["id"]
    seen.clear()

    # Door 1: a REST create.
    created = fhir.create(fall(patient, "unused"))
    once_each(seen, "rest", ("Condition", created["id"]))
    assert audited(repo, "Condition", created["id"]) == 1
    assert events_of(repo, health) == 1
    assert fhir.search(f"Condition?subject={patient}&code={CTV3}|16D..&_id={created['id']}")["total"] == 1

    # Door 2: a transaction Bundle.
    seen.clear()
    assert fhir.post("", transaction(fall(patient, "fall-in-a-bundle"))).status_code == 200
    once_each(seen, "transaction", ("Condition", "fall-in-a-bundle"))
    assert audited(repo, "Condition", "fall-in-a-bundle") == 1
    assert events_of(repo, health) == 2

    # Door 3: an import (audited per run, traced per row by its Provenance).
    seen.clear()
    summary = run(repo, fall_delta(extract, tmp_path / "delta", row))
    ((_, res_type, res_id),) = [(s[1], s[2], s[3]) for s in seen if s[0] == "change" and s[2] != "Provenance"]
    once_each(seen, "import", (res_type, res_id))
    assert summary.counts["created"] == 1
    assert events_of(repo, health) == 3
    provenance = fhir.search(f"Provenance?target={res_type}/{res_id}")
    assert provenance["total"] == 1
    assert provenance["entry"][0]["resource"]["entity"][0]["what"]["identifier"]["value"].startswith("SRCode.csv#")
    assert audited(repo, res_type, res_id) == 0

    # Door 4: the assessment service.
    seen.clear()
    form = three_problems("2026-01-05", (2, 2, 2), (3, 3, 3), (3, 2, 2))
    submission = submit_assessment(repo, patient.removeprefix("Patient/"), form, "Practitioner/nurse-1",
                                   WriteContext(user="nurse-1", role="nurse"))
    written = [(r.stored.res_type, r.stored.res_id) for r in submission.results]
    for key in written:
        once_each(seen, "assessment", key)
        assert audited(repo, *key) == 1
    assert events_of(repo, assessment) == 1
    assert events_of(repo, health) == 3  # the skin problem is no coded fall

    # Nothing changed, nothing happens: the same writes again through each door.
    seen.clear()
    fhir.put(f"Condition/{created['id']}", {**fall(patient, created["id"])})
    fhir.post("", transaction(fall(patient, "fall-in-a-bundle")))
    run(repo, fall_delta(extract, tmp_path / "delta-again", row))
    submit_assessment(repo, patient.removeprefix("Patient/"), form, "Practitioner/nurse-1")
    assert [s for s in seen if s[2] != "Provenance"] == []
    assert events_of(repo, health) == 3 and events_of(repo, assessment) == 1


def test_a_liquidlogic_import_goes_through_the_same_hooks(repo: SqlRepository, seen: Seen, tmp_path: Path) -> None:
    # No published topic covers what the Liquidlogic adapter writes today (social care encounters,
    # eligibility decisions): what is shown here is that its writes reach the same hooks, once each,
    # traced to their rows and linked to the person, and that a re-import reaches none.
    from adapters.liquidlogic.adapter import LiquidlogicAdapter
    from adapters.liquidlogic.sample import write_export

    people = generate_people(4, 3)
    export = write_export(people, tmp_path / "ll", 3)
    summary = ImportRunner(repo, user="test:ll").run(LiquidlogicAdapter(), export)
    assert summary.status == "completed" and summary.counts["created"] > 0
    written = [(s[2], s[3], s[4]) for s in seen if s[0] == "change"]
    assert len(written) == len(set(written))  # each version handed to the hooks once
    assert {s[1] for s in seen} <= {"import"}
    assert sorted(s[2:] for s in seen if s[0] == "commit") == sorted(written)
    with repo.reading() as conn:
        traced = conn.execute(select(func.count()).select_from(resources).where(
            resources.c.res_type == "Provenance")).scalar_one()
        golden = conn.execute(select(func.count()).select_from(person_links)).scalar_one()
    assert traced == summary.counts["created"] + summary.counts["updated"]
    assert golden > 0
    seen.clear()
    again = ImportRunner(repo, user="test:ll").run(LiquidlogicAdapter(), export)
    assert again.counts["created"] == again.counts["updated"] == 0
    assert seen == []
