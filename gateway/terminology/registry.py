"""Every CodeSystem, ValueSet and ConceptMap the gateway serves, loaded once from `mappings/`.

CodeSystems and ValueSets are FHIR JSON files named `*.codesystem.json` / `*.valueset.json`
anywhere under `mappings/`; ConceptMaps are the code maps of `adapters.codemaps`. Loading
checks that urls are unique, so two files can never silently shadow each other.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from adapters.codemaps import MAPPINGS_DIR, CodeMap, CodeMaps
from adapters.uris import concept_map

FhirJson = dict[str, Any]


class TerminologyLoadError(Exception):
    """A terminology file in mappings/ is malformed or duplicates another's url (start-up error)."""


@dataclass(frozen=True, slots=True)
class Concept:
    """One concept of a CodeSystem, flattened out of its hierarchy."""

    code: str
    display: str | None
    definition: str | None
    properties: tuple[FhirJson, ...]
    parent: str | None
    children: tuple[str, ...]

    def property_values(self, name: str) -> list[Any]:
        """The values of property `name` (the `value[x]` of each matching entry)."""
        return [_value_of(p) for p in self.properties if p.get("code") == name]


def _value_of(prop: FhirJson) -> Any:
    for key, value in prop.items():
        if key.startswith("value"):
            return value
    return None


def _value_key(prop: FhirJson) -> str:
    return next((k for k in prop if k.startswith("value")), "valueString")


@dataclass(slots=True)
class CodeSystemIndex:
    """A CodeSystem resource plus its concepts by code."""

    resource: FhirJson
    concepts: dict[str, Concept] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return str(self.resource["url"])

    @classmethod
    def build(cls, resource: FhirJson) -> CodeSystemIndex:
        index = cls(resource)

        def walk(items: list[FhirJson], parent: str | None) -> None:
            for item in items:
                children = item.get("concept", [])
                index.concepts[item["code"]] = Concept(
                    code=item["code"],
                    display=item.get("display"),
                    definition=item.get("definition"),
                    properties=tuple(item.get("property", [])),
                    parent=parent,
                    children=tuple(c["code"] for c in children),
                )
                walk(children, item["code"])

        walk(resource.get("concept", []), None)
        return index

    def value_type(self, name: str) -> str:
        """The `value[x]` key a property of this system uses, from its first occurrence."""
        for concept in self.concepts.values():
            for prop in concept.properties:
                if prop.get("code") == name:
                    return _value_key(prop)
        return "valueString"


class Terminology:
    """What the terminology operations read: code systems and value sets by url, code maps by ConceptMap url."""

    def __init__(self, code_systems: list[FhirJson], value_sets: list[FhirJson], maps: CodeMaps) -> None:
        self.code_systems: dict[str, CodeSystemIndex] = {}
        self.value_sets: dict[str, FhirJson] = {}
        for cs in code_systems:
            if cs["url"] in self.code_systems:
                raise TerminologyLoadError(f"CodeSystem url {cs['url']} is defined twice")
            self.code_systems[cs["url"]] = CodeSystemIndex.build(cs)
        for vs in value_sets:
            if vs["url"] in self.value_sets:
                raise TerminologyLoadError(f"ValueSet url {vs['url']} is defined twice")
            self.value_sets[vs["url"]] = vs
        self.maps = maps
        self.concept_maps: dict[str, CodeMap] = {concept_map(cmap.name): cmap for cmap in maps}

    @classmethod
    def load(cls, root: Path = MAPPINGS_DIR, maps: CodeMaps | None = None) -> Terminology:
        code_systems = [_read(p) for p in _files(root, ".codesystem.json")]
        value_sets = [_read(p) for p in _files(root, ".valueset.json")]
        for resource, kind in [(r, "CodeSystem") for r in code_systems] + [(r, "ValueSet") for r in value_sets]:
            if resource.get("resourceType") != kind or not resource.get("url"):
                raise TerminologyLoadError(f"{resource.get('id')}: expected a {kind} with a url")
        return cls(code_systems, value_sets, maps if maps is not None else CodeMaps.load(root))

    def code_system(self, url: str) -> CodeSystemIndex | None:
        return self.code_systems.get(url)

    def concept(self, system: str, code: str) -> Concept | None:
        """The concept `code` of `system`, or None when either is unknown."""
        index = self.code_systems.get(system)
        return index.concepts.get(code) if index else None

    def __iter__(self) -> Iterator[CodeSystemIndex]:
        return iter(self.code_systems.values())


def _files(root: Path, suffix: str) -> list[Path]:
    return sorted(p for p in root.rglob(f"*{suffix}") if p.is_file())


def _read(path: Path) -> FhirJson:
    try:
        data: FhirJson = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise TerminologyLoadError(f"{path}: not JSON ({exc})") from exc
    return data


@lru_cache(maxsize=1)
def default_terminology() -> Terminology:
    """The terminology shipped in `mappings/`, loaded once per process."""
    return Terminology.load()
