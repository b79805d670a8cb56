"""The coded entry that puts a person on the team's caseload, kept as data in `caseload.json`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

MARKER_FILE = Path(__file__).with_name("caseload.json")


@dataclass(frozen=True, slots=True)
class CaseloadMarker:
    label: str
    codings: tuple[tuple[str, str], ...]  # (system, code)

    def tokens(self) -> str:
        """The codings as one search token list (`system|code,system|code`)."""
        return ",".join(f"{system}|{code}" for system, code in self.codings)


@lru_cache(maxsize=1)
def caseload_marker(path: Path = MARKER_FILE) -> CaseloadMarker:
    data = json.loads(path.read_text(encoding="utf-8"))
    return CaseloadMarker(data["label"], tuple((c["system"], c["code"]) for c in data["codings"]))


def is_caseload_marker(resource: dict[str, Any]) -> bool:
    wanted = set(caseload_marker().codings)
    return any((c.get("system"), c.get("code")) in wanted for c in (resource.get("code") or {}).get("coding", []))
