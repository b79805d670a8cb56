"""$lookup, $expand and $translate over the shipped terminology, as the HTTP layer will call them."""

from __future__ import annotations

from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class

from adapters.uris import code_system, concept_map, value_set
from gateway.outcomes import FhirError
from gateway.terminology import default_terminology, expand, lookup, translate


def _param(params: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return [p for p in params["parameter"] if p["name"] == name]


def _properties(params: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for prop in _param(params, "property"):
        parts = {p["name"]: p for p in prop["part"]}
        value = parts["value"]
        out[parts["code"]["valueCode"]] = next(v for k, v in value.items() if k.startswith("value"))
    return out


def test_lookup_problem_27_is_circulation_in_the_physiological_domain() -> None:
    result = lookup(code_system("omaha-problem"), "27")
    get_fhir_model_class("Parameters").model_validate(result)
    assert _param(result, "display")[0]["valueString"] == "Circulation"
    assert _properties(result)["domain"] == "Physiological"
    assert _properties(result)["code-status"] == "official"


def test_lookup_of_a_rating_value_gives_its_anchor() -> None:
    result = lookup(code_system("omaha-rating-scale"), "behavior-2", properties=["score", "parent"])
    assert _param(result, "display")[0]["valueString"] == "Rarely appropriate behavior"
    assert _properties(result) == {"score": 2, "parent": "behavior"}


def test_lookup_sign_symptom_names_its_problem_and_is_local() -> None:
    props = _properties(lookup(code_system("omaha-sign-symptom"), "24.01"))
    assert props["problem"] == "24"
    assert props["code-status"] == "local"


@pytest.mark.parametrize(("system", "code", "version"), [
    (code_system("omaha-problem"), "43", None),
    ("http://example.org/unknown", "1", None),
    (code_system("omaha-problem"), "27", "1992"),
])
def test_lookup_unknown_is_not_found(system: str, code: str, version: str | None) -> None:
    with pytest.raises(FhirError) as err:
        lookup(system, code, version)
    assert err.value.status == 404


def test_translate_care_act_hygiene_to_personal_care() -> None:
    result = translate("maintaining-personal-hygiene", code_system("care-act-outcome"))
    get_fhir_model_class("Parameters").model_validate(result)
    assert _param(result, "result")[0]["valueBoolean"] is True
    parts = {p["name"]: p for p in _param(result, "match")[0]["part"]}
    assert parts["concept"]["valueCoding"]["code"] == "38"
    assert parts["concept"]["valueCoding"]["display"] == "Personal care"
    assert parts["source"]["valueUri"] == concept_map("care-act-outcome-to-omaha")


def test_translate_problem_to_oms_by_map_url() -> None:
    result = translate("27", code_system("omaha-problem"), url=concept_map("omaha-to-oms"))
    match = {p["name"]: p for p in _param(result, "match")[0]["part"]}
    assert match["concept"]["valueCoding"] == {
        "system": "http://terminology.hl7.org/CodeSystem/oms", "code": "27", "display": "Circulation"}


def test_translate_unmapped_code_says_no() -> None:
    result = translate("not-a-psr", code_system("primary-support-reason"))
    assert _param(result, "result")[0]["valueBoolean"] is False
    assert "psr-to-omaha" in _param(result, "message")[0]["valueString"]


def test_translate_without_a_map_is_not_found() -> None:
    with pytest.raises(FhirError) as err:
        translate("1", "http://example.org/nowhere")
    assert err.value.status == 404


def test_expand_scope_value_set() -> None:
    result = expand(value_set("omaha-scope"))
    get_fhir_model_class("ValueSet").model_validate(result)
    assert [c["code"] for c in result["expansion"]["contains"]] == ["individual", "family", "community"]


def test_expand_filter_and_paging() -> None:
    everything = expand(value_set("omaha-target"))
    assert everything["expansion"]["total"] == 76
    page = expand(value_set("omaha-target"), count=10, offset=70)
    assert [c["code"] for c in page["expansion"]["contains"]] == ["71", "72", "73", "74", "75", "76"]
    found = expand(value_set("omaha-problem"), filter="circ")
    assert [c["code"] for c in found["expansion"]["contains"]] == ["27"]


def test_every_published_value_set_expands_to_known_codes() -> None:
    term = default_terminology()
    omaha_sets = [url for url in term.value_sets if "/ValueSet/omaha-" in url]
    assert len(omaha_sets) >= 9
    for url in omaha_sets:
        contains = expand(url)["expansion"]["contains"]
        assert contains
        assert all(term.concept(c["system"], c["code"]) for c in contains)


def test_expand_unknown_value_set_is_not_found() -> None:
    with pytest.raises(FhirError) as err:
        expand(value_set("no-such-set"))
    assert err.value.status == 404
