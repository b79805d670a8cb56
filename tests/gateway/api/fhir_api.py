"""A thin FHIR client over TestClient for the API tests: one place that knows the base path,
the admin headers and how to page a Bundle, so each test reads as the interaction it checks."""

from __future__ import annotations

import random
from typing import Any

import httpx
from fastapi.testclient import TestClient

from adapters.nhs_number import generate_test_number

BASE = "http://testserver/fhir"
NHS = "https://fhir.nhs.uk/Id/nhs-number"
# A local record number: identifies a test record without setting off person linking as NHS numbers do.
MRN = "https://care-gateway.example/fhir/id/test-mrn"


class FhirApi:
    """Requests as an admin (or with the headers given), answers as httpx responses."""

    def __init__(self, client: TestClient, headers: dict[str, str]) -> None:
        self.client = client
        self.headers = headers
        self._rng = random.Random(4242)
        self._issued: set[str] = set()
        self._mrn_seq = 0

    def _h(self, extra: dict[str, str] | None) -> dict[str, str]:
        return {**self.headers, **(extra or {})}

    def get(self, path: str, headers: dict[str, str] | None = None, **params: Any) -> httpx.Response:
        return self.client.get(f"/fhir/{path}", params=params or None, headers=self._h(headers))

    def post(self, path: str, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
        return self.client.post(f"/fhir/{path}".rstrip("/"), json=body, headers=self._h(headers))

    def put(self, path: str, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
        return self.client.put(f"/fhir/{path}", json=body, headers=self._h(headers))

    def delete(self, path: str, headers: dict[str, str] | None = None) -> httpx.Response:
        return self.client.delete(f"/fhir/{path}", headers=self._h(headers))

    def create(self, resource: dict[str, Any]) -> dict[str, Any]:
        """Create and return the stored resource; fails the test unless the server said 201."""
        response = self.post(resource["resourceType"], resource)
        assert response.status_code == 201, response.text
        return response.json()  # type: ignore[no-any-return]

    def nhs_number(self) -> str:
        """A fresh synthetic NHS number (999 test range), never the same twice in one test."""
        while (number := generate_test_number(self._rng)) in self._issued:
            continue
        self._issued.add(number)
        return number

    def mrn(self) -> str:
        """A fresh local record number for conditional interactions."""
        self._mrn_seq += 1
        return f"MRN{self._mrn_seq:06d}"

    def patient(self, family: str = "Ashby", **fields: Any) -> dict[str, Any]:
        return self.create({"resourceType": "Patient", "name": [{"family": family}], **fields})

    def search(self, query: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
        response = self.client.get(f"/fhir/{query}", headers=self._h(headers))
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    def follow(self, first: dict[str, Any], limit: int = 100) -> list[dict[str, Any]]:
        """Every page from `first` on, following `next` links (bounded so a loop cannot hang a test)."""
        pages = [first]
        for _ in range(limit):
            nxt = next((link["url"] for link in pages[-1].get("link", []) if link["relation"] == "next"), None)
            if nxt is None:
                return pages
            assert nxt.startswith(BASE), nxt
            response = self.client.get(nxt.removeprefix("http://testserver"), headers=self.headers)
            assert response.status_code == 200, response.text
            pages.append(response.json())
        raise AssertionError(f"more than {limit} pages")


def ids_of(bundle: dict[str, Any], mode: str = "match") -> list[str]:
    """Ids of the entries with search.mode `mode` (all resource entries for a history Bundle)."""
    out = []
    for entry in bundle.get("entry", []):
        if "search" in entry and entry["search"].get("mode") != mode:
            continue
        if "resource" in entry:
            out.append(entry["resource"]["id"])
    return out


def assert_outcome(response: httpx.Response, status: int) -> dict[str, Any]:
    """The response is `status` with an OperationOutcome body carrying no stack trace."""
    assert response.status_code == status, f"{response.status_code}: {response.text[:500]}"
    body = response.json()
    assert body["resourceType"] == "OperationOutcome", body
    assert body["issue"], body
    assert "Traceback" not in response.text and 'File "' not in response.text
    return body  # type: ignore[no-any-return]
