"""Turn a kick-off request's parameters into an `ExportSpec`, refusing what cannot be honoured.

Unsupported parameters and types are a 400 naming them, unless the client sent
`Prefer: handling=lenient`: then they are left out and said so in the export's error file.
See https://hl7.org/fhir/uv/bulkdata/export.html#query-parameters
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gateway.export.select import parse_type_filter
from gateway.export.spec import OUTPUT_FORMATS, ExportSpec, types_for_level
from gateway.interactions.history import parse_since
from gateway.outcomes import bad_request

# Parameters of the Bulk Data IG this server does not implement: refused, or left out when lenient.
UNSUPPORTED = {"_elements": "_elements is not supported: every element is exported",
               "includeAssociatedData": "includeAssociatedData is not supported: no associated data is added"}
KNOWN = frozenset({"_outputFormat", "_type", "_since", "_typeFilter", "patient", *UNSUPPORTED})


def prefers(prefer_header: str | None) -> tuple[bool, bool]:
    """(respond-async, handling=lenient) from the Prefer header."""
    tokens = {t.strip().lower().replace(" ", "") for t in (prefer_header or "").replace(";", ",").split(",")}
    return "respond-async" in tokens, "handling=lenient" in tokens


def _texts(values: list[Any], name: str) -> list[str]:
    out = []
    for value in values:
        if not isinstance(value, str):
            raise bad_request(f"{name} must be a string", [name])
        out.append(value)
    return out


def parse_export(level: str, params: dict[str, list[Any]], lenient: bool, may_export: Callable[[str], bool],
                 base_url: str) -> ExportSpec:
    """The spec for a kick-off at `level`. Without `_type`: every type of the level the caller may
    export (`may_export`); the scope check for named types is the caller's."""
    notes: list[str] = []

    def refuse(text: str, name: str) -> None:
        if not lenient:
            raise bad_request(f"{text} (send Prefer: handling=lenient to export without it)", [name])
        notes.append(text)

    for name in sorted(params):
        if name not in KNOWN:
            refuse(f"{name} is not a parameter of $export", name)
        elif name in UNSUPPORTED:
            refuse(UNSUPPORTED[name], name)

    # _outputFormat: NDJSON only, in any of the IG's spellings.
    for fmt in _texts(params.get("_outputFormat", []), "_outputFormat"):
        if fmt.strip() not in OUTPUT_FORMATS:
            raise bad_request(f"_outputFormat {fmt!r} is not supported: use application/fhir+ndjson",
                              ["_outputFormat"])

    # _type: the types asked for, each one this level can hold.
    allowed = types_for_level(level)
    named = [t.strip() for v in _texts(params.get("_type", []), "_type") for t in v.split(",") if t.strip()]
    types: list[str] = []
    for res_type in dict.fromkeys(named):
        if res_type in allowed:
            types.append(res_type)
        else:
            where = ("a system export" if level == "system"
                     else "a Patient or Group export (not in the Patient compartment)")
            refuse(f"_type {res_type} cannot be exported in {where}", "_type")
    if not named:
        types = [t for t in sorted(allowed) if may_export(t)]
    elif not types:
        raise bad_request("None of the types in _type can be exported", ["_type"])

    # _since: one instant.
    since_values = _texts(params.get("_since", []), "_since")
    if len(since_values) > 1:
        raise bad_request("_since may be given once", ["_since"])
    since = parse_since(since_values[0]) if since_values else None

    # _typeFilter: Type?search, ORed per type; the type must be one exported.
    filters: dict[str, list[str]] = {}
    for value in _texts(params.get("_typeFilter", []), "_typeFilter"):
        for item in _split_filters(value):
            res_type, _, query = item.partition("?")
            if res_type not in types:
                raise bad_request(f"_typeFilter {item!r} names a type this export does not include", ["_typeFilter"])
            parse_type_filter(res_type, query, base_url)  # a bad search is a 400 now, not a failed job later
            filters.setdefault(res_type, []).append(query)

    return ExportSpec(level=level, types=tuple(sorted(types)), since=since,
                      type_filters={k: tuple(v) for k, v in filters.items()}, notes=tuple(notes))


def _split_filters(value: str) -> list[str]:
    """`_typeFilter` values may list several searches separated by commas, each `Type?query`; a comma
    inside a query (ORed values) belongs to it, so split only where the next part starts a new type."""
    parts: list[str] = []
    for piece in value.split(","):
        head = piece.partition("?")[0]
        if parts and not ("?" in piece and head[:1].isupper() and head.isalpha()):
            parts[-1] += "," + piece
        else:
            parts.append(piece)
    return [p for p in (p.strip() for p in parts) if p]


def patient_refs(values: list[Any]) -> list[str]:
    """Patient ids from the `patient` parameter (references, as `valueReference` in a Parameters body)."""
    ids = []
    for value in values:
        ref = value.get("reference") if isinstance(value, dict) else value
        if not isinstance(ref, str) or not ref.startswith("Patient/") or len(ref.split("/")) != 2:
            raise bad_request("patient must be a reference like Patient/123", ["patient"])
        ids.append(ref.split("/")[1])
    return ids
