"""The hazard log (docs/safety/hazard-log.md) keeps its DCB0129 shape, covers the hazards the
safety case must, and every control's test exists: its file and its test function."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LOG = ROOT / "docs" / "safety" / "hazard-log.md"
TEST_REF = re.compile(r"Test: `(tests/[\w/]+\.py)::(\w+)`")
FIELDS = ("**Cause**", "**Effect**", "**Initial**", "**Controls", "**Residual**")
REQUIRED = ("Wrong person linked", "A fact lost on import", "A stale record shown offline as current",
            "An assessment update not reaching social care", "An allergy not shown", "A notification delayed",
            "A record shown to someone outside the caseload")


def _hazards() -> dict[str, str]:
    text = LOG.read_text(encoding="utf-8")
    parts = re.split(r"^### (H-\d+ .+)$", text, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def _test_functions(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test_")}


def test_the_log_covers_every_required_hazard() -> None:
    titles = " ".join(_hazards())
    for hazard in REQUIRED:
        assert hazard in titles, f"the hazard log has no entry for {hazard!r}"


def test_every_hazard_has_the_dcb0129_fields_and_at_least_one_tested_control() -> None:
    for title, body in _hazards().items():
        for field in FIELDS:
            assert field in body, f"{title}: no {field} field"
        assert TEST_REF.search(body), f"{title}: no control names a test"
        assert re.search(r"severity \w+.*likelihood [\w ]+, risk [1-5]", body), f"{title}: no rated initial risk"


def test_every_named_test_exists() -> None:
    references = TEST_REF.findall(LOG.read_text(encoding="utf-8"))
    assert len(references) >= 20
    missing = []
    for file, function in references:
        path = ROOT / file
        if not path.is_file() or function not in _test_functions(path):
            missing.append(f"{file}::{function}")
    assert not missing, f"controls point at tests that do not exist: {missing}"


def test_controls_not_yet_built_name_their_open_issue() -> None:
    for title, body in _hazards().items():
        if "Planned control" in body:
            assert re.search(r"issue \d+", body), f"{title}: a planned control must point at its issue"
