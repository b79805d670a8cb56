"""Typed reads of SR column values: dates, flags, IDs and numbers, with errors people understand.

SR dates look like `29 Sep 2011 14:53:28` (sometimes without seconds) in UK local time; FHIR
wants ISO 8601 with an offset once a time is given, so times are placed in Europe/London. A
midnight time means "no time recorded" in SR data and becomes a plain date.
"""

from __future__ import annotations

import math
from datetime import datetime
from functools import lru_cache
from typing import TypeVar
from zoneinfo import ZoneInfo

from adapters.systmone.errors import (
    BAD_BOOLEAN,
    BAD_DATE,
    BAD_INTEGER,
    BAD_NUMBER,
    MISSING_VALUE,
    ParseError,
)

Row = dict[str, str]
T = TypeVar("T")

_MONTHS = {m: i for i, m in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), start=1)}
_LONDON = ZoneInfo("Europe/London")


def text(row: Row, column: str) -> str | None:
    """The stripped value, or None when empty or the column is absent."""
    value = row.get(column)
    if value is None:
        return None
    value = value.strip()
    return value or None


def _needed(value: T | None, column: str) -> T:
    """`value`, which the row cannot do without: an empty column rejects the row."""
    if value is None:
        raise ParseError(f"{column} is empty; this row needs it", MISSING_VALUE)
    return value


def required(row: Row, column: str) -> str:
    """A value the row cannot do without."""
    return _needed(text(row, column), column)


def integer(row: Row, column: str) -> int | None:
    """An ID column: a whole number. Empty and TPP's `-1` ("none") give None."""
    value = text(row, column)
    if value is None or value == "-1":
        return None
    try:
        return int(value)
    except ValueError:
        raise ParseError(f"{column} {value!r} is not a whole-number ID", BAD_INTEGER, column) from None


def required_int(row: Row, column: str) -> int:
    """An ID the row cannot do without (RowIdentifier, IDPatient...)."""
    return _needed(integer(row, column), column)


def number(row: Row, column: str) -> float | None:
    """A real number (NumericValue), or None."""
    value = text(row, column)
    if value is None:
        return None
    try:
        result = float(value)
    except ValueError:
        raise ParseError(f"{column} {value!r} is not a number", BAD_NUMBER, column) from None
    if not math.isfinite(result):
        raise ParseError(f"{column} {value!r} is not a finite number", BAD_NUMBER, column)
    return result


def flag(row: Row, column: str) -> bool | None:
    """A TRUE/FALSE column (also accepting 1/0, which some SR versions use for RemovedData)."""
    value = text(row, column)
    if value is None:
        return None
    upper = value.upper()
    if upper in ("TRUE", "1"):
        return True
    if upper in ("FALSE", "0"):
        return False
    raise ParseError(f"{column} {value!r} is not TRUE or FALSE", BAD_BOOLEAN, column)


@lru_cache(maxsize=65536)
def _parse_date(value: str) -> tuple[str, bool]:
    """(ISO text, has_time) for one SR date string; raises ValueError when it is not one."""
    parts = value.split()
    if len(parts) not in (3, 4) or parts[1] not in _MONTHS:
        raise ValueError(value)
    day, month, year = int(parts[0]), _MONTHS[parts[1]], int(parts[2])
    clock = parts[3].split(":") if len(parts) == 4 else ["0", "0"]
    if len(clock) not in (2, 3) or len(parts[2]) != 4:
        raise ValueError(value)
    hour, minute = int(clock[0]), int(clock[1])
    second = int(clock[2]) if len(clock) == 3 else 0
    moment = datetime(year, month, day, hour, minute, second)
    if hour == minute == second == 0:
        return moment.date().isoformat(), False
    return moment.replace(tzinfo=_LONDON).isoformat(), True


def date_time(row: Row, column: str) -> str | None:
    """An SR date as a FHIR dateTime (a date alone when the time is midnight), or None."""
    value = text(row, column)
    if value is None:
        return None
    try:
        return _parse_date(value)[0]
    except ValueError:
        raise ParseError(
            f"{column} {value!r} is not a date like '29 Sep 2011 14:53:28'", BAD_DATE, column) from None


def date_only(row: Row, column: str) -> str | None:
    """An SR date as a FHIR date (birth and death dates), or None."""
    iso = date_time(row, column)
    return iso[:10] if iso else None


def required_date_time(row: Row, column: str) -> str:
    """A date the row cannot do without (an encounter's start, when a vaccine was given)."""
    return _needed(date_time(row, column), column)


def instant(row: Row, column: str) -> str | None:
    """An SR date as a FHIR instant (Appointment start/end need a time and an offset)."""
    iso = date_time(row, column)
    if iso is None:
        return None
    if len(iso) == 10:  # midnight: SR's "no time", still a real instant for an appointment
        return datetime.fromisoformat(iso).replace(tzinfo=_LONDON).isoformat()
    return iso
