"""A generated sample (SystmOne extract + Liquidlogic export of the same people) imported into a
migrated database, with linking running inside the imports as the gateway runs it."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from adapters import nhs_number
from adapters.liquidlogic import ids as ll_ids
from adapters.liquidlogic.sample import write_export
from adapters.liquidlogic.sample_story import la_person_id
from adapters.registry import get_adapter
from adapters.sample.people import Person, generate_people
from adapters.systmone import ids as s1_ids
from adapters.systmone.sample import write_extract
from gateway.app import build_repository
from gateway.imports.pipeline import ImportRunner
from gateway.repository.sql import SqlRepository
from gateway.settings import Settings

PEOPLE = 60
SEED = 11


@dataclass(frozen=True)
class Sample:
    """The generated files and what they say, read back from the files themselves."""

    folders: dict[str, Path]
    people: list[Person]
    s1_nhs: dict[str, str]  # SystmOne Patient id -> NHS number as written in SRPatient.csv
    ll_nhs: dict[str, str]  # Liquidlogic Patient id -> NHS number as written in cld_events.csv

    def valid_numbers(self) -> set[str]:
        """Every valid NHS number in any source: the people who must have a golden Patient."""
        return {n for n in (*self.s1_nhs.values(), *self.ll_nhs.values()) if nhs_number.is_valid(n)}

    def pairs(self) -> list[tuple[Person, str, str]]:
        """(person, SystmOne id, Liquidlogic id) for people both sources hold (the sample's own key:
        SRPatient RowIdentifier is the person number, the LA person id is derived from it)."""
        out = []
        for person in self.people:
            s1 = s1_ids.resource_id("SRPatient", person.number)
            ll = ll_ids.resource_id("person", la_person_id(person))
            if s1 in self.s1_nhs and ll in self.ll_nhs:
                out.append((person, s1, ll))
        return out


def read_sample(root: Path, people: int = PEOPLE, seed: int = SEED) -> Sample:
    population = generate_people(people, seed)
    folders = {"systmone": write_extract(population, root / "systmone", seed),
               "liquidlogic": write_export(population, root / "liquidlogic", seed)}
    with (folders["systmone"] / "SRPatient.csv").open(encoding="cp1252", newline="") as handle:
        s1 = {s1_ids.resource_id("SRPatient", row["RowIdentifier"]): nhs_number.normalise(row["NHSNumber"])
              for row in csv.DictReader(handle)}
    with (folders["liquidlogic"] / "cld_events.csv").open(encoding="utf-8", newline="") as handle:
        ll = {ll_ids.resource_id("person", row["LA_Person_Unique_Identifier"]): nhs_number.normalise(row["NHS_Number"])
              for row in csv.DictReader(handle)}
    return Sample(folders, population, s1, ll)


@pytest.fixture(scope="session")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Sample:
    """The generated sample, written once per session."""
    return read_sample(tmp_path_factory.mktemp("linking-sample"))


def import_all(repo: SqlRepository, folders: dict[str, Path]) -> dict[str, dict[str, int]]:
    return {source: ImportRunner(repo, user="test:linking").run(get_adapter(source), folder).counts
            for source, folder in folders.items()}


@pytest.fixture
def repo(settings: Settings) -> Iterator[SqlRepository]:
    """The gateway's repository (every hook the app registers, linking included) on an empty database."""
    repository = build_repository(settings)
    yield repository
    repository.db.dispose()


@pytest.fixture
def imported(repo: SqlRepository, sample: Sample) -> SqlRepository:
    """The repository after importing the sample's SystmOne extract, then its Liquidlogic export."""
    import_all(repo, sample.folders)
    return repo
