"""Parse search parameter values from the query string into typed, comparable values.

One function per parameter type. Escapes (`\\,` `\\|` `\\$` `\\\\`) are honoured wherever a value is
split, comparison prefixes (`ge2020`) are read for date, number and quantity, and date and number values
become the range their precision implies. Bad values raise `ValueFormatError`; `params.py` turns it
into a 400 that names the parameter. See https://hl7.org/fhir/R4/search.html#escaping
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from gateway.search.dates import DateFormatError, date_range

PREFIXES = ("eq", "ne", "gt", "lt", "ge", "le", "sa", "eb", "ap")


class ValueFormatError(ValueError):
    """A search value that does not parse for its parameter type."""


@dataclass(frozen=True)
class TokenValue:
    """`code`, `system|code`, `|code` (no system) or `system|` (any code); `of-type` adds the type."""

    system: str | None
    code: str | None
    any_system: bool
    type_system: str | None = None
    type_code: str | None = None


@dataclass(frozen=True)
class TextValue:
    """A string, uri, or `:text` value compared as text."""

    text: str


@dataclass(frozen=True)
class RangeValue:
    """A date or number: the inclusive range `[low, high]` the value's precision covers."""

    prefix: str
    low: float | int
    high: float | int
    value: float | int


@dataclass(frozen=True)
class QuantityValue:
    prefix: str
    low: float
    high: float
    value: float
    system: str | None
    code: str | None


@dataclass(frozen=True)
class ReferenceValue:
    """A local `Type/id` or bare id (`target_type` None = any type), or an absolute/canonical url."""

    target_type: str | None
    target_id: str | None
    url: str | None


Value = TokenValue | TextValue | RangeValue | QuantityValue | ReferenceValue


def split_escaped(text: str, sep: str) -> list[str]:
    """Split on `sep` not preceded by a backslash, then unescape each part."""
    parts, current, i = [], [], 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            current.append(text[i : i + 2])
            i += 2
            continue
        if ch == sep:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    parts.append("".join(current))
    return parts


def unescape(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text) and text[i + 1] in ",|$\\":
            out.append(text[i + 1])
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def _prefix(text: str) -> tuple[str, str]:
    if len(text) > 2 and text[:2] in PREFIXES and (text[2].isdigit() or text[2] in "-."):
        return text[:2], text[2:]
    return "eq", text


def parse_token(text: str, of_type: bool = False) -> TokenValue:
    parts = [unescape(p) for p in split_escaped(text, "|")]
    if of_type:
        if len(parts) != 3 or not parts[2]:
            raise ValueFormatError("':of-type' needs type-system|type-code|value")
        return TokenValue(None, parts[2], True, parts[0] or None, parts[1] or None)
    if len(parts) == 1:
        if not parts[0]:
            raise ValueFormatError("empty token")
        return TokenValue(None, parts[0], True)
    if len(parts) == 2:
        if not parts[0] and not parts[1]:
            raise ValueFormatError("empty token")
        return TokenValue(parts[0] or None, parts[1] or None, False)
    raise ValueFormatError("a token is [system|]code")


def parse_text(text: str) -> TextValue:
    value = unescape(text)
    if not value:
        raise ValueFormatError("empty value")
    return TextValue(value)


def parse_date(text: str) -> RangeValue:
    prefix, rest = _prefix(text)
    try:
        low, high = date_range(rest)
    except DateFormatError as exc:
        raise ValueFormatError(str(exc)) from None
    return RangeValue(prefix, low, high, low)


def _decimal(text: str) -> tuple[float, float, float]:
    """The value and the half-unit range of its last significant digit (`100` -> [99.5, 100.5])."""
    try:
        d = Decimal(text)
    except InvalidOperation:
        raise ValueFormatError(f"not a number: {text!r}") from None
    if not d.is_finite():
        raise ValueFormatError(f"not a number: {text!r}")
    exponent = d.as_tuple().exponent
    half = Decimal(1).scaleb(int(exponent)) / 2
    return float(d), float(d - half), float(d + half)


def parse_number(text: str) -> RangeValue:
    prefix, rest = _prefix(text)
    value, low, high = _decimal(rest)
    return RangeValue(prefix, low, high, value)


def parse_quantity(text: str) -> QuantityValue:
    parts = split_escaped(text, "|")
    if len(parts) not in (1, 3):
        raise ValueFormatError("a quantity is [prefix]number[|system|code]")
    prefix, rest = _prefix(parts[0])
    value, low, high = _decimal(rest)
    system = unescape(parts[1]) or None if len(parts) == 3 else None
    code = unescape(parts[2]) or None if len(parts) == 3 else None
    return QuantityValue(prefix, low, high, value, system, code)


def parse_reference(text: str, base_url: str, type_modifier: str | None) -> ReferenceValue:
    value = unescape(text)
    if not value:
        raise ValueFormatError("empty reference")
    base = base_url.rstrip("/") + "/"
    if base_url and value.startswith(base):
        value = value[len(base) :]
    elif "://" in value or value.startswith("urn:"):
        return ReferenceValue(None, None, value.split("|")[0])
    parts = value.split("/_history/")[0].split("/")
    if len(parts) == 2 and parts[0][:1].isupper() and parts[1]:
        if type_modifier and type_modifier != parts[0]:
            raise ValueFormatError(f"{value!r} is not a {type_modifier}")
        return ReferenceValue(parts[0], parts[1], None)
    if len(parts) == 1:
        return ReferenceValue(type_modifier, parts[0], None)
    raise ValueFormatError(f"not a reference: {value!r}")
