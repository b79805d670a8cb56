"""The committed openapi.yaml must equal what the app serves."""

from __future__ import annotations

from pathlib import Path

import yaml

from gateway.openapi_doc import build_openapi, dump_yaml

ROOT = Path(__file__).resolve().parents[2]


def test_committed_openapi_matches_the_app() -> None:
    committed = (ROOT / "openapi.yaml").read_text(encoding="utf-8")
    served = build_openapi()
    assert yaml.safe_load(committed) == served, "openapi.yaml is stale: run `gateway openapi`"
    assert committed == dump_yaml(served)
