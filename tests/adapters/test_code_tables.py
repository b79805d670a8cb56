"""Code tables that used to live in the adapters' code are data in mappings/: loaded through the
start-up loaders and served over FHIR like every other map and code system."""

from __future__ import annotations

import pytest

from adapters.codemaps import default_maps
from adapters.omaha.vocabulary import SCALES, vocabulary
from adapters.uris import code_system, concept_map
from gateway.pages.chart import SCALES as CHART_SCALES
from gateway.terminology import default_terminology, lookup, translate

MOVED_MAPS = (
    "systmone-gender",
    "systmone-nhs-number-verification",
    "systmone-relationship-flag-column",
    "liquidlogic-eligibility-by-flag",
    "liquidlogic-form-category",
)


@pytest.mark.parametrize("name", MOVED_MAPS)
def test_moved_map_is_served_as_a_concept_map(name: str) -> None:
    served = default_terminology().concept_maps[concept_map(name)]
    assert served.to_concept_map()["group"][0]["element"]


def test_systmone_gender_translates_and_rejects_what_it_lacks() -> None:
    result = translate("I", code_system("systmone-gender"), url=concept_map("systmone-gender"))
    match = next(p for p in result["parameter"] if p["name"] == "match")
    concept = next(part for part in match["part"] if part["name"] == "concept")
    assert concept["valueCoding"]["code"] == "other"
    assert default_maps()["systmone-gender"].get("X") is None


def test_relationship_flag_columns_name_codes_of_the_published_code_system() -> None:
    flags = default_terminology().code_system(code_system("systmone-relationship-flag"))
    assert flags is not None
    for column, target in default_maps()["systmone-relationship-flag-column"].entries.items():
        assert flags.concepts[target.code].display == target.display, column


def test_eligibility_targets_are_codes_of_the_care_act_eligibility_system() -> None:
    eligibility = default_terminology().code_system(code_system("care-act-eligibility"))
    assert eligibility is not None
    for flag, target in default_maps()["liquidlogic-eligibility-by-flag"].entries.items():
        assert eligibility.concepts[target.code].display == target.display, flag


def test_spelling_is_the_first_fully_equivalent_source_value() -> None:
    ethnicity = default_maps()["liquidlogic-ethnicity"]
    # 'White: Gypsy or Irish Traveller' comes first for C but is only a wider match.
    assert ethnicity.spelling("C") == "White: Any other White background"
    assert ethnicity.spelling("A") == "White: English, Welsh, Scottish, Northern Irish or British"
    assert ethnicity.spelling("no-such-code") is None


def test_scale_names_come_from_the_en_gb_supplement() -> None:
    v = vocabulary()
    assert [v.scale_label(s) for s in SCALES] == ["Knowledge", "Behaviour", "Status"]
    assert v.scale_words["behavior"] == "what the person does"
    assert [(s.key, s.label) for s in CHART_SCALES] == [(s, v.scale_label(s)) for s in SCALES]


def test_the_supplement_is_served_and_supplements_the_rating_scale() -> None:
    supplement = default_terminology().code_system(code_system("omaha-rating-scale-en-gb"))
    assert supplement is not None
    assert supplement.resource["content"] == "supplement"
    assert supplement.resource["supplements"] == code_system("omaha-rating-scale")
    found = lookup(code_system("omaha-rating-scale-en-gb"), "status")
    words = [p for p in found["parameter"] if p["name"] == "property"]
    assert {"name": "value", "valueString": "how the person is"} in words[0]["part"]
