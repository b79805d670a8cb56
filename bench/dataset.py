"""Synthetic Patients and Observations for the benchmark, loaded through the import pipeline's bulk path.

The bulk path (`gateway.repository.bulk`) writes versions, history and search index rows with the same
rules as the API, in a few executemany calls per batch, so ten thousand resources load in seconds and
the searches the benchmark runs find what they should. Everyone here is synthetic: NHS numbers come
from the 999 test range.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from adapters.nhs_number import NHS_NUMBER_SYSTEM, generate_test_number
from gateway.repository.bulk import BulkState, flush
from gateway.repository.writes import content_hash
from gateway.storage.engine import open_database

BENCH_NAMESPACE = uuid.UUID("0f6a3c1e-2b7d-4c58-9e41-6d2a8b3f5c70")
OBSERVATIONS_PER_PATIENT = 3
_BATCH = 2000

_GIVEN = ("Alex", "Sam", "Robin", "Jo", "Chris", "Morgan", "Jamie", "Kit", "Ashley", "Charlie", "Rowan", "Ellis")
_FAMILY = ("Testperson", "Samplesby", "Fakeworth", "Mockford", "Dummett", "Placeholder", "Synthson", "Examplar")
_VITALS = (
    ("8867-4", "Heart rate", 50.0, 110.0, "/min"),
    ("8310-5", "Body temperature", 35.5, 38.5, "Cel"),
    ("9279-1", "Respiratory rate", 10.0, 25.0, "/min"),
    ("59408-5", "Oxygen saturation", 88.0, 100.0, "%"),
)


@dataclass(frozen=True, slots=True)
class Dataset:
    """What the load generator needs to address what was loaded."""

    patient_ids: list[str]
    nhs_numbers: list[str]
    observation_ids: list[str]

    @property
    def total(self) -> int:
        return len(self.patient_ids) + len(self.observation_ids)


def _patient(rng: random.Random, res_id: str, nhs: str) -> dict[str, Any]:
    born = date(1930, 1, 1) + timedelta(days=rng.randrange(30000))
    return {
        "resourceType": "Patient",
        "id": res_id,
        "identifier": [{"system": NHS_NUMBER_SYSTEM, "value": nhs}],
        "active": True,
        "name": [{"use": "official", "family": rng.choice(_FAMILY), "given": [rng.choice(_GIVEN)]}],
        "gender": rng.choice(("female", "male", "other", "unknown")),
        "birthDate": born.isoformat(),
        "telecom": [{"system": "phone", "value": f"01632 {rng.randrange(960000, 960999)}", "use": "home"}],
        "address": [{"use": "home", "line": [f"{rng.randrange(1, 200)} Example Lane"], "city": "Testville",
                     "postalCode": f"ZZ{rng.randrange(10, 99)} {rng.randrange(1, 9)}XX"}],
    }


def _observation(rng: random.Random, res_id: str, patient_id: str) -> dict[str, Any]:
    code, display, low, high, unit = rng.choice(_VITALS)
    taken = date(2024, 1, 1) + timedelta(days=rng.randrange(600))
    return {
        "resourceType": "Observation",
        "id": res_id,
        "status": "final",
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                                  "code": "vital-signs"}]}],
        "code": {"coding": [{"system": "http://loinc.org", "code": code, "display": display}]},
        "subject": {"reference": f"Patient/{patient_id}"},
        "effectiveDateTime": f"{taken.isoformat()}T10:{rng.randrange(60):02d}:00Z",
        "valueQuantity": {"value": round(rng.uniform(low, high), 1), "unit": unit, "system": "http://unitsofmeasure.org",
                          "code": unit},
    }


def generate(total: int, seed: int = 20251123) -> tuple[Dataset, list[dict[str, Any]]]:
    """About `total` resources: one Patient per `OBSERVATIONS_PER_PATIENT` Observations, ids uuid5 of the seed."""
    rng = random.Random(seed)
    patients = max(1, total // (1 + OBSERVATIONS_PER_PATIENT))
    resources: list[dict[str, Any]] = []
    patient_ids, numbers, observation_ids = [], [], []
    seen: set[str] = set()
    for p in range(patients):
        nhs = generate_test_number(rng)
        while nhs in seen:  # searches by NHS number must find exactly one person
            nhs = generate_test_number(rng)
        seen.add(nhs)
        pid = str(uuid.uuid5(BENCH_NAMESPACE, f"{seed}/Patient/{p}"))
        patient_ids.append(pid)
        numbers.append(nhs)
        resources.append(_patient(rng, pid, nhs))
        for o in range(OBSERVATIONS_PER_PATIENT):
            oid = str(uuid.uuid5(BENCH_NAMESPACE, f"{seed}/Observation/{p}/{o}"))
            observation_ids.append(oid)
            resources.append(_observation(rng, oid, pid))
    return Dataset(patient_ids, numbers, observation_ids), resources


def load(database_url: str, resources: list[dict[str, Any]]) -> None:
    """Write `resources` into a migrated, empty database as version 1 of each (bulk path, one commit per batch)."""
    db = open_database(database_url)
    try:
        for start in range(0, len(resources), _BATCH):
            state = BulkState()
            for resource in resources[start : start + _BATCH]:
                key = (resource["resourceType"], resource["id"])
                state.put(key, resource, content_hash(resource), "PUT")
            with db.writer.begin() as conn:
                flush(conn, state.take(), originally_stored=set())
    finally:
        db.dispose()
