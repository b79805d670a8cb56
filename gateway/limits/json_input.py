"""Request bodies as JSON, bounded in nesting depth and free of NUL characters.

orjson parses up to 1,024 levels, but a 500-deep extension then exhausts the validator's recursion
and Python's `json` fails at about 1,000 with RecursionError: both used to answer 500. NUL (U+0000)
cannot be stored in PostgreSQL text or JSON, so it is refused here with a 400 instead of failing
deep in the database. See https://hl7.org/fhir/R4/json.html
"""

from __future__ import annotations

from typing import Any

import orjson

from gateway.outcomes import bad_request

_NUL_ESCAPE = b"\\u0000"


def parse_json(raw: bytes, max_depth: int, *, what: str = "The body") -> Any:
    """The parsed body; 400 when it is not JSON, nests deeper than `max_depth` or holds a NUL."""
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise bad_request(f"{what} is not valid JSON: {exc}") from None
    # Cheap first: a document with fewer brackets than the limit cannot nest past it.
    if raw.count(b"{") + raw.count(b"[") > max_depth:
        check_depth(value, max_depth, what)
    if _NUL_ESCAPE in raw and _holds_nul(value):
        raise bad_request(f"{what} contains a NUL character (\\u0000), which is not accepted")
    return value


def check_depth(value: Any, max_depth: int, what: str = "The body") -> None:
    """400 when objects and arrays nest deeper than `max_depth` (walked without recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > max_depth:
            raise bad_request(f"{what} nests objects and arrays more than {max_depth} deep")
        if isinstance(item, dict):
            stack.extend((child, depth + 1) for child in item.values() if isinstance(child, (dict, list)))
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item if isinstance(child, (dict, list)))


def _holds_nul(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False
