"""A small synthetic record set covering every search parameter type the tests exercise."""

from __future__ import annotations

import random
from typing import Any

from adapters.nhs_number import generate_test_number

NHS = "https://fhir.nhs.uk/Id/nhs-number"
SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
_rng = random.Random(7)
NHS_1, NHS_2 = generate_test_number(_rng), generate_test_number(_rng)


def _patient(
    pid: str, nhs: str | None, family: str, given: str, gender: str, birth: str, **extra: Any
) -> dict[str, Any]:
    p: dict[str, Any] = {"resourceType": "Patient", "id": pid, "gender": gender, "birthDate": birth}
    p["name"] = [{"family": family, "given": [given]}]
    p["identifier"] = [{"system": NHS, "value": nhs}] if nhs else []
    return {**p, **extra}


def _obs(oid: str, patient: str, code: str, when: str, **value: Any) -> dict[str, Any]:
    return {
        "resourceType": "Observation", "id": oid, "status": "final",
        "code": {"coding": [{"system": LOINC, "code": code, "display": "HbA1c" if code == "4548-4" else "BP"}]},
        "subject": {"reference": f"Patient/{patient}"}, "effectiveDateTime": when, **value,
    }  # fmt: skip


def _mmol(v: float) -> dict[str, Any]:
    return {"valueQuantity": {"value": v, "unit": "mmol/mol", "system": UCUM, "code": "mmol/mol"}}


PATIENTS = [
    _patient(
        "p1", NHS_1, "Smith", "Zoë", "female", "1970-05-01",
        active=True, generalPractitioner=[{"reference": "Practitioner/gp1"}],
        telecom=[{"system": "email", "value": "zoe@example.org"}, {"system": "phone", "value": "0100"}],
        address=[{"city": "Leeds", "postalCode": "LS1 1AA"}],
    ),
    _patient("p2", NHS_2, "Smithson", "John", "male", "1985", active=False),
    _patient(
        "p3", None, "Jones", "Ann", "female", "1990-12-31", deceasedDateTime="2021-02-03",
        identifier=[{"type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}]},
                     "system": "https://trust.example/mrn", "value": "MRN-3"}],
    ),
]  # fmt: skip
PRACTITIONER = {"resourceType": "Practitioner", "id": "gp1", "name": [{"family": "Who", "prefix": ["Dr"]}]}
CONDITIONS = [
    {"resourceType": "Condition", "id": "c1", "subject": {"reference": "Patient/p1"},
     "code": {"coding": [{"system": SNOMED, "code": "44054006", "display": "Diabetes mellitus type 2"}]},
     "clinicalStatus": {"coding": [{"code": "active"}]}, "onsetDateTime": "2015"},
    {"resourceType": "Condition", "id": "c2", "subject": {"reference": "Patient/p2"},
     "code": {"coding": [{"system": SNOMED, "code": "44054006"}], "text": "Type 2 diabetes"},
     "onsetAge": {"value": 52, "unit": "a", "system": UCUM, "code": "a"}},
    {"resourceType": "Condition", "id": "c3", "subject": {"reference": "Patient/p1"},
     "code": {"coding": [{"system": SNOMED, "code": "38341003", "display": "Hypertension"}]},
     "onsetPeriod": {"start": "2019-01-10", "end": "2019-03"}},
]  # fmt: skip
OBSERVATIONS = [
    _obs("o1", "p1", "4548-4", "2023-03-01T10:00:00Z", **_mmol(48)),
    _obs("o2", "p1", "4548-4", "2023-06-01T10:00:00+01:00", **_mmol(53)),
    _obs("o3", "p2", "4548-4", "2022-01-01", **_mmol(40.5)),
    {
        **_obs("o4", "p1", "85354-9", "2023-03-01", valueString="120/80"),
        "performer": [{"reference": "Practitioner/gp1"}],
    },
]
ENCOUNTERS = [
    {"resourceType": "Encounter", "id": "e1", "status": "finished", "subject": {"reference": "Patient/p1"},
     "period": {"start": "2023-03-01T09:00:00Z", "end": "2023-03-01T11:00:00Z"}},
    {"resourceType": "Encounter", "id": "e2", "status": "in-progress", "subject": {"reference": "Patient/p2"},
     "period": {"start": "2023-05-20"}},
    {"resourceType": "Encounter", "id": "e3", "status": "finished", "subject": {"reference": "Patient/p1"},
     "period": {"start": "2022-01-01", "end": "2022-12-31"}},
]  # fmt: skip
APPOINTMENTS = [
    {"resourceType": "Appointment", "id": f"a{i}", "status": status, "start": start,
     "participant": [{"actor": {"reference": f"Patient/{pid}"}, "status": "accepted"}]}
    for i, (status, pid, start) in enumerate(
        [("booked", "p1", "2024-02-01T10:00:00Z"), ("cancelled", "p2", "2024-02-02T10:00:00Z"),
         ("booked", "p2", "2024-02-03T10:00:00Z")], start=1)
]  # fmt: skip
OTHERS = [
    {"resourceType": "Provenance", "id": "pv1", "target": [{"reference": "Observation/o1"}],
     "recorded": "2023-03-01T10:05:00Z", "agent": [{"who": {"reference": "Practitioner/gp1"}}]},
    {"resourceType": "Questionnaire", "id": "q1", "status": "active",
     "url": "https://care-gateway.example/fhir/Questionnaire/omaha"},
    {"resourceType": "QuestionnaireResponse", "id": "qr1", "status": "completed",
     "questionnaire": "https://care-gateway.example/fhir/Questionnaire/omaha|1.0",
     "subject": {"reference": "Patient/p1"},
     "author": {"identifier": {"system": "https://gw.example/staff", "value": "n7"}}},
]  # fmt: skip
ALL = [*PATIENTS, PRACTITIONER, *CONDITIONS, *OBSERVATIONS, *ENCOUNTERS, *APPOINTMENTS, *OTHERS]
