"""The API fixtures (`client`, `auth`, `token_for`, `fhir`) for the operation tests, plus a stored person."""

from __future__ import annotations

from typing import Any

import pytest

from tests.gateway.api.fhir_api import NHS, FhirApi


@pytest.fixture
def person(fhir: FhirApi) -> dict[str, Any]:
    """A stored synthetic Patient (999-range NHS number) to assess."""
    return fhir.patient("Ashby", identifier=[{"system": NHS, "value": fhir.nhs_number()}],
                        birthDate="1941-03-02")
