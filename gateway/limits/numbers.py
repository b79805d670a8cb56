"""Whole numbers from query strings and paths, parsed as ASCII digits only.

`str.isdigit()` is true for "²" and other Unicode digits that `int()` then refuses (or reads as a
different number), which used to turn `_count=²` into a 500. Every count, offset, cursor and
numeric id a client sends goes through here.
"""

from __future__ import annotations

from gateway.outcomes import bad_request, not_found

# Largest value a 64-bit signed integer column holds; a bigger id cannot name a stored row.
MAX_ID = 2**63 - 1
# Versions are 32-bit integer columns: a bigger version names nothing (and PostgreSQL refuses to
# compare the column with it: "integer out of range", found by schemathesis on vread).
MAX_VERSION = 2**31 - 1
_MAX_DIGITS = 19


def is_ascii_digits(text: str) -> bool:
    """True for a non-empty run of 0-9 (nothing else: no sign, no spaces, no Unicode digits)."""
    return 0 < len(text) and text.isascii() and text.isdigit()


def whole_number(raw: str, name: str, *, least: int = 0, most: int | None = None) -> int:
    """`raw` as an int in [least, most] (values above `most` are clipped to it); 400 naming `name`
    for anything that is not plain ASCII digits or is below `least`."""
    if not is_ascii_digits(raw) or len(raw) > _MAX_DIGITS:
        raise bad_request(f"{name} must be a whole number written with the digits 0-9, not {raw[:40]!r}", [name])
    value = int(raw)
    if value < least:
        raise bad_request(f"{name} must be at least {least}", [name])
    return value if most is None else min(value, most)


def optional_number(raw: str | None, name: str, default: int, *, least: int = 0, most: int | None = None) -> int:
    """Like `whole_number`, with `default` when the parameter is absent or empty."""
    if raw is None or raw == "":
        return default
    return whole_number(raw, name, least=least, most=most)


def row_id(raw: str, what: str) -> int:
    """A numeric row id from a path: 400 when it is not ASCII digits, 404 when it is beyond a 64-bit
    integer (no such row can exist), rather than a database overflow."""
    if not is_ascii_digits(raw):
        raise bad_request(f"{raw[:40]!r} is not a {what} number")
    if len(raw) > _MAX_DIGITS or int(raw) > MAX_ID:
        raise not_found(f"No {what} {raw[:40]!r}")
    return int(raw)
