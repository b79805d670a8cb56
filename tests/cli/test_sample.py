"""`gateway sample` writes deterministic exports: the same seed gives the same bytes."""

from __future__ import annotations

import hashlib
from pathlib import Path

from tests.cli.conftest import Gateway


def tree_digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_same_seed_same_bytes_other_seed_other_bytes(gateway: Gateway, tmp_path: Path) -> None:
    first = gateway("sample", "--people", "60", "--out", tmp_path / "a", "--seed", "5")
    second = gateway("sample", "--people", "60", "--out", tmp_path / "b", "--seed", "5")
    other = gateway("sample", "--people", "60", "--out", tmp_path / "c", "--seed", "6")
    assert first.returncode == second.returncode == other.returncode == 0, first.stderr
    a, b, c = (tree_digest(tmp_path / n) for n in "abc")
    assert {"systmone/SRPatient.csv", "systmone/SRManifest.csv", "liquidlogic/cld_events.csv"} <= a.keys()
    assert any(name.startswith("liquidlogic/forms/") for name in a)
    assert any(name.startswith("omaha/999") for name in a)
    assert a == b
    assert a["systmone/SRPatient.csv"] != c["systmone/SRPatient.csv"]
    assert "systmone" in first.stderr and "liquidlogic" in first.stderr


def test_writing_again_over_the_same_folder_gives_the_same_bytes(gateway: Gateway, tmp_path: Path) -> None:
    assert gateway("sample", "--people", "30", "--out", tmp_path / "s", "--seed", "2").returncode == 0
    before = tree_digest(tmp_path / "s")
    assert gateway("sample", "--people", "30", "--out", tmp_path / "s", "--seed", "2").returncode == 0
    assert tree_digest(tmp_path / "s") == before
