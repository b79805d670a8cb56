"""Turn the FHIR values a search parameter selects into index row tuples, by parameter type.

The compiled extractor yields `(value, FHIR type)` nodes; how a node becomes rows depends on both the
parameter type and the node's datatype (a token can be a Coding, a CodeableConcept, an Identifier, a
ContactPoint, a code or a boolean). The rules follow the R4 search page's table of datatypes per
parameter type: https://hl7.org/fhir/R4/search.html#table
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterator
from typing import Any

from gateway.search.dates import MAX_US, MIN_US, DateFormatError, date_range
from gateway.storage.index_tables import KEY_LEN, URL_LEN

Row = tuple[Any, ...]
INF = float("inf")
QUANTITY_TYPES = {"Quantity", "Age", "Duration", "Distance", "Count", "SimpleQuantity", "MoneyQuantity", "Money"}
DATE_TYPES = {"date", "dateTime", "instant"}


def normalise(text: str) -> str:
    """Lower-case with accents stripped: how string search compares (`Zoë` matches `zoe`)."""
    if text.isascii():
        return text.lower()[:KEY_LEN]
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()[:KEY_LEN]


def _cut(value: Any, length: int = KEY_LEN) -> str | None:
    return value[:length] if isinstance(value, str) else None


def _text(value: Any) -> str | None:
    return normalise(value) if isinstance(value, str) and value else None


def token_rows(value: Any, kind: str) -> Iterator[Row]:
    """(system, code, text, type_system, type_code)."""
    if kind == "CodeableConcept":
        cc_text = value.get("text")
        for coding in value.get("coding") or ():
            yield (
                _cut(coding.get("system"), URL_LEN),
                _cut(coding.get("code")),
                _text(coding.get("display") or cc_text),
                None,
                None,
            )
        if cc_text:
            yield (None, None, _text(cc_text), None, None)
    elif kind == "Coding":
        yield (_cut(value.get("system"), URL_LEN), _cut(value.get("code")), _text(value.get("display")), None, None)
    elif kind == "Identifier":
        id_type = value.get("type") or {}
        first = (id_type.get("coding") or [{}])[0]
        yield (
            _cut(value.get("system"), URL_LEN),
            _cut(value.get("value")),
            _text(id_type.get("text") or first.get("display")),
            _cut(first.get("system"), URL_LEN),
            _cut(first.get("code")),
        )
    elif kind == "ContactPoint":
        if value.get("value"):
            yield (None, _cut(value["value"]), None, None, None)
    elif isinstance(value, bool):
        yield (None, "true" if value else "false", None, None, None)
    elif isinstance(value, str):
        yield (None, value[:KEY_LEN], None, None, None)


_NAME_PARTS = ("family", "given", "prefix", "suffix", "text")
_ADDRESS_PARTS = ("line", "city", "district", "state", "postalCode", "country", "text")


def string_rows(value: Any, kind: str) -> Iterator[Row]:
    """(norm, exact); HumanName and Address index each of their parts."""
    if isinstance(value, str):
        if value:
            yield (normalise(value), value[:KEY_LEN])
        return
    if not isinstance(value, dict):
        return
    parts = _NAME_PARTS if kind == "HumanName" else _ADDRESS_PARTS if kind == "Address" else ("text", "display")
    for part in parts:
        found = value.get(part)
        for item in found if isinstance(found, list) else (found,):
            if isinstance(item, str) and item:
                yield (normalise(item), item[:KEY_LEN])


def date_rows(value: Any, kind: str) -> Iterator[Row]:
    """(low, high) inclusive µs; an open Period end is unbounded."""
    try:
        if kind in DATE_TYPES and isinstance(value, str):
            yield date_range(value)
        elif kind == "Period":
            start, end = value.get("start"), value.get("end")
            if start or end:
                yield (date_range(start)[0] if start else MIN_US, date_range(end)[1] if end else MAX_US)
        elif kind == "Timing":
            for event in value.get("event") or ():
                yield date_range(event)
    except DateFormatError:
        return


def number_rows(value: Any, kind: str) -> Iterator[Row]:
    if isinstance(value, int | float) and not isinstance(value, bool):
        yield (float(value),)


def quantity_rows(value: Any, kind: str) -> Iterator[Row]:
    """(low, high, system, code, unit); a Range is stored with its two ends."""
    if kind in QUANTITY_TYPES and isinstance(value.get("value"), int | float):
        number = float(value["value"])
        yield (number, number, _cut(value.get("system"), URL_LEN), _cut(value.get("code")), _cut(value.get("unit")))
    elif kind == "Range":
        low, high = value.get("low") or {}, value.get("high") or {}
        if "value" in low or "value" in high:
            ref = low if "value" in low else high
            yield (
                float(low.get("value", -INF)),
                float(high.get("value", INF)),
                _cut(ref.get("system"), URL_LEN),
                _cut(ref.get("code")),
                _cut(ref.get("unit")),
            )


def split_reference(text: str, local_base: str | None) -> tuple[str | None, str | None, str | None]:
    """(target_type, target_id, url) for a Reference.reference string; contained (`#x`) gives nothing."""
    if text.startswith("#"):
        return None, None, None
    url = None
    if "://" in text or text.startswith("urn:"):
        url = text[:URL_LEN]
        if not (local_base and text.startswith(local_base + "/")):
            return None, None, url
        text = text[len(local_base) + 1 :]
    parts = text.split("/_history/")[0].split("/")
    if len(parts) == 2 and parts[0][:1].isupper():
        return parts[0], parts[1][:64], url
    return None, None, url


def reference_rows(value: Any, kind: str, local_base: str | None = None) -> Iterator[Row]:
    """(target_type, target_id, url, ident_system, ident_value)."""
    if isinstance(value, str):  # canonical or uri
        yield (None, None, value.split("|")[0][:URL_LEN], None, None)
        return
    if not isinstance(value, dict):
        return
    ref, ident = value.get("reference"), value.get("identifier") or {}
    target_type, target_id, url = split_reference(ref, local_base) if isinstance(ref, str) else (None, None, None)
    ident_value = _cut(ident.get("value"))
    if target_type is None and url is None and ident_value is None:
        return
    yield (target_type or value.get("type"), target_id, url, _cut(ident.get("system"), URL_LEN), ident_value)


def uri_rows(value: Any, kind: str) -> Iterator[Row]:
    if isinstance(value, str) and value:
        yield (value[:URL_LEN],)


CONVERTERS: dict[str, Callable[[Any, str], Iterator[Row]]] = {
    "token": token_rows,
    "string": string_rows,
    "date": date_rows,
    "number": number_rows,
    "quantity": quantity_rows,
    "reference": reference_rows,
    "uri": uri_rows,
}

COLUMNS: dict[str, tuple[str, ...]] = {
    "token": ("system", "code", "text", "type_system", "type_code"),
    "string": ("norm", "exact"),
    "date": ("low", "high"),
    "number": ("value",),
    "quantity": ("low", "high", "system", "code", "unit"),
    "reference": ("target_type", "target_id", "url", "ident_system", "ident_value"),
    "uri": ("value",),
}
