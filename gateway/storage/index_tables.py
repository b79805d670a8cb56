"""Search index tables: one table per search parameter type, one row per extracted value.

Every row names its resource (`res_type`, `res_id`) and parameter code (`param`); the repository
writes them in the same transaction as the resource (see `gateway.search.indexer`). Dates are
inclusive integer-microsecond ranges so precision survives (`2020` covers the whole year). Key
columns use the "C" collation on PostgreSQL so prefix ranges and sort order are plain code-point
order, the same as SQLite's BINARY, which keeps string search and keyset paging identical on both.
See https://hl7.org/fhir/R4/search.html#ptypes
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Float, Index, String, Table

from gateway.storage.metadata import metadata


def _key(length: int) -> String:
    return String(length).with_variant(String(length, collation="C"), "postgresql")


# Longest stored value; longer values are cut (string search matches on their first characters).
KEY_LEN = 256
URL_LEN = 512


def _owner() -> list[Column[str]]:
    return [
        Column("res_type", String(64), nullable=False),
        Column("res_id", String(64), nullable=False),
        Column("param", String(64), nullable=False),
    ]


search_token = Table(
    "search_token",
    metadata,
    *_owner(),
    Column("system", _key(URL_LEN), nullable=True),  # null: the value has no system
    Column("code", _key(KEY_LEN), nullable=True),  # Coding.code, Identifier.value, ContactPoint.value, code
    Column("text", _key(KEY_LEN), nullable=True),  # normalised display/text, for :text
    Column("type_system", _key(URL_LEN), nullable=True),  # Identifier.type coding, for :of-type
    Column("type_code", _key(KEY_LEN), nullable=True),
    Index("ix_search_token_code", "res_type", "param", "code", "system"),
    Index("ix_search_token_owner", "res_type", "res_id"),
)

search_string = Table(
    "search_string",
    metadata,
    *_owner(),
    Column("norm", _key(KEY_LEN), nullable=False),  # lower-case, accents stripped: default and :contains
    Column("exact", _key(KEY_LEN), nullable=False),  # as written: :exact
    Index("ix_search_string_norm", "res_type", "param", "norm"),
    Index("ix_search_string_owner", "res_type", "res_id"),
)

search_date = Table(
    "search_date",
    metadata,
    *_owner(),
    Column("low", BigInteger, nullable=False),  # µs UTC, inclusive
    Column("high", BigInteger, nullable=False),  # µs UTC, inclusive
    Index("ix_search_date_range", "res_type", "param", "low", "high"),
    Index("ix_search_date_owner", "res_type", "res_id"),
)

search_number = Table(
    "search_number",
    metadata,
    *_owner(),
    Column("value", Float, nullable=False),
    Index("ix_search_number_value", "res_type", "param", "value"),
    Index("ix_search_number_owner", "res_type", "res_id"),
)

search_quantity = Table(
    "search_quantity",
    metadata,
    *_owner(),
    Column("low", Float, nullable=False),  # a Quantity has low == high; a Range keeps both ends
    Column("high", Float, nullable=False),
    Column("system", _key(URL_LEN), nullable=True),
    Column("code", _key(KEY_LEN), nullable=True),
    Column("unit", _key(KEY_LEN), nullable=True),
    Index("ix_search_quantity_value", "res_type", "param", "code", "low"),
    Index("ix_search_quantity_owner", "res_type", "res_id"),
)

search_reference = Table(
    "search_reference",
    metadata,
    *_owner(),
    Column("target_type", String(64), nullable=True),  # local reference `Type/id`
    Column("target_id", String(64), nullable=True),
    Column("url", _key(URL_LEN), nullable=True),  # absolute (non-local) reference or canonical, no |version
    Column("ident_system", _key(URL_LEN), nullable=True),  # Reference.identifier, for :identifier
    Column("ident_value", _key(KEY_LEN), nullable=True),
    Index("ix_search_reference_target", "res_type", "param", "target_id", "target_type"),
    Index("ix_search_reference_reverse", "target_type", "target_id"),
    Index("ix_search_reference_url", "res_type", "param", "url"),
    Index("ix_search_reference_owner", "res_type", "res_id"),
)

search_uri = Table(
    "search_uri",
    metadata,
    *_owner(),
    Column("value", _key(URL_LEN), nullable=False),
    Index("ix_search_uri_value", "res_type", "param", "value"),
    Index("ix_search_uri_owner", "res_type", "res_id"),
)

# Parameter type -> its table; the indexer and the query builder both look tables up here.
INDEX_TABLES: dict[str, Table] = {
    "token": search_token,
    "string": search_string,
    "date": search_date,
    "number": search_number,
    "quantity": search_quantity,
    "reference": search_reference,
    "uri": search_uri,
}
