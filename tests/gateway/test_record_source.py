"""Source systems are named once, in the record-source CodeSystem: the pages' badges and the
links of golden Patients read the same concepts, and the CodeSystem is served like the others."""

from __future__ import annotations

from typing import Any

from gateway.linking.golden import build_golden
from gateway.pages.sources import SOURCES
from gateway.record_source import RECORD_SOURCE_SYSTEM, record_sources
from gateway.terminology import lookup


def test_pages_name_every_source_the_code_system_defines() -> None:
    assert {k: s.label for k, s in SOURCES.items()} == {k: s.display for k, s in record_sources().items()}
    assert SOURCES["liquidlogic"].label == "Liquidlogic" and SOURCES["omaha"].label == "Team assessment"


def test_record_labels_are_served_by_lookup() -> None:
    found = lookup(RECORD_SOURCE_SYSTEM, "systmone")
    assert {"name": "display", "valueString": "SystmOne"} in found["parameter"]
    parts = [p["part"] for p in found["parameter"] if p["name"] == "property"]
    assert [{"name": "code", "valueCode": "record-label"}, {"name": "value", "valueString": "SystmOne (GP) record"}] \
        == parts[0][:2]


def test_a_golden_patient_names_its_sources_by_their_record_label() -> None:
    sources: list[dict[str, Any]] = [
        {"resourceType": "Patient", "id": "s1", "identifier": [
            {"system": "https://care-gateway.example/Id/systmone/SRPatient", "value": "1"}]},
        {"resourceType": "Patient", "id": "l1", "identifier": [
            {"system": "https://care-gateway.example/Id/liquidlogic/person", "value": "P1"}]},
        {"resourceType": "Patient", "id": "x1"},
    ]
    golden = build_golden("g1", None, sources)
    assert {link["other"]["display"] for link in golden["link"]} == {
        "SystmOne (GP) record", "Liquidlogic (social care) record", "Source record"}
