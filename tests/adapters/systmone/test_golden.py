"""Golden files: each SR table's small input extract and the exact records the adapter yields.

Inputs live in `tests/fixtures/systmone/<Table>/input/`; expected records in `expected.json` beside
them. After an intended change, regenerate with `GOLDEN_REGENERATE=1 pytest tests/adapters/systmone`
and review the diff before committing.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from adapters.base import Converted
from tests.adapters.systmone.helpers import as_json, read_all, validate

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "systmone"
CASES = sorted(p.name for p in FIXTURES.iterdir() if (p / "input").is_dir())


def test_every_table_has_a_golden_case() -> None:
    from adapters.systmone.to_fhir import CONVERTERS

    assert set(CONVERTERS) <= set(CASES)


@pytest.mark.parametrize("table", CASES)
def test_golden(table: str) -> None:
    records = read_all(FIXTURES / table / "input")
    actual = [as_json(r) for r in records]
    expected_path = FIXTURES / table / "expected.json"
    if os.environ.get("GOLDEN_REGENERATE"):
        expected_path.write_text(json.dumps(actual, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    expected = json.loads(expected_path.read_text(encoding="utf-8"))
    assert actual == expected


@pytest.mark.parametrize("table", CASES)
def test_golden_resources_are_valid_r4b(table: str) -> None:
    for record in read_all(FIXTURES / table / "input"):
        if isinstance(record, Converted):
            for resource in record.resources:
                validate(resource)
            for merge in record.merges:
                if merge.element is not None:
                    validate({"resourceType": merge.resource_type, merge.path: [merge.element]})
