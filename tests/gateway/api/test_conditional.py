"""Conditional create (If-None-Exist) and conditional update (PUT Type?query), including their
atomicity under concurrent identical requests. See https://hl7.org/fhir/R4/http.html#ccreate and
https://hl7.org/fhir/R4/http.html#cond-update"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from tests.gateway.api.fhir_api import MRN, NHS, FhirApi, assert_outcome, ids_of


def person(mrn: str, **fields: Any) -> dict[str, Any]:
    return {"resourceType": "Patient", "identifier": [{"system": MRN, "value": mrn}], **fields}


def if_none_exist(mrn: str) -> dict[str, str]:
    return {"If-None-Exist": f"identifier={MRN}|{mrn}"}


def count(fhir: FhirApi, mrn: str) -> int:
    return int(fhir.search(f"Patient?identifier={MRN}|{mrn}")["total"])


def test_conditional_create_without_a_match_creates(fhir: FhirApi) -> None:
    mrn = fhir.mrn()
    response = fhir.post("Patient", person(mrn), headers=if_none_exist(mrn))
    assert response.status_code == 201
    assert count(fhir, mrn) == 1


def test_conditional_create_with_one_match_returns_it_and_creates_nothing(fhir: FhirApi) -> None:
    mrn = fhir.mrn()
    existing = fhir.create(person(mrn))
    response = fhir.post("Patient", person(mrn, active=True), headers=if_none_exist(mrn))
    assert response.status_code == 200
    assert response.json()["id"] == existing["id"]
    assert "active" not in response.json()
    assert response.headers["etag"] == 'W/"1"'
    assert count(fhir, mrn) == 1


def test_conditional_create_with_several_matches_is_412(fhir: FhirApi) -> None:
    mrn = fhir.mrn()
    fhir.create(person(mrn))
    fhir.create(person(mrn))
    assert_outcome(fhir.post("Patient", person(mrn), headers=if_none_exist(mrn)), 412)
    assert count(fhir, mrn) == 2


def test_conditional_create_with_an_unknown_parameter_is_400(fhir: FhirApi) -> None:
    response = fhir.post("Patient", person(fhir.mrn()), headers={"If-None-Exist": "no-such-param=1"})
    assert_outcome(response, 400)


def test_conditional_update_without_a_match_creates(fhir: FhirApi) -> None:
    mrn = fhir.mrn()
    response = fhir.put(f"Patient?identifier={MRN}|{mrn}", person(mrn))
    assert response.status_code == 201
    assert count(fhir, mrn) == 1


def test_conditional_update_with_one_match_updates_it(fhir: FhirApi) -> None:
    mrn = fhir.mrn()
    existing = fhir.create(person(mrn))
    response = fhir.put(f"Patient?identifier={MRN}|{mrn}", person(mrn, active=True))
    assert response.status_code == 200
    assert response.json()["id"] == existing["id"]
    assert response.headers["etag"] == 'W/"2"'
    assert fhir.get(f"Patient/{existing['id']}").json()["active"] is True


def test_conditional_update_with_several_matches_is_412(fhir: FhirApi) -> None:
    mrn = fhir.mrn()
    fhir.create(person(mrn))
    fhir.create(person(mrn))
    assert_outcome(fhir.put(f"Patient?identifier={MRN}|{mrn}", person(mrn, active=True)), 412)


def test_conditional_update_with_a_conflicting_body_id_is_400(fhir: FhirApi) -> None:
    mrn = fhir.mrn()
    fhir.create(person(mrn))
    assert_outcome(fhir.put(f"Patient?identifier={MRN}|{mrn}", {**person(mrn), "id": "someone-else"}), 400)


def test_conditional_update_without_a_query_is_an_error(fhir: FhirApi) -> None:
    response = fhir.put("Patient", person(fhir.mrn()))
    assert 400 <= response.status_code < 500
    assert_outcome(response, response.status_code)


def _race(n: int, call: Callable[[httpx.Client], httpx.Response], base: str, headers: dict[str, str]) -> list[int]:
    """Run `call` n times at once on n connections; the statuses, in no particular order."""
    clients = [httpx.Client(base_url=base, headers=headers, timeout=30) for _ in range(n)]
    try:
        with ThreadPoolExecutor(max_workers=n) as pool:
            return sorted(f.result().status_code for f in [pool.submit(call, c) for c in clients])
    finally:
        for c in clients:
            c.close()


def test_concurrent_identical_conditional_creates_make_exactly_one(
    live_gateway: str, fhir: FhirApi, auth: dict[str, str]
) -> None:
    mrn = fhir.mrn()
    body, headers = person(mrn), {**auth, **if_none_exist(mrn)}
    statuses = _race(10, lambda c: c.post("/fhir/Patient", json=body, headers=headers), live_gateway, auth)
    assert statuses == [200] * 9 + [201]
    assert count(fhir, mrn) == 1


def test_concurrent_identical_conditional_updates_make_exactly_one(
    live_gateway: str, fhir: FhirApi, auth: dict[str, str]
) -> None:
    mrn = fhir.mrn()
    body = person(mrn, active=True)
    statuses = _race(8, lambda c: c.put(f"/fhir/Patient?identifier={MRN}|{mrn}", json=body), live_gateway, auth)
    assert statuses.count(201) == 1
    assert set(statuses) <= {200, 201}
    assert count(fhir, mrn) == 1


def test_conditional_create_by_nhs_number_ignores_the_golden_record(fhir: FhirApi) -> None:
    """Person linking adds a golden Patient carrying the same NHS number; a conditional create by NHS
    number must still find the one source record rather than answer 412."""
    nhs = fhir.nhs_number()
    body = {"resourceType": "Patient", "identifier": [{"system": NHS, "value": nhs}]}
    headers = {"If-None-Exist": f"identifier={NHS}|{nhs}"}
    first = fhir.post("Patient", body, headers=headers)
    again = fhir.post("Patient", body, headers=headers)
    assert first.status_code == 201
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert first.json()["id"] in ids_of(fhir.search(f"Patient?identifier={NHS}|{nhs}"))


def test_search_parameters_on_the_post_url_make_a_conditional_create(fhir: FhirApi) -> None:
    body = {"resourceType": "Patient", "identifier": [{"system": MRN, "value": "URL-COND"}]}
    first = fhir.post(f"Patient?identifier={MRN}|URL-COND", body)
    second = fhir.post(f"Patient?identifier={MRN}|URL-COND", body)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]


def test_a_url_search_and_if_none_exist_that_disagree_are_400(fhir: FhirApi) -> None:
    body = {"resourceType": "Patient"}
    response = fhir.post(f"Patient?identifier={MRN}|A", body, headers={"If-None-Exist": f"identifier={MRN}|B"})
    assert_outcome(response, 400)
    assert fhir.search(f"Patient?identifier={MRN}|A")["total"] == 0
