"""Code maps as data: load every map file under `mappings/`, validate it once, look codes up by
map name. An unknown map or an unmapped code raises a typed error instead of emitting "".

A map file is JSON (see `mappings/README.md`):

    {"name": "systmone-appointment-status",         # ConceptMap id; unique across files
     "title": "...", "description": "...",
     "source_system": "https://...",                  # where the source values come from
     "target_system": "http://hl7.org/fhir/appointmentstatus",
     "match": "exact" | "normalised",                 # normalised: case, "&"/"and", ":"/"/" folded
     "entries": {"Finished": {"code": "fulfilled", "display": "Fulfilled"}, ...}}

Each entry may carry `"equivalence"` (FHIR R4 ConceptMap equivalence; default "equivalent") and
`"comment"`. A file may instead hold {"maps": [ ...several maps... ]}.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from adapters.uris import concept_map

MAPPINGS_DIR = Path(__file__).resolve().parent.parent / "mappings"

_EQUIVALENCES = {
    "relatedto", "equivalent", "equal", "wider", "subsumes", "narrower",
    "specializes", "inexact", "unmatched", "disjoint",
}


class CodeMapError(Exception):
    """Base class for code map problems."""


class InvalidMapFile(CodeMapError):
    """A file in mappings/ does not follow the map format (raised at start-up)."""


class UnknownMap(CodeMapError):
    """Code asked for a map name that no file defines."""


class UnmappedCode(CodeMapError):
    """A source value has no entry in the named map."""

    def __init__(self, map_name: str, value: str) -> None:
        super().__init__(f"value {value!r} is not in code map {map_name!r}")
        self.map_name = map_name
        self.value = value


@dataclass(frozen=True, slots=True)
class Target:
    """What a source value maps to."""

    system: str
    code: str
    display: str | None = None
    equivalence: str = "equivalent"
    comment: str | None = None

    def coding(self) -> dict[str, str]:
        """The target as a FHIR Coding."""
        out = {"system": self.system, "code": self.code}
        if self.display:
            out["display"] = self.display
        return out


_SPACES = re.compile(r"\s+")


def normalise_text(value: str) -> str:
    """Fold the variants real submissions show: case, '&' or 'and', ':' or '/', spacing."""
    text = value.strip().lower().replace("&", " and ").replace("/", ":")
    text = re.sub(r"\s*:\s*", ": ", text)
    return _SPACES.sub(" ", text).strip()


@dataclass(slots=True)
class CodeMap:
    """One named map from source values to target codings."""

    name: str
    source_system: str
    target_system: str
    match: str
    title: str = ""
    description: str = ""
    entries: dict[str, Target] = field(default_factory=dict)
    _folded: dict[str, tuple[str, Target]] = field(default_factory=dict)

    def key(self, value: str) -> str:
        return normalise_text(value) if self.match == "normalised" else value.strip()

    def get(self, value: str) -> Target | None:
        """The target for `value`, or None."""
        hit = self._folded.get(self.key(value))
        return hit[1] if hit else None

    def lookup(self, value: str) -> Target:
        """The target for `value`; raises UnmappedCode when there is none."""
        target = self.get(value)
        if target is None:
            raise UnmappedCode(self.name, value)
        return target

    def canonical(self, value: str) -> str | None:
        """The spelling of `value` as written in the map (the normalised variant's source key)."""
        hit = self._folded.get(self.key(value))
        return hit[0] if hit else None

    def spelling(self, code: str) -> str | None:
        """The first source value that maps to `code` with full equivalence: how a writer of the
        source (the synthetic samples) spells the code. None when no entry does."""
        return next((source for source, target in self.entries.items()
                     if target.code == code and target.equivalence == "equivalent"), None)

    def to_concept_map(self) -> dict[str, Any]:
        """The map as a FHIR R4 ConceptMap, for serving and `$translate`."""
        elements = []
        for source, target in self.entries.items():
            tgt: dict[str, Any] = {"code": target.code, "equivalence": target.equivalence}
            if target.display:
                tgt["display"] = target.display
            if target.comment:
                tgt["comment"] = target.comment
            elements.append({"code": source, "target": [tgt]})
        return {
            "resourceType": "ConceptMap",
            "id": self.name,
            "url": concept_map(self.name),
            "name": re.sub(r"[^A-Za-z0-9]", "", self.name.title()),
            "title": self.title or self.name,
            "status": "active",
            "description": self.description or None,
            "sourceUri": self.source_system,
            "targetUri": self.target_system,
            "group": [{"source": self.source_system, "target": self.target_system, "element": elements}],
        }


def _parse_map(raw: dict[str, Any], origin: str) -> CodeMap:
    try:
        name = raw["name"]
        cmap = CodeMap(
            name=name,
            source_system=raw["source_system"],
            target_system=raw["target_system"],
            match=raw.get("match", "exact"),
            title=raw.get("title", ""),
            description=raw.get("description", ""),
        )
        if cmap.match not in ("exact", "normalised"):
            raise InvalidMapFile(f"{origin}: map {name!r} has match {cmap.match!r} (exact or normalised)")
        for source, entry in raw["entries"].items():
            equivalence = entry.get("equivalence", "equivalent")
            if equivalence not in _EQUIVALENCES:
                raise InvalidMapFile(f"{origin}: map {name!r} entry {source!r}: equivalence {equivalence!r}")
            target = Target(
                system=entry.get("system", cmap.target_system),
                code=str(entry["code"]),
                display=entry.get("display"),
                equivalence=equivalence,
                comment=entry.get("comment"),
            )
            key = cmap.key(source)
            if key in cmap._folded and cmap._folded[key][1] != target:
                raise InvalidMapFile(f"{origin}: map {name!r} has conflicting entries for {source!r}")
            cmap.entries[source] = target
            cmap._folded[key] = (source, target)
    except KeyError as exc:
        raise InvalidMapFile(f"{origin}: missing key {exc}") from exc
    except (TypeError, AttributeError) as exc:
        raise InvalidMapFile(f"{origin}: malformed map ({exc})") from exc
    return cmap


def _map_files(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*.json")):
        if path.name.endswith(".map.json"):
            yield path


class CodeMaps:
    """Every map under a directory, by name. Files named `*.map.json` are maps; other JSON files
    in `mappings/` (code systems, identifier systems) are loaded by their own loaders."""

    def __init__(self, maps: Iterable[CodeMap]) -> None:
        self._maps: dict[str, CodeMap] = {}
        for cmap in maps:
            if cmap.name in self._maps:
                raise InvalidMapFile(f"map name {cmap.name!r} is defined twice")
            self._maps[cmap.name] = cmap

    @classmethod
    def load(cls, root: Path = MAPPINGS_DIR) -> CodeMaps:
        maps: list[CodeMap] = []
        for path in _map_files(root):
            try:
                raw = json.loads(path.read_text(encoding="utf-8"))
            except json.JSONDecodeError as exc:
                raise InvalidMapFile(f"{path}: not JSON ({exc})") from exc
            items = raw["maps"] if isinstance(raw, dict) and "maps" in raw else [raw]
            maps.extend(_parse_map(item, str(path.relative_to(root))) for item in items)
        return cls(maps)

    def __getitem__(self, name: str) -> CodeMap:
        try:
            return self._maps[name]
        except KeyError:
            raise UnknownMap(f"no code map named {name!r} in mappings/") from None

    def __contains__(self, name: object) -> bool:
        return name in self._maps

    def __iter__(self) -> Iterator[CodeMap]:
        return iter(self._maps.values())

    def lookup(self, map_name: str, value: str) -> Target:
        """Shorthand for `maps[map_name].lookup(value)`."""
        return self[map_name].lookup(value)


@lru_cache(maxsize=1)
def default_maps() -> CodeMaps:
    """The maps shipped in `mappings/`, loaded and validated once per process."""
    return CodeMaps.load()
