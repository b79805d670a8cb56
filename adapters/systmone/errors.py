"""Why a SystmOne row or file could not be used, as typed errors with stable numbered codes.

Codes are part of the import report and stay fixed: S1-1xx are parse errors (the bytes or the
values are not what the SR format promises), S1-2xx mapping errors (the values parse but do not
fit FHIR or the lookups). Adapters raise these internally; `adapter.py` turns them into
`Rejected` records so a bad row never stops an import.
"""

from __future__ import annotations

from adapters.base import CodedError


class AdapterError(CodedError):
    """A SystmOne row or file problem with a stable code and a sentence a person understands."""

    code = "S1-100"


# Parse errors: the content is not well-formed SR data.
class ParseError(AdapterError):
    """The row's bytes or values do not follow the SR extract format."""

    code = "S1-101"


BROKEN_ROW = "S1-101"  # the CSV row itself cannot be read (bad quoting, stray NUL bytes)
WRONG_COLUMN_COUNT = "S1-102"  # more or fewer fields than the header
MISSING_COLUMN = "S1-103"  # a required column is absent from the file's header
BAD_DATE = "S1-104"  # not `dd MMM yyyy HH:mm[:ss]`
BAD_INTEGER = "S1-105"  # an ID column that is not a whole number
BAD_BOOLEAN = "S1-106"  # not TRUE/FALSE
MISSING_VALUE = "S1-107"  # a value the row cannot do without is empty
BAD_NUMBER = "S1-108"  # a numeric value that is not a number


# Mapping errors: the values parse but cannot become FHIR.
class MappingError(AdapterError):
    """The row parses but one of its values cannot be mapped to FHIR."""

    code = "S1-201"


UNKNOWN_MAPPING_ID = "S1-201"  # a coded-list ID that SRMapping does not define
UNMAPPED_TEXT = "S1-202"  # SRMapping text with no entry in the code map that FHIR needs
BAD_GENDER = "S1-203"  # Gender outside M/F/I/U
UNUSABLE_DELETE = "S1-204"  # a delete marker that lacks the key the delete needs
UNEXPECTED = "S1-299"  # a bug in a converter: reported on the row instead of stopping the import
