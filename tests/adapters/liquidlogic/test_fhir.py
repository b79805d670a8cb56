"""Everything the adapter makes is valid R4B FHIR, coded in CodeSystems it publishes, and the
Care Act outcome Observations answer 'who cannot manage nutrition unaided'."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fhir.resources.R4B import get_fhir_model_class

from adapters.codemaps import MAPPINGS_DIR, default_maps
from adapters.liquidlogic import codesystems, ids
from adapters.liquidlogic.review_due import outcome_links
from adapters.liquidlogic.sample import write_export
from adapters.sample.people import generate_people
from adapters.uris import code_system, identifier_system
from tests.adapters.liquidlogic.helpers import FIXTURES, read, store

OMAHA_SHAPE_OUTCOMES = [
    "managing-nutrition",
    "maintaining-personal-hygiene",
    "managing-toilet-needs",
    "being-appropriately-clothed",
    "using-home-safely",
    "maintaining-habitable-home",
    "developing-relationships",
    "work-training-education-volunteering",
    "using-community-facilities",
    "carrying-out-caring-responsibilities",
]
OMAHA_SHAPE_PSR = [
    "physical-access-mobility",
    "physical-personal-care",
    "sensory-visual",
    "sensory-hearing",
    "sensory-dual",
    "memory-cognition",
    "learning-disability",
    "mental-health",
    "social-substance-misuse",
    "social-asylum-seeker",
    "social-isolation-other",
    "social-support-to-carer",
    "unknown",
]


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = write_export(generate_people(80, 11), tmp_path_factory.mktemp("ll"), 11)
    return store(read(out))


def test_every_resource_from_fixture_and_sample_validates(sample_store: dict) -> None:
    for resources in (store(read(FIXTURES / "export-small")), sample_store):
        for (rtype, _), resource in resources.items():
            get_fhir_model_class(rtype).model_validate(resource)


def test_shared_code_systems_have_exactly_the_agreed_codes() -> None:
    assert list(codesystems.get("care-act-outcome").displays) == OMAHA_SHAPE_OUTCOMES
    assert list(codesystems.get("primary-support-reason").displays) == OMAHA_SHAPE_PSR
    for cs in codesystems.code_systems():
        get_fhir_model_class("CodeSystem").model_validate(cs.resource)
        assert cs.url == code_system(cs.name)


def test_every_map_target_exists_in_its_code_system() -> None:
    published = {cs.url: cs for cs in codesystems.code_systems()}
    for cmap in default_maps():
        if not cmap.name.startswith("liquidlogic-"):
            continue
        for source, target in cmap.entries.items():
            if target.system in published:
                assert target.code in published[target.system].displays, (cmap.name, source)


def test_identifier_systems_follow_the_uri_rule() -> None:
    data = json.loads((MAPPINGS_DIR / "identifier-systems" / "liquidlogic.json").read_text())
    for table in data["tables"]:
        assert ids.system(table).startswith(identifier_system("liquidlogic", ""))


def test_outcome_links_cover_the_omaha_engineers_map() -> None:
    maps = default_maps()
    if "care-act-outcome-to-omaha" not in maps:
        pytest.skip("Omaha map not present")
    for outcome, target in maps["care-act-outcome-to-omaha"].entries.items():
        assert target.code in outcome_links()[outcome], outcome


def test_who_cannot_manage_nutrition_unaided_is_a_search(sample_store: dict) -> None:
    nutrition = code_system("care-act-outcome")

    def unaided(obs: dict) -> bool:
        return any(
            comp["code"]["coding"][0]["code"] == "needs-assistance"
            and comp["valueCodeableConcept"]["coding"][0]["code"] == "yes"
            for comp in obs.get("component", [])
        )

    hits = [
        o
        for (t, _), o in sample_store.items()
        if t == "Observation"
        and o["code"]["coding"][0]
        == {"system": nutrition, "code": "managing-nutrition", "display": "Managing and maintaining nutrition"}
        and o["valueCodeableConcept"]["coding"][0]["code"] == "cannot-achieve"
        and unaided(o)
    ]
    assert hits, "the sample should hold people who cannot manage nutrition without help"


def test_services_become_costed_support_plan_activities() -> None:
    resources = store(read(FIXTURES / "export-small"))
    plan = next(r for (t, _), r in resources.items() if t == "CarePlan" and r["identifier"][0]["value"] == "400101")
    service = next(a for a in plan["activity"] if a["detail"]["code"]["coding"][0]["code"] == "home-support")
    by_url = {e["url"].rsplit("/", 1)[1]: e for e in service["detail"]["extension"]}
    assert by_url["social-care-unit-cost"]["valueMoney"] == {"value": 21.5, "currency": "GBP"}
    assert by_url["social-care-planned-units-per-week"]["valueDecimal"] == 10.5
    assert (
        by_url["social-care-delivery-mechanism"]["valueCodeableConcept"]["coding"][0]["code"]
        == "cassr-managed-personal-budget"
    )
    assert service["detail"]["performer"][0]["identifier"]["value"] == "1-101010101"
    assert {"informal-support"} <= {a["detail"]["code"]["coding"][0]["code"] for a in plan["activity"]}
    assert plan["extension"][0]["valueMoney"]["value"] == 225.75


def test_eligibility_comes_from_the_form_when_there_is_one() -> None:
    records = read(FIXTURES / "export-small")
    resources = store(records)
    decisions = [
        r
        for (t, _), r in resources.items()
        if t == "Condition" and r["category"][0]["coding"][0]["code"] == "care-act-eligibility-decision"
    ]
    by_encounter = {d["encounter"]["reference"]: d for d in decisions}
    assert len(by_encounter) == 2
    form_made = [d for d in decisions if "evidence" in d]
    assert len(form_made) == 1 and len(form_made[0]["evidence"][0]["detail"]) == 4
    row_made = [d for d in decisions if "evidence" not in d]
    assert row_made[0]["code"]["text"] == "Eligible_Needs_Identified: Yes"


def test_carer_known_by_association_is_a_related_person_of_the_cared_for() -> None:
    resources = store(read(FIXTURES / "export-small"))
    carer = next(r for (t, _), r in resources.items() if t == "RelatedPerson")
    margaret = next(r for (t, _), r in resources.items() if t == "Patient" and r["identifier"][0]["value"] == "400101")
    assert carer["patient"]["reference"] == f"Patient/{margaret['id']}"
    assert carer["name"][0] == {"family": "Holloway", "given": ["Peter"]}
    assert carer["extension"][0]["valueDecimal"] == 35


def test_reimport_gives_identical_ids() -> None:
    first = store(read(FIXTURES / "export-small"))
    assert first == store(read(FIXTURES / "export-small"))


def test_codesystem_dir_holds_only_valid_json() -> None:
    for path in Path(codesystems.CODESYSTEM_DIR).glob("*.json"):
        json.loads(path.read_text(encoding="utf-8"))
