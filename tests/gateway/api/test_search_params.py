"""Search parameter types, modifiers and prefixes, and how unknown parameters are handled.
See https://hl7.org/fhir/R4/search.html#ptypes"""

from __future__ import annotations

import pytest

from tests.gateway.api.fhir_api import MRN, NHS, FhirApi, assert_outcome, ids_of

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"


def weight(fhir: FhirApi, subject: str, kg: float, when: str = "2024-05-01") -> str:
    return fhir.create({
        "resourceType": "Observation", "status": "final",
        "code": {"coding": [{"system": LOINC, "code": "29463-7"}]},
        "subject": {"reference": f"Patient/{subject}"}, "effectiveDateTime": when,
        "valueQuantity": {"value": kg, "unit": "kg", "system": UCUM, "code": "kg"},
    })["id"]


def ids(fhir: FhirApi, query: str) -> set[str]:
    return set(ids_of(fhir.search(query)))


def test_token_system_and_code(fhir: FhirApi) -> None:
    mrn = fhir.mrn()
    wanted = fhir.patient(identifier=[{"system": MRN, "value": mrn}])["id"]
    fhir.patient(identifier=[{"system": "https://other.example/ids", "value": mrn}])
    assert ids(fhir, f"Patient?identifier={MRN}|{mrn}") == {wanted}
    assert len(ids(fhir, f"Patient?identifier={mrn}")) == 2


def test_token_code_only_and_system_only(fhir: FhirApi) -> None:
    female = fhir.patient(gender="female")["id"]
    fhir.patient(gender="male")
    assert ids(fhir, "Patient?gender=female") == {female}
    assert ids(fhir, f"Patient?identifier={MRN}|") == set()


def test_token_not_modifier(fhir: FhirApi) -> None:
    fhir.patient(gender="female")
    male = fhir.patient(gender="male")["id"]
    assert ids(fhir, "Patient?gender:not=female") == {male}


def test_string_default_is_case_insensitive_prefix(fhir: FhirApi) -> None:
    ashby = fhir.patient(family="Ashby")["id"]
    fhir.patient(family="Nashby")
    assert ids(fhir, "Patient?family=ash") == {ashby}


def test_string_exact(fhir: FhirApi) -> None:
    exact = fhir.patient(family="Ashby")["id"]
    fhir.patient(family="Ashbyson")
    fhir.patient(family="ashby")
    assert ids(fhir, "Patient?family:exact=Ashby") == {exact}


def test_string_contains(fhir: FhirApi) -> None:
    nashby = fhir.patient(family="Nashby")["id"]
    fhir.patient(family="Brown")
    assert ids(fhir, "Patient?family:contains=SHB") == {nashby}


def test_name_matches_given_names_too(fhir: FhirApi) -> None:
    made = fhir.create({"resourceType": "Patient", "name": [{"family": "Cole", "given": ["Marigold"]}]})["id"]
    assert ids(fhir, "Patient?name=marig") == {made}


@pytest.mark.parametrize(("query", "expected"), [
    ("birthdate=1980", {"y1980"}),
    ("birthdate=1980-06", {"y1980"}),
    ("birthdate=ge1980-06-15", {"y1980", "y1990"}),
    ("birthdate=lt1980-06-15", {"y1970"}),
    ("birthdate=lt1980", {"y1970"}),
    ("birthdate=ge1981", {"y1990"}),
    ("birthdate=ge1970&birthdate=lt1990", {"y1970", "y1980"}),
])
def test_date_prefixes_with_partial_dates(fhir: FhirApi, query: str, expected: set[str]) -> None:
    made = {f"y{y}": fhir.patient(birthDate=d)["id"]
            for y, d in (("1970", "1970-01-01"), ("1980", "1980-06-15"), ("1990", "1990-12-31"))}
    assert ids(fhir, f"Patient?{query}") == {made[k] for k in expected}


def test_date_that_is_not_a_date_is_400(fhir: FhirApi) -> None:
    assert_outcome(fhir.get("Patient", birthdate="yesterday"), 400)


def test_reference_by_id_and_by_type_and_id(fhir: FhirApi) -> None:
    ann, bob = fhir.patient()["id"], fhir.patient()["id"]
    mine = weight(fhir, ann, 70)
    weight(fhir, bob, 80)
    assert ids(fhir, f"Observation?subject=Patient/{ann}") == {mine}
    assert ids(fhir, f"Observation?subject={ann}") == {mine}
    assert ids(fhir, f"Observation?patient={ann}") == {mine}
    assert ids(fhir, f"Observation?subject:Patient={ann}") == {mine}


def test_reference_identifier_modifier(fhir: FhirApi) -> None:
    nhs = fhir.nhs_number()
    made = fhir.create({"resourceType": "Observation", "status": "final", "code": {"text": "note"},
                        "subject": {"identifier": {"system": NHS, "value": nhs}}})["id"]
    assert ids(fhir, f"Observation?subject:identifier={NHS}|{nhs}") == {made}


def test_chained_reference(fhir: FhirApi) -> None:
    ann = fhir.patient(family="Chained")["id"]
    mine = weight(fhir, ann, 70)
    weight(fhir, fhir.patient(family="Unchained")["id"], 71)
    assert ids(fhir, "Observation?subject:Patient.family=Chained") == {mine}


@pytest.mark.parametrize(("query", "expected"), [
    ("value-quantity=70", {70}),
    ("value-quantity=gt70", {80}),
    ("value-quantity=ge70", {70, 80}),
    ("value-quantity=lt70", {60}),
    ("value-quantity=le70|http://unitsofmeasure.org|kg", {60, 70}),
    ("value-quantity=70||kg", {70}),
])
def test_quantity_prefixes(fhir: FhirApi, query: str, expected: set[int]) -> None:
    who = fhir.patient()["id"]
    made = {kg: weight(fhir, who, kg) for kg in (60, 70, 80)}
    assert ids(fhir, f"Observation?{query}") == {made[k] for k in expected}


def test_observation_date_prefix(fhir: FhirApi) -> None:
    who = fhir.patient()["id"]
    early, late = weight(fhir, who, 60, "2023-01-10"), weight(fhir, who, 61, "2024-07-01")
    assert ids(fhir, "Observation?date=lt2024") == {early}
    assert ids(fhir, "Observation?date=ge2024-07") == {late}


def test_missing_modifier(fhir: FhirApi) -> None:
    with_date = fhir.patient(birthDate="1999-09-09")["id"]
    without = fhir.patient()["id"]
    assert ids(fhir, "Patient?birthdate:missing=true") == {without}
    assert ids(fhir, "Patient?birthdate:missing=false") == {with_date}


def test_id_parameter(fhir: FhirApi) -> None:
    a, b = fhir.patient()["id"], fhir.patient()["id"]
    fhir.patient()
    assert ids(fhir, f"Patient?_id={a},{b}") == {a, b}


def test_comma_is_or_and_repeat_is_and(fhir: FhirApi) -> None:
    f = fhir.patient(gender="female", birthDate="1970-01-01")["id"]
    m = fhir.patient(gender="male", birthDate="1970-01-01")["id"]
    fhir.patient(gender="other", birthDate="1990-01-01")
    assert ids(fhir, "Patient?gender=female,male") == {f, m}
    assert ids(fhir, "Patient?gender=female,male,other&birthdate=1970") == {f, m}


def test_unknown_parameter_is_ignored_with_a_warning(fhir: FhirApi) -> None:
    made = fhir.patient()["id"]
    bundle = fhir.search("Patient?shoe-size=9")
    assert ids_of(bundle) == [made]
    outcomes = [e["resource"] for e in bundle["entry"] if e.get("search", {}).get("mode") == "outcome"]
    assert outcomes and outcomes[0]["resourceType"] == "OperationOutcome"
    assert "shoe-size" in outcomes[0]["issue"][0]["diagnostics"]
    assert outcomes[0]["issue"][0]["severity"] == "warning"


def test_unknown_parameter_with_strict_handling_is_400(fhir: FhirApi) -> None:
    body = assert_outcome(fhir.get("Patient", headers={"Prefer": "handling=strict"}, **{"shoe-size": "9"}), 400)
    assert "shoe-size" in body["issue"][0]["diagnostics"]


def test_unknown_modifier_is_400(fhir: FhirApi) -> None:
    assert_outcome(fhir.get("Patient", **{"family:sounds-like": "ash"}), 400)


def test_search_of_an_unknown_type_is_404(fhir: FhirApi) -> None:
    assert_outcome(fhir.get("Spaceship", name="x"), 404)


@pytest.mark.parametrize("params", [{"value-quantity": "heavy"}, {"subject:missing": "perhaps"},
                                    {"date": "ex2024"}, {"_lastUpdated": "the-other-day"}])
def test_malformed_values_are_400_naming_the_parameter(fhir: FhirApi, params: dict[str, str]) -> None:
    body = assert_outcome(fhir.get("Observation", **params), 400)
    assert list(params)[0] in str(body)
