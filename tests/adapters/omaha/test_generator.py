"""The Omaha terminology in mappings/ is exactly what the checked-in generator makes from the
reference list, and making it twice gives the same bytes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
SCRIPT = REPO / "scripts" / "generate_omaha_codesystems.py"
SOURCE = REPO.parent / "shared" / "omaha" / "omaha-system.json"

pytestmark = pytest.mark.skipif(not SOURCE.exists(), reason="reference list not available")


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), str(SOURCE), *args], capture_output=True, text=True,
                          check=False)


def test_checked_in_files_are_up_to_date() -> None:
    result = _run("--check")
    assert result.returncode == 0, result.stderr


def test_generation_is_deterministic(tmp_path: Path) -> None:
    assert _run("--out", str(tmp_path / "a")).returncode == 0
    assert _run("--out", str(tmp_path / "b")).returncode == 0
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert len(names) == 17
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
        assert (tmp_path / "a" / name).read_bytes() == (REPO / "mappings" / "omaha" / name).read_bytes()


def test_check_reports_a_stale_file(tmp_path: Path) -> None:
    out = tmp_path / "omaha"
    assert _run("--out", str(out)).returncode == 0
    (out / "omaha-problem.codesystem.json").write_text("{}\n", encoding="utf-8")
    result = _run("--out", str(out), "--check")
    assert result.returncode == 1
    assert "omaha-problem.codesystem.json" in result.stderr
