"""The sample export: deterministic for a seed, overlapping the health record the way real areas
do, mixing R1 and R2 spellings, and importing with only the planted faults rejected."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from adapters.base import Converted, Rejected
from adapters.liquidlogic.sample import write_export
from adapters.liquidlogic.sample_story import la_person_id
from adapters.sample.people import generate_people
from tests.adapters.liquidlogic.helpers import read


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> tuple[list, Path]:
    people = generate_people(150, 3)
    return people, write_export(people, tmp_path_factory.mktemp("a"), 3)


def test_same_seed_same_bytes_other_seed_other_bytes(export: tuple[list, Path], tmp_path: Path) -> None:
    people, first = export
    assert _files(first) == _files(write_export(people, tmp_path / "again", 3))
    assert _files(first) != _files(write_export(generate_people(150, 4), tmp_path / "other", 4))


def test_overlaps_with_the_health_record(export: tuple[list, Path]) -> None:
    people, folder = export
    rows = list(csv.DictReader((folder / "cld_events.csv").open(encoding="utf-8")))
    users = {r["LA_Person_Unique_Identifier"]: r for r in rows if "carer" not in r["Client_Type"].lower()}
    by_id = {la_person_id(p): p for p in people}
    known_both = [i for i in users if i in by_id]
    only_social = [i for i in users if i not in by_id]
    assert len(known_both) > len(only_social) >= 2
    assert any(p.on_caseload and la_person_id(p) not in users for p in people)  # only in the GP record
    differs = [
        i
        for i in known_both
        if users[i]["Person_Family_Name"] != by_id[i].family_name
        or users[i]["Address_Line_2"] != by_id[i].current_address.locality
        or users[i]["Date_of_Birth"] not in (by_id[i].birth_date.isoformat(), by_id[i].birth_date.strftime("%d/%m/%Y"))
    ]
    assert differs
    assert any(not r["NHS_Number"] for r in users.values())
    assert any("known by association" in r["Client_Type"].lower() and not r["Event_Type"] for r in rows)


def test_mixes_release_1_and_release_2_spellings(export: tuple[list, Path]) -> None:
    _, folder = export
    text = (folder / "cld_events.csv").read_text(encoding="utf-8")
    assert "Service User" in text and "Service user" in text


def test_imports_with_only_the_planted_faults_rejected(export: tuple[list, Path]) -> None:
    _, folder = export
    records = read(folder)
    rejected = [r for r in records if isinstance(r, Rejected)]
    assert sorted(r.code for r in rejected) == ["LL-103", "LL-104", "LL-201", "LL-302"]
    assert sum(isinstance(r, Converted) for r in records) > 100
