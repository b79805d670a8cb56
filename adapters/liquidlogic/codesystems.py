"""The CodeSystems this adapter publishes (`mappings/liquidlogic/*.codesystem.json`), loaded once.

The to_fhir side needs their displays for codings it mints itself (Care Act outcomes, record
categories); the gateway serves the same files as CodeSystem resources.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from adapters.codemaps import MAPPINGS_DIR
from adapters.uris import code_system

CODESYSTEM_DIR = MAPPINGS_DIR / "liquidlogic"


@dataclass(frozen=True, slots=True)
class CodeSystemFile:
    """One published CodeSystem: its name (the URL's last part), the resource, and code -> display."""

    name: str
    resource: dict[str, Any]
    displays: dict[str, str]

    @property
    def url(self) -> str:
        return str(self.resource["url"])


def _load(path: Path) -> CodeSystemFile:
    resource = json.loads(path.read_text(encoding="utf-8"))
    name = path.name.removesuffix(".codesystem.json")
    if resource.get("resourceType") != "CodeSystem" or resource.get("url") != code_system(name):
        raise ValueError(f"{path.name}: not a CodeSystem with url {code_system(name)}")
    displays = {c["code"]: c["display"] for c in resource.get("concept", [])}
    return CodeSystemFile(name=name, resource=resource, displays=displays)


@lru_cache(maxsize=1)
def _all() -> dict[str, CodeSystemFile]:
    return {cs.name: cs for cs in map(_load, sorted(CODESYSTEM_DIR.glob("*.codesystem.json")))}


def code_systems() -> Iterator[CodeSystemFile]:
    """Every CodeSystem the adapter publishes."""
    return iter(_all().values())


def get(name: str) -> CodeSystemFile:
    """One CodeSystem by name (e.g. "care-act-outcome"); KeyError when there is none."""
    return _all()[name]


def coding(name: str, code: str) -> dict[str, str]:
    """A Coding in one of the adapter's CodeSystems, with its display; KeyError on an unknown code."""
    cs = get(name)
    return {"system": cs.url, "code": code, "display": cs.displays[code]}


def concept(name: str, code: str, text: str | None = None) -> dict[str, Any]:
    """A CodeableConcept holding one of the adapter's codes (and the original text, if any)."""
    out: dict[str, Any] = {"coding": [coding(name, code)]}
    if text:
        out["text"] = text
    return out
