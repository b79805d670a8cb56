"""Typed errors of the Liquidlogic adapter, with stable codes so import reports can be filtered.

Codes by stage: LL-1xx reading the CSV, LL-2xx mapping values to codes, LL-3xx workflow forms,
LL-4xx outbound update documents. The adapter turns every inbound error into a `Rejected`
record; only the outbound side raises to its caller.
"""

from __future__ import annotations

from adapters.base import CodedError


class AdapterError(CodedError):
    """Base class: every error carries a stable `code` and a sentence a person understands."""

    code = "LL-100"


# --- Parsing (LL-1xx) ---


class ParseError(AdapterError):
    """The content cannot be read as the contract says (file, row, field or form)."""

    code = "LL-101"


class UnreadableFile(ParseError):
    """A whole file cannot be decoded or opened (its rows are rejected with this code)."""

    code = "LL-101"


class MissingColumns(ParseError):
    """The CSV header lacks columns the contract requires."""

    code = "LL-102"


class MissingField(ParseError):
    """A mandatory field is empty on this row."""

    code = "LL-103"


class BadDate(ParseError):
    """A date is neither ISO 8601 nor dd/mm/yyyy, or is not a real day."""

    code = "LL-104"


class BadFlag(ParseError):
    """A Yes/No/Unknown field holds something else."""

    code = "LL-105"


class BadNumber(ParseError):
    """A numeric field (cost, units, hours) is not a number."""

    code = "LL-106"


class MalformedRow(ParseError):
    """The row has more or fewer fields than the header."""

    code = "LL-107"


class RowTooLong(ParseError):
    """A line (or a row spanning lines, or a form) is longer than the import's line limit."""

    code = "LL-108"


# --- Mapping (LL-2xx) ---


class MappingError(AdapterError):
    """A value has no code in `mappings/liquidlogic/`."""

    code = "LL-202"


class UnknownEventType(MappingError):
    """`Event_Type` is not one of Request, Assessment, Service, Review."""

    code = "LL-201"


# --- Forms (LL-3xx) ---


class FormError(ParseError):
    """A workflow form file cannot be used."""

    code = "LL-301"


class FormSchemaError(FormError):
    """The form breaks `forms.schema.json`."""

    code = "LL-302"


class UnknownFormType(FormError):
    """`form_type` is not one the adapter reads."""

    code = "LL-303"


# --- Outbound (LL-4xx) ---


class UpdateDocumentError(AdapterError):
    """A HealthAndWellbeingUpdate could not be built or breaks `update.schema.json`."""

    code = "LL-401"
