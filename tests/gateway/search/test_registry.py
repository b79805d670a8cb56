"""The registry compiled from the spec: what is supported, what is not, and what extractors return."""

from __future__ import annotations

import json

import pytest

from gateway.search.compile import CompileError, Compiler
from gateway.search.registry import SPEC_DIR, get_registry, supported_params, unsupported_params

ELEMENTS = json.loads((SPEC_DIR / "elements-r4.json").read_text())["elements"]
REQUIRED_TYPES = """Patient RelatedPerson Practitioner PractitionerRole Organization Encounter EpisodeOfCare Condition
Observation MedicationRequest MedicationStatement AllergyIntolerance Immunization Appointment ServiceRequest CarePlan
Goal CareTeam Questionnaire QuestionnaireResponse Provenance AuditEvent Consent CodeSystem ValueSet ConceptMap
Subscription Flag Task DiagnosticReport Location HealthcareService""".split()


def test_every_required_type_has_its_spec_parameters() -> None:
    registry = get_registry()
    for rtype in REQUIRED_TYPES:
        codes = {p.code for p in supported_params(rtype)}
        assert {"_id", "_lastUpdated", "_tag", "_profile"} <= codes, rtype
    assert registry.get("Patient", "identifier") is not None
    assert registry.get("Observation", "code").type == "token"  # type: ignore[union-attr]
    assert registry.get("Condition", "patient").targets == ("Patient",)  # type: ignore[union-attr]


def test_unsupported_are_listed_with_reasons() -> None:
    listed = {(u.resource_type, u.code): u.reason for u in unsupported_params()}
    assert "special" in listed[("Location", "near")]
    assert "composite" in listed[("Observation", "code-value-quantity")]
    assert ("Patient", "phonetic") in listed
    assert ("Patient", "_text") in listed
    assert not any(code == "identifier" for _, code in listed)


def test_choice_types_and_as() -> None:
    c = Compiler(ELEMENTS, "Observation")
    obs = {"resourceType": "Observation", "valueQuantity": {"value": 1}, "component": [{"valueString": "x"}]}
    assert c.compile("(Observation.value as Quantity)")(obs) == [({"value": 1}, "Quantity")]
    assert c.compile("(Observation.value as CodeableConcept)")(obs) == []
    assert c.compile("Observation.component.value.as(string)")(obs) == [("x", "string")]


def test_where_filters() -> None:
    c = Compiler(ELEMENTS, "Patient")
    pat = {"resourceType": "Patient", "telecom": [{"system": "email", "value": "a"}, {"system": "phone", "value": "b"}],
           "generalPractitioner": [{"reference": "Practitioner/1"}, {"reference": "Organization/2"}]}  # fmt: skip
    assert [v["value"] for v, _ in c.compile("Patient.telecom.where(system='phone')")(pat)] == ["b"]
    refs = c.compile("Patient.generalPractitioner.where(resolve() is Organization)")(pat)
    assert [v["reference"] for v, _ in refs] == ["Organization/2"]


@pytest.mark.parametrize(
    "expression", ["Patient.name.first()", "Patient.extension('http://x')", "Observation.code", "Patient.nope"]
)
def test_outside_subset_is_refused(expression: str) -> None:
    with pytest.raises(CompileError):
        Compiler(ELEMENTS, "Patient").compile(expression)
