"""The parsed, frozen form of a search that the SQL layer executes (built by `params.parse_search`)."""

from __future__ import annotations

from dataclasses import dataclass

from gateway.search.values_parse import Value


@dataclass(frozen=True)
class Chain:
    """`subject:Patient.name=x`: the reference must point at a resource matching `filters` (any of them)."""

    target_types: tuple[str, ...]
    filters: tuple[Filter, ...]  # one per target type, same order


@dataclass(frozen=True)
class Filter:
    """One parameter occurrence; its `values` are ORed, and a request's filters are ANDed."""

    code: str
    type: str
    modifier: str | None
    values: tuple[Value, ...]
    missing: bool | None = None  # for :missing
    type_modifier: str | None = None  # reference `subject:Patient=...`
    chain: Chain | None = None


@dataclass(frozen=True)
class SortKey:
    code: str
    type: str
    descending: bool


@dataclass(frozen=True)
class Include:
    """`_include=Source:param[:Target]` or, with `reverse`, `_revinclude`; `iterate` repeats it.
    `*` as `param` (and, reversed, as `source_type`) means any."""

    source_type: str
    param: str
    target_type: str | None
    iterate: bool
    reverse: bool


@dataclass(frozen=True)
class SearchRequest:
    """Everything `execute_search` needs; `query` is the original parameters minus `_cursor`."""

    resource_type: str
    filters: tuple[Filter, ...]
    sort: tuple[SortKey, ...]
    count: int
    cursor: str | None
    total: str  # "accurate" | "none"
    summary: str | None  # "count" | "true" | "text" | "data"
    elements: tuple[str, ...] | None
    includes: tuple[Include, ...]
    revincludes: tuple[Include, ...]
    ignored: tuple[str, ...]  # "param: reason" for parameters skipped in lenient mode
    base_url: str
    query: tuple[tuple[str, str], ...]
