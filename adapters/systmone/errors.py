"""Why a SystmOne row or file could not be used, as typed errors with stable numbered codes.

Codes are part of the import report and stay fixed: S1-1xx are parse errors (the bytes or the
values are not what the SR format promises), S1-2xx mapping errors (the values parse but do not
fit FHIR or the lookups). Adapters raise these internally; `adapter.py` turns them into
`Rejected` records so a bad row never stops an import, unless the column at fault is descriptive
(`schema.Table.essential`): then the row is kept without that element and the run counts an
S1-3xx warning instead.
"""

from __future__ import annotations

from adapters.base import CodedError


class AdapterError(CodedError):
    """A SystmOne row or file problem with a stable code and a sentence a person understands."""

    code = "S1-100"

    def __init__(self, reason: str, code: str | None = None, column: str | None = None) -> None:
        super().__init__(reason, code)
        self.column = column  # the SR column at fault, when one is


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


# Warnings: the row is kept (without the element the value would have made) and the run counts them.
UNRESOLVED_ID = "S1-301"  # a coded-list ID its list (SRMapping or SRConfiguredListOption) does not define
UNMAPPED_TEXT_KEPT = "S1-302"  # a coded text with no entry in the code map FHIR needs
TEXT_FOR_ID = "S1-303"  # a text where the SR format puts an ID; used as the value's text
NO_REFERENCE_DATA = "S1-304"  # the list a coded column resolves through has never been received
BAD_DESCRIPTIVE_VALUE = "S1-305"  # a descriptive date, flag or number that does not parse: left out
NHS_NUMBER_MISSING = "S1-310"  # imported without an NHS number, flagged 03 Trace required
NHS_NUMBER_INVALID = "S1-311"  # fails Modulus 11: kept under its own identifier system, flagged 03
TEST_PATIENT = "S1-312"  # TestPatient TRUE in a live extract
CLASS_ASSUMED = "S1-313"  # no contact method or location that maps to an encounter class: AMB assumed
COMPARATOR_DROPPED = "S1-314"  # a NumericComparator FHIR has no equivalent for
STATUS_FROM_DATES = "S1-315"  # an appointment status that did not resolve, read from the row's dates instead
