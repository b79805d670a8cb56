"""REST single-create latency: `POST /fhir/Observation` through the whole app (auth, validation,
the unit of work with every hook, commit), in process, on a fresh SQLite database.

    .venv/bin/python -m bench.create_latency [--creates 400] [--rounds 3]

Prints p50/p90 and CPU time per create for each round, and p50/p90 overall. To compare two versions
of the code on a busy machine, run both in the same session, alternating rounds (see the README of
this folder).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any


def observation(patient: str, n: int) -> dict[str, Any]:
    return {"resourceType": "Observation", "status": "final", "subject": {"reference": patient},
            "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4", "display": "Heart rate"}]},
            "effectiveDateTime": "2026-01-05T10:00:00Z",
            "valueQuantity": {"value": 60 + n % 40, "unit": "/min", "system": "http://unitsofmeasure.org",
                              "code": "/min"}}


def one_round(creates: int) -> tuple[list[float], float]:
    from fastapi.testclient import TestClient

    from gateway.app import create_app
    from gateway.auth.tokens import mint_token
    from gateway.settings import Settings
    from gateway.storage.migrate import upgrade

    with tempfile.TemporaryDirectory(prefix="bench-create-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'gateway.db'}"
        upgrade(url)
        settings = Settings(database_url=url, key_dir=Path(tmp) / "keys", audit_flush_ms=1.0, delivery_worker=False)
        with TestClient(create_app(settings)) as client:
            auth = {"Authorization": f"Bearer {mint_token(settings, 'bench', 'admin')}",
                    "Content-Type": "application/fhir+json"}
            patient = client.post("/fhir/Patient", json={"resourceType": "Patient", "id": str(uuid.uuid4())},
                                  headers=auth).json()["id"]
            for n in range(20):  # warm-up
                client.post("/fhir/Observation", json=observation(f"Patient/{patient}", n), headers=auth)
            spent = []
            cpu = time.process_time()
            for n in range(creates):
                body = observation(f"Patient/{patient}", n)
                start = time.perf_counter()
                response = client.post("/fhir/Observation", json=body, headers=auth)
                spent.append(time.perf_counter() - start)
                assert response.status_code == 201, response.text
            cpu = time.process_time() - cpu
    return spent, cpu / creates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--creates", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    everything: list[float] = []
    for r in range(args.rounds):
        spent, cpu = one_round(args.creates)
        everything += spent
        q = statistics.quantiles(spent, n=10)
        # CPU time per create (client and server share the process) holds up better than wall
        # time on a machine others are using.
        print(f"round {r + 1}: p50 {statistics.median(spent) * 1000:.2f} ms, p90 {q[8] * 1000:.2f} ms, "
              f"CPU {cpu * 1000:.2f} ms a create")
    q = statistics.quantiles(everything, n=10)
    print(f"all: p50 {statistics.median(everything) * 1000:.2f} ms, p90 {q[8] * 1000:.2f} ms "
          f"({len(everything)} creates)")


if __name__ == "__main__":
    main()
