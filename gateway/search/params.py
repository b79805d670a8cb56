"""Turn query parameters into a frozen `SearchRequest`; the SQL layer never sees raw query strings.

Commas OR values, repeated parameters AND them. Every value is parsed for its parameter's type here,
so a bad value fails fast with a 400 naming the parameter. Unknown or unsupported parameters fail
when `strict` (`Prefer: handling=strict`) and are otherwise ignored and listed in `ignored`, so the
Bundle can carry an OperationOutcome warning. See https://hl7.org/fhir/R4/search.html
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gateway.limits.numbers import whole_number
from gateway.limits.query import check_search_size
from gateway.outcomes import bad_request
from gateway.search.registry import Registry, SearchParam, get_registry
from gateway.search.request import Chain, Filter, Include, SearchRequest, SortKey
from gateway.search.values_parse import (
    Value,
    ValueFormatError,
    parse_date,
    parse_number,
    parse_quantity,
    parse_reference,
    parse_text,
    parse_token,
    split_escaped,
)
from gateway.settings import get_settings

MODIFIERS: dict[str, set[str]] = {
    "token": {"not", "text", "of-type", "missing"},
    "string": {"exact", "contains", "missing"},
    "date": {"missing"},
    "number": {"missing"},
    "quantity": {"missing"},
    "reference": {"identifier", "missing"},
    "uri": {"above", "below", "missing"},
}
SORTABLE = {"string", "date", "token", "number", "quantity", "uri"}
SUMMARY = {"count", "true", "text", "data", "false"}
# Accepted and ignored: they concern the response format, which the REST layer handles.
FORMAT_PARAMS = {"_format", "_pretty"}


@dataclass
class _Builder:
    registry: Registry
    rtype: str
    base_url: str
    strict: bool
    filters: list[Filter] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

    def skip(self, name: str, reason: str) -> None:
        if self.strict:
            raise bad_request(f"Search parameter {name!r} is not supported for {self.rtype}: {reason}", [name])
        self.ignored.append(f"{name}: {reason}")

    def filter(self, name: str, raw: str) -> None:
        key, _, chained = name.partition(".")
        code, _, modifier = key.partition(":")
        param = self.registry.get(self.rtype, code)
        if param is None:
            return self.skip(name, "unknown search parameter")
        if chained:
            return self.filters.append(self._chain(name, param, modifier or None, chained, raw))
        self.filters.append(make_filter(self.registry, param, modifier or None, raw, self.base_url, name))

    def _chain(self, name: str, param: SearchParam, type_mod: str | None, chained: str, raw: str) -> Filter:
        if param.type != "reference":
            raise bad_request(f"{param.code!r} is not a reference parameter and cannot be chained", [name])
        if "." in chained:
            raise bad_request("Only one level of chaining is supported", [name])
        code, _, modifier = chained.partition(":")
        candidates = (type_mod,) if type_mod else param.targets
        targets = tuple(t for t in candidates if self.registry.get(t, code) is not None)
        if not targets:
            raise bad_request(f"No target of {param.code!r} has a search parameter {code!r}", [name])
        inner = tuple(
            make_filter(self.registry, self.registry.get(t, code), modifier or None, raw, self.base_url, name)  # type: ignore[arg-type]
            for t in targets
        )
        return Filter(param.code, "reference", None, (), chain=Chain(targets, inner))


def make_filter(
    registry: Registry, param: SearchParam, modifier: str | None, raw: str, base_url: str, name: str
) -> Filter:
    """One parameter occurrence as a Filter, its comma-separated values parsed for the type."""
    type_mod = None
    if modifier and param.type == "reference" and modifier not in MODIFIERS["reference"]:
        if modifier not in registry.resource_types and modifier not in param.targets:
            raise bad_request(f"Unknown modifier ':{modifier}' on {param.code!r}", [name])
        type_mod, modifier = modifier, None
    elif param.code in ("_id", "_lastUpdated") and modifier not in (None, "not"):
        raise bad_request(f"Modifier ':{modifier}' is not supported on {param.code}", [name])
    elif modifier and modifier not in MODIFIERS.get(param.type, set()):
        raise bad_request(f"Modifier ':{modifier}' is not supported on {param.type} parameter {param.code!r}", [name])
    if modifier == "missing":
        if raw not in ("true", "false"):
            raise bad_request(":missing takes true or false", [name])
        return Filter(param.code, param.type, "missing", (), missing=raw == "true")
    try:
        values = tuple(_value(param, modifier, type_mod, part, base_url) for part in split_escaped(raw, ","))
    except ValueFormatError as exc:
        raise bad_request(f"Invalid value for {name!r}: {exc}", [name]) from None
    return Filter(param.code, param.type, modifier, values, type_modifier=type_mod)


def _value(param: SearchParam, modifier: str | None, type_mod: str | None, text: str, base_url: str) -> Value:
    kind = param.type
    if param.code == "_id" or kind in ("string", "uri") or modifier == "text":
        return parse_text(text)
    if kind == "token" or modifier == "identifier":
        return parse_token(text, of_type=modifier == "of-type")
    if kind == "date":
        return parse_date(text)
    if kind == "number":
        return parse_number(text)
    if kind == "quantity":
        return parse_quantity(text)
    return parse_reference(text, base_url, type_mod)


def _int(name: str, raw: str) -> int:
    return whole_number(raw, name)


def _include(registry: Registry, rtype: str, name: str, raw: str, reverse: bool) -> Include:
    modifier = name.partition(":")[2]
    if modifier not in ("", "iterate", "recurse"):
        raise bad_request(f"Unknown modifier ':{modifier}' on {name.split(':')[0]}", [name])
    if raw == "*":  # every reference parameter (of this type, or for _revinclude of any type)
        return Include("*" if reverse or modifier else rtype, "*", None, bool(modifier), reverse)
    parts = raw.split(":")
    if len(parts) not in (2, 3):
        raise bad_request(f"{name} must be *, or SourceType:param[:TargetType]", [name])
    source, code = parts[0], parts[1]
    target = parts[2] if len(parts) == 3 else None
    if not reverse and source != rtype and not modifier:
        raise bad_request(f"_include source type must be {rtype} (or use :iterate)", [name])
    param = registry.get(source, code)
    if param is None or param.type != "reference":
        raise bad_request(f"{source}:{code} is not a reference search parameter", [name])
    if target and target not in registry.resource_types:
        raise bad_request(f"Unknown target type {target!r}", [name])
    return Include(source, code, target, bool(modifier), reverse)


def parse_search(
    resource_type: str,
    params: list[tuple[str, str]],
    base_url: str,
    strict: bool,
    *,
    max_page_size: int | None = None,
    registry: Registry | None = None,
) -> SearchRequest:
    """Parse a type-level search. See https://hl7.org/fhir/R4/search.html#2.21.1"""
    registry = registry or get_registry()
    if resource_type not in registry.resource_types:
        raise bad_request(f"Search is not supported on {resource_type!r}", ["type"])
    settings = get_settings()
    check_search_size(params, max_params=settings.max_search_params, max_values=settings.max_search_values,
                      max_sort_keys=settings.max_sort_keys)
    cap = max_page_size or settings.max_page_size
    b = _Builder(registry, resource_type, base_url.rstrip("/"), strict)
    count, cursor, total, summary = min(settings.default_page_size, cap), None, "accurate", None
    elements: tuple[str, ...] | None = None
    sort: list[SortKey] = []
    includes: list[Include] = []
    revincludes: list[Include] = []
    for name, raw in params:
        base_name = name.partition(":")[0]
        if name == "_count":
            count = min(_int(name, raw), cap)
        elif name == "_cursor":
            cursor = raw
        elif name == "_total":
            if raw not in ("none", "estimate", "accurate"):
                raise bad_request("_total must be none, estimate or accurate", [name])
            total = "none" if raw == "none" else "accurate"
        elif name == "_summary":
            if raw not in SUMMARY:
                raise bad_request(f"_summary must be one of {', '.join(sorted(SUMMARY))}", [name])
            summary = None if raw == "false" else raw
        elif name == "_elements":
            elements = tuple(e.strip() for e in raw.split(",") if e.strip())
        elif name == "_sort":
            sort.extend(_sort_keys(registry, resource_type, raw))
        elif base_name == "_include":
            includes.append(_include(registry, resource_type, name, raw, reverse=False))
        elif base_name == "_revinclude":
            revincludes.append(_include(registry, resource_type, name, raw, reverse=True))
        elif name in FORMAT_PARAMS:
            continue
        else:
            b.filter(name, raw)
    query = tuple((k, v) for k, v in params if k != "_cursor")
    return SearchRequest(
        resource_type, tuple(b.filters), tuple(sort), count, cursor, total, summary, elements,
        tuple(includes), tuple(revincludes), tuple(b.ignored), base_url.rstrip("/"), query,
    )  # fmt: skip


def _sort_keys(registry: Registry, rtype: str, raw: str) -> list[SortKey]:
    keys = []
    for item in raw.split(","):
        item = item.strip()
        code = item.lstrip("-")
        param = registry.get(rtype, code)
        if param is None or param.type not in SORTABLE and code != "_id":
            raise bad_request(f"Cannot sort {rtype} by {code!r}", ["_sort"])
        keys.append(SortKey(code, param.type, item.startswith("-")))
    return keys
