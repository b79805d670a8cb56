"""`Patient/{id}/$everything` end to end: a sample from both sources imported and linked, then the
person's integrated record read from the golden Patient and from each source Patient."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from adapters.liquidlogic.sample import write_export
from adapters.omaha.vocabulary import RECORD
from adapters.registry import get_adapter
from adapters.sample.people import generate_people
from adapters.systmone.sample import write_extract
from gateway.audit.table import audit_log
from gateway.imports.pipeline import ImportRunner
from gateway.linking.links import members
from gateway.linking.tables import person_links
from gateway.storage.times import now_us, us_to_instant
from tests.adapters.omaha.forms import three_problems
from tests.gateway.api.fhir_api import BASE, FhirApi, assert_outcome

FhirJson = dict[str, Any]
S1 = "https://care-gateway.example/Id/systmone/"
LL = "https://care-gateway.example/Id/liquidlogic/"
SEED = 23


@dataclass(frozen=True)
class Person:
    """One person both sources hold under the same NHS number: their golden and source Patient ids."""

    golden: str
    systmone: str
    liquidlogic: str


@pytest.fixture(scope="module")
def sample_folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A SystmOne extract and a Liquidlogic export of the same 30 synthetic people, written once."""
    root = tmp_path_factory.mktemp("everything-sample")
    people = generate_people(30, SEED)
    return {"systmone": write_extract(people, root / "systmone", SEED),
            "liquidlogic": write_export(people, root / "liquidlogic", SEED)}


def _systems(resource: FhirJson) -> set[str]:
    return {str(i.get("system", "")) for i in resource.get("identifier") or []}


@pytest.fixture
def person(client: TestClient, sample_folders: dict[str, Path]) -> Person:
    """Import both sources (linking runs inside the imports), then pick the linked person with the
    most records whose golden Patient links one SystmOne and one Liquidlogic Patient."""
    repo = client.app.state.repo  # type: ignore[attr-defined]
    for source, folder in sample_folders.items():
        ImportRunner(repo, user="test:everything").run(get_adapter(source), folder)
    found = []
    with repo.reading() as conn:
        golden_ids = sorted(set(conn.execute(select(person_links.c.golden_id).where(person_links.c.active.is_(True)))
                                .scalars()))
        for golden in golden_ids:
            sources = [link.patient_id for link in members(conn, golden)]
            by_source = {}
            for pid in sources:
                body = orjson.loads(repo.read("Patient", pid).content)
                kind = "systmone" if any(s.startswith(S1) for s in _systems(body)) else "liquidlogic"
                by_source[kind] = pid
            if len(sources) == 2 and len(by_source) == 2:
                found.append(Person(golden, by_source["systmone"], by_source["liquidlogic"]))
    assert found, "the sample should hold someone both sources know under one NHS number"
    return found[0]


def everything(fhir: FhirApi, patient_id: str, query: str = "", headers: dict[str, str] | None = None) -> FhirJson:
    return fhir.search(f"Patient/{patient_id}/$everything" + (f"?{query}" if query else ""), headers=headers)


def keys(bundle: FhirJson, mode: str | None = None) -> list[tuple[str, str]]:
    return [(e["resource"]["resourceType"], e["resource"]["id"]) for e in bundle.get("entry", [])
            if e["search"]["mode"] != "outcome" and (mode is None or e["search"]["mode"] == mode)]


def resources_of(bundle: FhirJson) -> list[FhirJson]:
    return [e["resource"] for e in bundle.get("entry", []) if e["search"]["mode"] != "outcome"]


def next_url(bundle: FhirJson) -> str | None:
    return next((link["url"] for link in bundle.get("link", []) if link["relation"] == "next"), None)


def walk(fhir: FhirApi, first: FhirJson) -> list[FhirJson]:
    pages = [first]
    while (url := next_url(pages[-1])) is not None and len(pages) < 200:
        assert url.startswith(BASE), url
        pages.append(fhir.search(url.removeprefix(f"{BASE}/")))
    return pages


def test_every_patient_of_the_person_gives_both_sources_records(fhir: FhirApi, person: Person) -> None:
    # From the golden Patient: both source Patients and records each source made.
    bundle = everything(fhir, person.golden)
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "searchset"
    found = keys(bundle)
    assert {("Patient", person.golden), ("Patient", person.systmone), ("Patient", person.liquidlogic)} <= set(found)
    records = [r for r in resources_of(bundle) if r["resourceType"] != "Patient"]
    s1_types = {r["resourceType"] for r in records if any(s.startswith(S1) for s in _systems(r))}
    ll_types = {r["resourceType"] for r in records if any(s.startswith(LL) for s in _systems(r))}
    assert s1_types - {"Practitioner", "PractitionerRole", "Organization"}, "no SystmOne clinical record"
    assert ll_types - {"Practitioner", "PractitionerRole", "Organization"}, "no Liquidlogic record"
    subjects = {r.get("subject", r.get("patient", {})).get("reference") for r in records}
    assert {f"Patient/{person.systmone}", f"Patient/{person.liquidlogic}"} <= subjects
    # No entry twice, ordered by (type, id), total counts the matches.
    assert len(found) == len(set(found)) and found == sorted(found)
    assert bundle["total"] == len(keys(bundle, "match"))

    # From either source Patient: the same record.
    for source in (person.systmone, person.liquidlogic):
        assert keys(everything(fhir, source)) == found


def test_referenced_practitioners_and_organisations_are_included(fhir: FhirApi, person: Person) -> None:
    bundle = everything(fhir, person.liquidlogic)
    included = keys(bundle, "include")
    assert {"Practitioner", "Organization"} <= {t for t, _ in included}
    # Each include is referenced by something in the record (directly or through a PractitionerRole).
    text = orjson.dumps(resources_of(bundle)).decode()
    for res_type, res_id in included:
        assert f'"{res_type}/{res_id}"' in text
    # Nothing of a compartment type comes in as an include (no other person's records).
    assert not {t for t, _ in included} & {"Patient", "Observation", "Condition", "Encounter"}


def test_the_omaha_assessment_is_part_of_the_record(fhir: FhirApi, person: Person) -> None:
    # Submit an assessment on the SystmOne Patient.
    answer = fhir.post(f"Patient/{person.systmone}/$omaha-assessment",
                       three_problems("2026-01-05", (2, 2, 2), (3, 3, 3), (3, 2, 2)))
    assert answer.status_code == 200, answer.text

    # $everything from the Liquidlogic Patient shows the problems, ratings, care plan and the form.
    for patient_id in (person.liquidlogic, person.golden):
        found = resources_of(everything(fhir, patient_id))
        problems = [r for r in found if r["resourceType"] == "Condition"
                    and (RECORD, "problem") in [(c.get("system"), c.get("code")) for cat in r.get("category", [])
                                                for c in cat.get("coding", [])]]
        assert sorted(p["code"]["coding"][0]["code"] for p in problems) == ["24", "27", "35"]
        ratings = [r for r in found if r["resourceType"] == "Observation"
                   and any(c.get("code") == "kbs-rating" for c in r["code"].get("coding", []))]
        assert len(ratings) == 3
        plans = [r for r in found if r["resourceType"] == "CarePlan"
                 and r.get("subject", {}).get("reference") == f"Patient/{person.systmone}"]
        assert len(plans) == 1
        assert any(r["resourceType"] == "QuestionnaireResponse"
                   and r["questionnaire"].endswith("omaha-integrated-assessment") for r in found)


def test_pages_of_seven_cover_the_record_once_even_with_a_write_between_pages(fhir: FhirApi,
                                                                             person: Person) -> None:
    whole = keys(everything(fhir, person.golden))
    assert len(whole) > 14, "the person should fill at least three pages"

    # Read the first two pages, then a new Observation arrives, then read the rest.
    pages = [everything(fhir, person.golden, "_count=7")]
    pages.append(fhir.search(next_url(pages[0]).removeprefix(f"{BASE}/")))  # type: ignore[union-attr]
    added = fhir.create({"resourceType": "Observation", "status": "final", "code": {"text": "Pulse"},
                         "subject": {"reference": f"Patient/{person.liquidlogic}"}})
    pages += walk(fhir, pages[-1])[1:]

    served = [k for page in pages for k in keys(page)]
    assert all(len(keys(page)) <= 7 for page in pages)
    assert len(served) == len(set(served)), "an entry was served twice"
    assert set(whole) <= set(served), "an entry was lost"
    assert set(served) - set(whole) <= {("Observation", added["id"])}
    # Unpaged again: the union of the pages plus the new Observation.
    assert set(keys(everything(fhir, person.golden))) == set(whole) | {("Observation", added["id"])}


def test_type_and_since_filter(fhir: FhirApi, person: Person) -> None:
    only = everything(fhir, person.golden, "_type=Observation,Practitioner")
    assert {t for t, _ in keys(only)} == {"Observation", "Practitioner"}
    whole = keys(everything(fhir, person.golden))
    assert sorted(keys(only)) == [k for k in whole if k[0] in ("Observation", "Practitioner")]

    # Change one record after a moment; _since then returns just that one.
    since = us_to_instant(now_us())
    patient = fhir.get(f"Patient/{person.liquidlogic}").json()
    assert fhir.put(f"Patient/{person.liquidlogic}", {**patient, "active": False}).status_code == 200
    changed = everything(fhir, person.systmone, f"_since={since.replace('+00:00', 'Z')}")
    assert ("Patient", person.liquidlogic) in keys(changed)
    assert not {k for k in keys(changed) if k[0] not in ("Patient",)}
    # The golden Patient may be rewritten by linking when its source changes; nothing else is new.
    assert set(keys(changed)) <= {("Patient", person.liquidlogic), ("Patient", person.golden)}

    assert_outcome(fhir.get(f"Patient/{person.golden}/$everything", _type="Nonsense"), 400)
    assert_outcome(fhir.get(f"Patient/{person.golden}/$everything", _since="yesterday"), 400)


def test_care_period_keeps_dated_records_inside_it(fhir: FhirApi, person: Person) -> None:
    whole = resources_of(everything(fhir, person.golden))
    inside = keys(everything(fhir, person.golden, "start=1900-01-01&end=1900-12-31"))
    # No record of the person dates from 1900, so only undated ones stay (Patients at least).
    assert ("Patient", person.golden) in inside
    dated = {("Observation", r["id"]) for r in whole if r["resourceType"] == "Observation"
             and ("effectiveDateTime" in r or "effectivePeriod" in r)}
    assert dated and not dated & set(inside)
    assert_outcome(fhir.get(f"Patient/{person.golden}/$everything", start="not-a-date"), 400)


def test_unknown_and_deleted_patients_and_bad_cursors(fhir: FhirApi, person: Person) -> None:
    assert_outcome(fhir.get("Patient/no-such-person/$everything"), 404)
    gone = fhir.patient("Leaving")
    assert fhir.delete(f"Patient/{gone['id']}").status_code in (200, 204)
    assert_outcome(fhir.get(f"Patient/{gone['id']}/$everything"), 410)
    assert_outcome(fhir.get(f"Patient/{person.golden}/$everything", _cursor="not-a-cursor"), 400)
    # A cursor from one person's paging is refused for another's.
    cursor = next_url(everything(fhir, person.golden, "_count=3")).split("_cursor=")[1]  # type: ignore[union-attr]
    assert_outcome(fhir.get(f"Patient/{person.systmone}/$everything", _count="3", _cursor=cursor), 400)


def test_scopes_limit_the_types_and_each_call_is_audited_once(fhir: FhirApi, person: Person,
                                                              token_for: Callable[..., str]) -> None:
    scopes = ["user/Patient.rs", "user/Observation.rs"]
    nurse = {"Authorization": f"Bearer {token_for('nurse', user='nurse-9', scopes=scopes)}"}
    bundle = everything(fhir, person.golden, headers=nurse)
    assert {t for t, _ in keys(bundle)} == {"Patient", "Observation"}
    (note,) = [e["resource"] for e in bundle["entry"] if e["search"]["mode"] == "outcome"]
    withheld = note["issue"][0]["diagnostics"]
    assert "Practitioner" in withheld and "Encounter" in withheld and "Observation" not in withheld.split(": ")[-1]

    # Without read on Patient: 403.
    no_patient = {"Authorization": f"Bearer {token_for('nurse', user='nurse-9', scopes=['user/Observation.rs'])}"}
    assert_outcome(fhir.client.get(f"/fhir/Patient/{person.golden}/$everything", headers=no_patient), 403)

    # One audit row for the successful call, naming the Patient.
    with fhir.client.app.state.repo.db.reader.connect() as conn:  # type: ignore[attr-defined]
        rows = conn.execute(select(audit_log).where(audit_log.c.user_id == "nurse-9")
                            .order_by(audit_log.c.seq)).mappings().all()
    ok = [r for r in rows if r["status"] == 200]
    assert len(ok) == 1 and ok[0]["patient"] == f"Patient/{person.golden}" and "$everything" in ok[0]["query"]
    assert Counter(r["status"] for r in rows)[403] == 1
