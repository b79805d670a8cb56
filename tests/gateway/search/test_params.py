"""Parsing query parameters into a SearchRequest: values, escapes, prefixes, modifiers and errors."""

from __future__ import annotations

import pytest

from gateway.outcomes import FhirError
from gateway.search.params import parse_search
from gateway.search.values_parse import QuantityValue, RangeValue, ReferenceValue, TextValue, TokenValue

BASE = "https://gw.example/fhir"


def parse(rtype: str, *params: tuple[str, str], strict: bool = True, **kw: object):  # type: ignore[no-untyped-def]
    return parse_search(rtype, list(params), BASE, strict, **kw)  # type: ignore[arg-type]


def test_commas_or_and_repeats_and() -> None:
    req = parse("Patient", ("gender", "male,female"), ("gender", "other"))
    assert [len(f.values) for f in req.filters] == [2, 1]


def test_token_forms_and_escapes() -> None:
    (f,) = parse("Patient", ("identifier", r"https://fhir.nhs.uk/Id/nhs-number|999\|1,|x,sys|")).filters
    assert f.values == (
        TokenValue("https://fhir.nhs.uk/Id/nhs-number", "999|1", False),
        TokenValue(None, "x", False),
        TokenValue("sys", None, False),
    )
    (g,) = parse("Patient", ("name", r"a\,b")).filters
    assert g.values == (TextValue("a,b"),)


def test_prefixes_and_precision() -> None:
    (d,) = parse("Observation", ("date", "ge2020-02")).filters
    assert isinstance(d.values[0], RangeValue) and d.values[0].prefix == "ge"
    assert d.values[0].high - d.values[0].low + 1 == 29 * 86_400_000_000
    (q,) = parse("Observation", ("value-quantity", "lt5.40|http://unitsofmeasure.org|mmol/L")).filters
    assert q.values == (QuantityValue("lt", 5.395, 5.405, 5.4, "http://unitsofmeasure.org", "mmol/L"),)


def test_reference_forms() -> None:
    f = parse("Observation", ("subject", "Patient/1,2"), ("subject", f"{BASE}/Patient/3")).filters
    assert f[0].values == (ReferenceValue("Patient", "1", None), ReferenceValue(None, "2", None))
    assert f[1].values == (ReferenceValue("Patient", "3", None),)
    (t,) = parse("Observation", ("subject:Patient", "9")).filters
    assert t.values == (ReferenceValue("Patient", "9", None),)
    (c,) = parse("QuestionnaireResponse", ("questionnaire", "http://q.example/Questionnaire/x|2")).filters
    assert c.values == (ReferenceValue(None, None, "http://q.example/Questionnaire/x"),)


def test_count_capped_and_common_params() -> None:
    req = parse("Patient", ("_count", "5000"), ("_sort", "-birthdate,family"), ("_total", "none"), max_page_size=50)
    assert req.count == 50 and req.total == "none"
    assert [(k.code, k.descending) for k in req.sort] == [("birthdate", True), ("family", False)]


@pytest.mark.parametrize(
    ("params", "expression"),
    [
        ([("nonsense", "1")], "nonsense"),
        ([("birthdate", "2020-13-45")], "birthdate"),
        ([("birthdate", "notadate")], "birthdate"),
        ([("gender:exact", "x")], "gender:exact"),
        ([("name:below", "x")], "name:below"),
        ([("_count", "-1")], "_count"),
        ([("_sort", "nonsense")], "_sort"),
        ([("_include", "Observation:subject")], "_include"),
        ([("_summary", "maybe")], "_summary"),
        ([("general-practitioner.nonsense", "x")], "general-practitioner.nonsense"),
        ([("active:missing", "perhaps")], "active:missing"),
        ([("phonetic", "smyth")], "phonetic"),
    ],
)
def test_errors_name_the_parameter(params: list[tuple[str, str]], expression: str) -> None:
    with pytest.raises(FhirError) as exc:
        parse("Patient", *params)
    assert exc.value.status == 400
    assert exc.value.outcome["issue"][0]["expression"] == [expression]


def test_lenient_ignores_and_reports_unknown() -> None:
    req = parse("Patient", ("nonsense", "1"), ("gender", "male"), strict=False)
    assert [f.code for f in req.filters] == ["gender"]
    assert req.ignored == ("nonsense: unknown search parameter",)


def test_unserved_type_rejected() -> None:
    with pytest.raises(FhirError):
        parse("ImagingStudy", ("modality", "x"))
