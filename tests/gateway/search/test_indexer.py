"""Index rows extracted from resources, replacement on update, bulk writes and compartment membership."""

from __future__ import annotations

from sqlalchemy import Engine, func, select

from gateway.search.compartment import compartment_ids
from gateway.search.indexer import as_dicts, delete_index, index_rows, replace_index_many
from gateway.storage.index_tables import INDEX_TABLES, search_token
from tests.gateway.search.conftest import BASE, Store
from tests.gateway.search.data import ALL, NHS, NHS_1, PATIENTS


def _count(engine: Engine) -> int:
    with engine.connect() as conn:
        return sum(conn.execute(select(func.count()).select_from(t)).scalar_one() for t in INDEX_TABLES.values())


def test_rows_by_type() -> None:
    rows = {t: as_dicts(t, r) for t, r in index_rows(PATIENTS[0], BASE).items()}
    tokens = {(r["param"], r["system"], r["code"]) for r in rows["token"]}
    assert ("identifier", NHS, NHS_1) in tokens and ("gender", None, "female") in tokens
    assert {(r["param"], r["norm"], r["exact"]) for r in rows["string"]} >= {("given", "zoe", "Zoë")}
    assert [(r["param"], r["target_type"], r["target_id"]) for r in rows["reference"]] == [
        ("general-practitioner", "Practitioner", "gp1")
    ]


def test_absolute_local_reference_indexed_as_local() -> None:
    obs = {"resourceType": "Observation", "id": "x", "subject": {"reference": f"{BASE}/Patient/p1"}}
    refs = {
        (r["param"], r["target_type"], r["target_id"], r["url"])
        for r in as_dicts("reference", index_rows(obs, BASE)["reference"])
    }
    assert ("subject", "Patient", "p1", f"{BASE}/Patient/p1") in refs
    elsewhere = as_dicts("reference", index_rows(obs, "https://other.example/fhir")["reference"])
    assert all(r["target_id"] is None for r in elsewhere)


def test_update_replaces_rows(engine: Engine, store: Store) -> None:
    store(PATIENTS[0])
    before = _count(engine)
    store({**PATIENTS[0], "gender": "male"})
    assert _count(engine) == before
    with engine.connect() as conn:
        genders = conn.execute(select(search_token.c.code).where(search_token.c.param == "gender")).scalars().all()
    assert genders == ["male"]
    with engine.begin() as conn:
        delete_index(conn, "Patient", "p1")
    assert _count(engine) == 0


def test_replace_index_many(engine: Engine) -> None:
    items = [(r["resourceType"], r["id"], index_rows(r, BASE)) for r in ALL]
    with engine.begin() as conn:
        first = replace_index_many(conn, items)
        again = replace_index_many(conn, items)
    assert first == again == _count(engine) > len(ALL)


def test_compartment_ids(engine: Engine, store: Store) -> None:
    store(*ALL)
    with engine.connect() as conn:
        members = list(compartment_ids(conn, ["p1"]))
        only = list(compartment_ids(conn, ["p1", "p2"], types=["Condition"]))
        later = list(compartment_ids(conn, ["p1"], types=["Condition"], since=2**60))
    assert ("Patient", "p1") in members and ("Observation", "o4") in members
    assert ("Observation", "o3") not in members and ("Practitioner", "gp1") not in members
    assert {t for t, _ in members} >= {"Condition", "Encounter", "Appointment", "QuestionnaireResponse"}
    assert only == [("Condition", "c1"), ("Condition", "c2"), ("Condition", "c3")]
    assert later == []
