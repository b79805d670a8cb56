"""SMART on FHIR scopes: parse a token's `scope` claim once, then answer "may it do X on type T" cheaply.

See https://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html

Accepted forms (anything else is ignored, never fatal, because issuers routinely add scopes that
mean nothing to a FHIR server: `openid`, `fhirUser`, `launch/patient`, `offline_access`...):

- SMART v2 `patient|user|system/<Type|*>.<permissions>`, permissions a non-empty subset of
  `c r u d s` written in that order (`rs`, `cruds`, `cud`); out-of-order or repeated letters are
  garbled and ignored.
- SMART v1 `patient|user|system/<Type|*>.read|write|*`, read as v2 `rs`, `cud` and `cruds`.
- v2 scopes with a search-style constraint (`patient/Observation.rs?category=laboratory`) are kept
  on the `ScopeSet` but grant nothing through `allows`: a constraint narrows a grant to some
  resources, and a type-level check cannot honour that, so granting the whole type would widen it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

PERMISSIONS = "cruds"
CONTEXTS = ("patient", "user", "system")

# FHIR RESTful interaction -> the SMART permission letter that covers it.
# See https://hl7.org/fhir/R4/http.html and the SMART v2 table of permissions.
INTERACTION_PERMISSION: dict[str, str] = {
    "read": "r",
    "vread": "r",
    "history-instance": "r",
    "history-type": "s",
    "search-type": "s",
    "create": "c",
    "update": "u",
    "patch": "u",
    "delete": "d",
}

_V1_PERMISSIONS = {"read": "rs", "write": "cud", "*": "cruds"}
_SCOPE = re.compile(r"^(patient|user|system)/(\*|[A-Z][A-Za-z]{0,63})\.([A-Za-z*]+)(?:\?(.+))?$")
_V2_PERMISSIONS = re.compile(r"^c?r?u?d?s?$")


@dataclass(frozen=True)
class Scope:
    """One resource scope: context, resource type (`*` for all) and the permissions it grants."""

    context: str
    resource_type: str
    permissions: frozenset[str]
    constraint: str | None = None

    def grants(self, permission: str, resource_type: str) -> bool:
        return self.constraint is None and permission in self.permissions and self.resource_type in ("*", resource_type)


def parse_scope(text: str) -> Scope | None:
    """One scope string to a `Scope`, or None when it is not a (well-formed) resource scope."""
    m = _SCOPE.match(text)
    if m is None:
        return None
    context, resource_type, perms, constraint = m.groups()
    if perms in _V1_PERMISSIONS:
        if constraint is not None:  # v1 never had constraints: garbled
            return None
        letters = _V1_PERMISSIONS[perms]
    elif perms and _V2_PERMISSIONS.match(perms):
        letters = perms
    else:
        return None
    return Scope(context, resource_type, frozenset(letters), constraint)


@dataclass(frozen=True)
class ScopeSet:
    """All scopes of one token, precomputed into lookup tables so `allows` is two set probes."""

    scopes: tuple[Scope, ...]
    ignored: tuple[str, ...] = ()
    _wildcard: frozenset[str] = field(default=frozenset(), repr=False, compare=False)
    _by_type: dict[str, frozenset[str]] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        wildcard: set[str] = set()
        by_type: dict[str, set[str]] = {}
        for scope in self.scopes:
            if scope.constraint is not None:
                continue
            if scope.resource_type == "*":
                wildcard |= scope.permissions
            else:
                by_type.setdefault(scope.resource_type, set()).update(scope.permissions)
        object.__setattr__(self, "_wildcard", frozenset(wildcard))
        object.__setattr__(self, "_by_type", {t: frozenset(p) for t, p in by_type.items()})

    @classmethod
    def parse(cls, scopes: str | Iterable[str]) -> ScopeSet:
        """Parse a space-separated `scope` claim (or a list of scopes), keeping what is not understood
        in `ignored` so it can be logged or shown rather than silently vanishing."""
        items = scopes.split() if isinstance(scopes, str) else [s for item in scopes for s in item.split()]
        parsed: list[Scope] = []
        ignored: list[str] = []
        for item in items:
            scope = parse_scope(item)
            if scope is None:
                ignored.append(item)
            else:
                parsed.append(scope)
        return cls(tuple(parsed), tuple(ignored))

    def allows(self, interaction: str, resource_type: str) -> bool:
        """Whether any unconstrained scope grants permission letter `interaction` (c, r, u, d or s)
        on `resource_type`."""
        if interaction in self._wildcard:
            return True
        granted = self._by_type.get(resource_type)
        return granted is not None and interaction in granted

    def texts(self) -> list[str]:
        """The understood scopes back in SMART v2 spelling, e.g. for an introspection response."""
        return [format_scope(s) for s in self.scopes]


def format_scope(scope: Scope) -> str:
    letters = "".join(p for p in PERMISSIONS if p in scope.permissions)
    suffix = f"?{scope.constraint}" if scope.constraint else ""
    return f"{scope.context}/{scope.resource_type}.{letters}{suffix}"


def permission_for(interaction: str) -> str:
    """The SMART permission letter a FHIR interaction needs (`read` -> `r`); a letter passes through.

    Raises KeyError for interactions that are not type-level (e.g. `transaction`), which the caller
    must check entry by entry instead.
    """
    if interaction in PERMISSIONS and len(interaction) == 1:
        return interaction
    return INTERACTION_PERMISSION[interaction]
