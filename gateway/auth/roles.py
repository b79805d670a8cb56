"""The gateway's roles and the scopes each gets by default, kept as data in `roles.json`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from gateway.auth.scopes import parse_scope

ROLES_FILE = Path(__file__).with_name("roles.json")


class UnknownRole(ValueError):
    """A role name that `roles.json` does not define."""


@dataclass(frozen=True)
class Role:
    """A role: its name, what it is for, and the scopes a token for it carries unless told otherwise."""

    name: str
    description: str
    default_scopes: tuple[str, ...]


@dataclass(frozen=True)
class Roles:
    """Every defined role, by name."""

    by_name: dict[str, Role]

    @classmethod
    def load(cls, path: Path = ROLES_FILE) -> Roles:
        """Read and validate a roles file: a malformed default scope is a configuration error, raised
        at start-up rather than discovered as a mysteriously forbidden request."""
        data = json.loads(path.read_text(encoding="utf-8"))
        by_name: dict[str, Role] = {}
        for name, spec in data.items():
            if name.startswith("_"):
                continue
            scopes = tuple(spec["scopes"])
            bad = [s for s in scopes if parse_scope(s) is None]
            if bad:
                raise ValueError(f"{path}: role {name!r} has malformed scopes {bad}")
            by_name[name] = Role(name, spec.get("description", ""), scopes)
        return cls(by_name)

    def get(self, name: str) -> Role:
        """The named role; raises UnknownRole naming the roles that exist."""
        try:
            return self.by_name[name]
        except KeyError:
            raise UnknownRole(f"unknown role {name!r}; roles are: {', '.join(sorted(self.by_name))}") from None

    def names(self) -> list[str]:
        return sorted(self.by_name)


@lru_cache(maxsize=1)
def default_roles() -> Roles:
    """The roles shipped with the gateway, loaded once per process."""
    return Roles.load()
