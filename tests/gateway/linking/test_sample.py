"""Linking on the generated sample: golden Patients by NHS number only, the rest as candidates."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

from adapters import nhs_number
from adapters.nhs_number import NHS_NUMBER_SYSTEM, generate_test_number
from gateway.linking.golden import golden_id_for_nhs
from gateway.repository.sql import SqlRepository
from tests.gateway.linking.conftest import Sample, import_all
from tests.gateway.linking.helpers import candidate_between, candidates, golden_of, goldens, link_rows


def test_golden_patients_are_the_people_with_a_valid_nhs_number(imported: SqlRepository, sample: Sample) -> None:
    made = goldens(imported)
    numbers = {ident["value"] for body in made.values() for ident in body.get("identifier", [])
               if ident["system"] == NHS_NUMBER_SYSTEM}
    assert numbers == sample.valid_numbers()
    assert len(made) == len(sample.valid_numbers())
    assert set(made) == {golden_id_for_nhs(n) for n in numbers}


def test_each_golden_links_every_source_with_its_number(imported: SqlRepository, sample: Sample) -> None:
    for source_id, number in {**sample.s1_nhs, **sample.ll_nhs}.items():
        expected = golden_id_for_nhs(number) if nhs_number.is_valid(number) else None
        assert golden_of(imported, source_id) == expected
    made = goldens(imported)
    for golden_id, body in made.items():
        number = body["identifier"][0]["value"]
        sources = sorted(pid for pid, n in {**sample.s1_nhs, **sample.ll_nhs}.items() if n == number)
        assert [link["other"]["reference"] for link in body["link"]] == [f"Patient/{pid}" for pid in sources]
        assert {link["type"] for link in body["link"]} == {"seealso"}


def test_same_number_in_both_sources_makes_one_golden_even_when_demographics_differ(
        imported: SqlRepository, sample: Sample) -> None:
    both = [(p, s1, ll) for p, s1, ll in sample.pairs()
            if nhs_number.is_valid(sample.s1_nhs[s1]) and sample.s1_nhs[s1] == sample.ll_nhs[ll]]
    assert both
    for _person, s1, ll in both:
        assert golden_of(imported, s1) == golden_of(imported, ll) == golden_id_for_nhs(sample.s1_nhs[s1])
        assert candidate_between(imported, s1, ll) is None


def test_people_known_only_by_demographics_are_candidates_not_merged(imported: SqlRepository, sample: Sample) -> None:
    unnumbered = [(p, s1, ll) for p, s1, ll in sample.pairs()
                  if not (nhs_number.is_valid(sample.s1_nhs[s1]) and nhs_number.is_valid(sample.ll_nhs[ll]))]
    assert unnumbered, "the sample should hold someone without a valid NHS number in one source"
    for _person, s1, ll in unnumbered:
        assert golden_of(imported, s1) is None or golden_of(imported, s1) != golden_of(imported, ll)
        row = candidate_between(imported, s1, ll)
        assert row is not None and row.status == "open" and row.score >= 0.6
        assert any("NHS number" in reason for reason in json.loads(row.reasons))
    for row in candidates(imported):
        linked = golden_of(imported, row.patient_a)
        assert linked is None or linked != golden_of(imported, row.patient_b)
    assert {row.how for row in link_rows(imported)} == {"nhs-number"}


def test_reimport_changes_nothing(imported: SqlRepository, sample: Sample) -> None:
    before = (link_rows(imported), [tuple(r) for r in candidates(imported)],
              {g: b["meta"]["versionId"] for g, b in goldens(imported).items()})
    counts = import_all(imported, sample.folders)
    assert all(c["created"] == c["updated"] == 0 for c in counts.values())
    after = (link_rows(imported), [tuple(r) for r in candidates(imported)],
             {g: b["meta"]["versionId"] for g, b in goldens(imported).items()})
    assert after == before


def test_a_changed_number_in_a_new_extract_moves_the_link(imported: SqlRepository, sample: Sample,
                                                          tmp_path: Path) -> None:
    # Setup: a person both sources hold under one valid number
    person, s1, ll = next((p, s1, ll) for p, s1, ll in sample.pairs()
                          if nhs_number.is_valid(sample.s1_nhs[s1]) and sample.s1_nhs[s1] == sample.ll_nhs[ll])
    old, new = sample.s1_nhs[s1], generate_test_number(random.Random("linking-test"))
    # A new SystmOne extract where the GP record carries another number
    folder = tmp_path / "systmone"
    shutil.copytree(sample.folders["systmone"], folder)
    path = folder / "SRPatient.csv"
    text = path.read_bytes().decode("cp1252")
    assert text.count(old) == 1
    path.write_bytes(text.replace(old, new).encode("cp1252"))
    counts = import_all(imported, {"systmone": folder})["systmone"]
    assert counts["updated"] == 1
    # The GP record moved to the new number's golden; the council record kept the old one
    assert golden_of(imported, s1) == golden_id_for_nhs(new)
    assert golden_of(imported, ll) == golden_id_for_nhs(old)
    assert set(goldens(imported)) == {golden_id_for_nhs(n) for n in sample.valid_numbers() | {new}}
