"""The CapabilityStatement tells the truth, walked whole: every declared search parameter of every type
is accepted and finds a stored resource by a value it really has; every declared interaction and
operation answers; every undeclared one is a 404/405 OperationOutcome; openapi.yaml declares the same
search parameters. One shared store per database (the synthetic sample imported once), not a fresh
import per probe. See https://hl7.org/fhir/R4/capabilitystatement.html
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from adapters.registry import get_adapter
from gateway.app import build_repository, create_app
from gateway.assessments.load import load_forms
from gateway.auth.tokens import mint_token
from gateway.imports.pipeline import ImportRunner
from gateway.operations.registry import all_operations
from gateway.samples import write_samples
from gateway.search.registry import get_registry
from gateway.settings import Settings
from gateway.storage.engine import normalise_url
from gateway.storage.migrate import upgrade
from tests.gateway.api.conformance_examples import examples
from tests.gateway.api.fhir_api import FhirApi, ids_of
from tests.gateway.api.search_probes import SAMPLE, find_probe

POSTGRES_URL = os.environ.get("GATEWAY_TEST_POSTGRES_URL")
ROOT = Path(__file__).resolve().parents[3]
STRICT = {"Prefer": "handling=strict"}
INTERACTIONS = ("read", "vread", "search-type", "history-instance", "history-type", "create", "update", "patch",
                "delete")
# OpenAPI query parameters that steer the result (paging, shape) rather than search: not in searchParam.
RESULT_PARAMS = {"_count", "_sort", "_include", "_revinclude", "_summary", "_elements", "_total", "_cursor"}


@dataclass
class Store:
    """The shared store of one database: the API as an admin, and the resources of each type in it."""

    fhir: FhirApi
    statement: dict[str, Any]
    resources: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def of(self, res_type: str) -> list[dict[str, Any]]:
        if res_type not in self.resources:
            bundle = self.fhir.search(f"{res_type}?_count=200")
            self.resources[res_type] = [e["resource"] for e in bundle.get("entry", [])]
        return self.resources[res_type]

    def declared(self) -> list[dict[str, Any]]:
        return self.statement["rest"][0]["resource"]  # type: ignore[no-any-return]


def _database(kind: str, root: Path) -> Iterator[str]:
    if kind == "sqlite":
        url = f"sqlite:///{root / 'gateway.db'}"
        upgrade(url)
        yield url
        return
    if not POSTGRES_URL:
        pytest.skip("GATEWAY_TEST_POSTGRES_URL is not set")
    admin = create_engine(normalise_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    name = f"gateway_conformance_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = normalise_url(POSTGRES_URL).rsplit("/", 1)[0] + f"/{name}"
    try:
        upgrade(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"))
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """A gateway holding the synthetic sample of every source (8 people) and one example of each other
    type, and an audit trail with writes naming their person as second entity, a search and a refusal."""
    root = tmp_path_factory.mktemp(f"conformance-{request.param}")
    for url in _database(request.param, root):
        settings = Settings(database_url=url, key_dir=root / "keys", base_url="http://testserver",
                            audit_flush_ms=1.0, delivery_worker=False)
        # Import every source once, through the real pipeline.
        repo = build_repository(settings)
        runner = ImportRunner.from_settings(repo, settings, "test:conformance")
        for source, folder in write_samples(8, root / "sample", 3).items():
            if source == "omaha":
                load_forms(repo, folder, "test:conformance")
            else:
                runner.run(get_adapter(source), folder)
        repo.db.dispose()
        with TestClient(create_app(settings), raise_server_exceptions=False) as client:
            token = mint_token(settings, "conformance.admin", "admin")
            fhir = FhirApi(client, {"Authorization": f"Bearer {token}", "Content-Type": "application/fhir+json"})
            # One resource of each type the sample does not make.
            first = {t: fhir.search(f"{t}?_count=1")["entry"][0]["resource"]["id"]
                     for t in ("Patient", "Practitioner", "Organization")}
            for example in examples(*(f"{t}/{i}" for t, i in first.items())):
                fhir.create(example)
            # Audited activity to search for.
            answer = fhir.search("QuestionnaireResponse?_count=1")["entry"][0]["resource"]
            assert fhir.get(f"QuestionnaireResponse/{answer['id']}").status_code == 200
            fhir.search(f"Observation?{'subject=' + answer['subject']['reference']}")
            client.get("/fhir/Patient")  # no token: 401, audited as anonymous
            statement = client.get("/fhir/metadata").json()
            yield Store(fhir, statement)


def _get(fhir: FhirApi, path: str, params: dict[str, str]) -> httpx.Response:
    response: httpx.Response = fhir.client.get(f"/fhir/{path}", params=params, headers={**fhir.headers, **STRICT})
    return response


def _is_outcome(response: httpx.Response, *statuses: int) -> bool:
    if response.status_code not in statuses:
        return False
    body = response.json()
    return body.get("resourceType") == "OperationOutcome" and bool(body.get("issue"))


def _not_supported(response: httpx.Response) -> bool:
    """404/405 because the server does not do this (not because the resource is missing)."""
    if response.status_code == 405:
        return True
    if response.status_code != 404:
        return False
    return any(i.get("code") == "not-supported" for i in response.json().get("issue", []))


@pytest.mark.slow
def test_every_declared_search_parameter_is_accepted_and_finds_its_value(store: Store) -> None:
    registry = get_registry()
    pairs, valued, probes, failures = 0, 0, 0, []
    for entry in store.declared():
        res_type = entry["type"]
        for param in entry["searchParam"]:
            pairs += 1
            code, ptype = param["name"], param["type"]
            spec = registry.get(res_type, code)
            probe = find_probe(store.of(res_type), res_type, ptype, spec.expression if spec else None)
            if probe is None:
                # Nothing stored has a value for it: a well-formed value must still be accepted.
                response = _get(store.fhir, res_type, {code: SAMPLE[ptype]})
                if response.status_code != 200:
                    failures.append(f"{res_type}?{code}={SAMPLE[ptype]}: {response.status_code} {response.text[:160]}")
                continue
            valued += 1
            resource, values = probe
            for value in values:
                probes += 1
                query = {code: value} if code == "_id" else {code: value, "_id": resource["id"]}
                response = _get(store.fhir, res_type, query)
                if response.status_code != 200:
                    failures.append(f"{res_type}?{code}={value}: {response.status_code} {response.text[:160]}")
                elif ids_of(response.json()) != [resource["id"]]:
                    failures.append(f"{res_type}?{code}={value}: {resource['id']} not found")
    empty = sorted(e["type"] for e in store.declared() if not store.of(e["type"]))
    print(f"\nconformance: {pairs} type/parameter pairs, {valued} of them checked with stored values "
          f"({probes} value probes), {len(failures)} failed; types without data: {', '.join(empty)}")
    assert pairs > 500 and valued > 150
    assert not failures, "\n".join(failures)


def test_openapi_declares_the_capability_statements_search_parameters(store: Store) -> None:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: the file is large
    document = yaml.load((ROOT / "openapi.yaml").read_text(encoding="utf-8"), Loader=loader)
    for entry in store.declared():
        res_type = entry["type"]
        listed = document["paths"][f"/fhir/{res_type}"]["get"]["parameters"]
        names = {p["name"] if "name" in p else p["$ref"].rsplit("/", 1)[1] for p in listed}
        assert names - RESULT_PARAMS == {p["name"] for p in entry["searchParam"]}, res_type


def _interaction(store: Store, res_type: str, interaction: str, existing: dict[str, Any] | None,
                 made: dict[str, str]) -> httpx.Response:
    """Send one interaction on a type (on `existing` when it needs an instance)."""
    fhir = store.fhir
    res_id = existing["id"] if existing else "conformance-absent"
    body = {k: v for k, v in (existing or {"resourceType": res_type}).items() if k not in ("id", "meta")}
    if interaction == "read":
        return fhir.get(f"{res_type}/{res_id}")
    if interaction == "vread":
        return fhir.get(f"{res_type}/{res_id}/_history/1")
    if interaction == "search-type":
        return fhir.get(res_type)
    if interaction == "history-instance":
        return fhir.get(f"{res_type}/{res_id}/_history")
    if interaction == "history-type":
        return fhir.get(f"{res_type}/_history")
    if interaction == "create":
        response = fhir.post(res_type, body)
        if response.status_code == 201:
            made[res_type] = response.json()["id"]
        return response
    if interaction == "update":
        return fhir.put(f"{res_type}/{res_id}", {**body, "id": res_id})
    if interaction == "patch":
        patched: httpx.Response = fhir.client.patch(
            f"/fhir/{res_type}/{res_id}", json=[{"op": "test", "path": "/id", "value": res_id}],
            headers={**fhir.headers, "Content-Type": "application/json-patch+json"})
        return patched
    assert interaction == "delete"
    return fhir.delete(f"{res_type}/{made.get(res_type, res_id)}")


@pytest.mark.slow
def test_every_declared_interaction_answers_and_no_other_does(store: Store) -> None:
    failures: list[str] = []
    made: dict[str, str] = {}
    for entry in store.declared():
        res_type = entry["type"]
        declared = {i["code"] for i in entry["interaction"]}
        existing = next(iter(store.of(res_type)), None)
        for interaction in INTERACTIONS:
            response = _interaction(store, res_type, interaction, existing, made)
            status = response.status_code
            if interaction not in declared:
                if not (_is_outcome(response, 404, 405) and _not_supported(response)):
                    failures.append(f"{res_type} {interaction} (not declared): {status} {response.text[:120]}")
            elif status >= 500 or _not_supported(response):
                failures.append(f"{res_type} {interaction}: {status} {response.text[:120]}")
            elif existing is not None and status >= 400:
                failures.append(f"{res_type} {interaction} on stored data: {status} {response.text[:120]}")
            elif status >= 400 and not _is_outcome(response, status):
                failures.append(f"{res_type} {interaction}: {status} without an OperationOutcome")
        # Conditional delete is declared "not-supported".
        if entry.get("conditionalDelete") == "not-supported":
            response = store.fhir.delete(f"{res_type}?_id=conformance-absent")
            if not _is_outcome(response, 404, 405):
                failures.append(f"{res_type} conditional delete: {response.status_code}")
    assert not failures, "\n".join(failures)


def test_system_interactions_answer(store: Store) -> None:
    declared = {i["code"] for i in store.statement["rest"][0]["interaction"]}
    assert declared == {"transaction", "batch", "history-system"}
    for kind in ("transaction", "batch"):
        response = store.fhir.post("", {"resourceType": "Bundle", "type": kind, "entry": []})
        assert response.status_code == 200, response.text
    assert store.fhir.get("_history", _count="1").status_code == 200


def test_undeclared_types_are_not_found(store: Store) -> None:
    listed = {e["type"] for e in store.declared()}
    for res_type in ("Specimen", "Bundle", "Parameters"):
        assert res_type not in listed
        response = store.fhir.get(res_type)
        assert _is_outcome(response, 404) and _not_supported(response), (res_type, response.text[:200])


@pytest.mark.slow
def test_every_declared_operation_answers_and_no_other_does(store: Store) -> None:
    # One operation name may be registered at several levels, each with its own definition ($export:
    # system, Patient type, Group instance), so what a type declares is a set of (name, level).
    operations = {op.definition["url"]: op for op in all_operations()}
    names = sorted({op.name for op in operations.values()})
    failures = []
    for entry in store.declared():
        res_type = entry["type"]
        declared = {(operations[o["definition"]].name, level) for o in entry.get("operation", [])
                    for level in operations[o["definition"]].levels}
        existing = next(iter(store.of(res_type)), None)
        for name in names:
            for level in ("type", "instance"):
                path = f"{res_type}/${name}" if level == "type" else \
                    f"{res_type}/{existing['id'] if existing else 'conformance-absent'}/${name}"
                response = store.fhir.post(path, {"resourceType": "Parameters"})
                if (name, level) in declared:
                    if response.status_code >= 500 or _not_supported(response):
                        failures.append(f"{path}: {response.status_code} {response.text[:120]}")
                elif not (_is_outcome(response, 404, 405) and _not_supported(response)):
                    failures.append(f"{path} (not declared): {response.status_code} {response.text[:120]}")
    assert not failures, "\n".join(failures)
