"""FHIR date, dateTime and instant values as inclusive ranges of integer microseconds (UTC).

A date is a range, not a point: `2020-03` covers the whole month. Index rows and search values
both become `(low, high)` so every date prefix is a comparison of ranges, the same on SQLite and
PostgreSQL. Values without a time zone (dates, and times a client sends without one) are read as UTC.
See https://hl7.org/fhir/R4/search.html#date
"""

from __future__ import annotations

import calendar
import re
from datetime import UTC, datetime, timedelta, timezone

# Open ends of a Period, far outside any real date but inside a 64-bit integer.
MIN_US = -(2**62)
MAX_US = 2**62

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
_PATTERN = re.compile(
    r"(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?"
    r"(Z|[+-]\d{2}:\d{2})?)?)?)?$"
)


class DateFormatError(ValueError):
    """A string that is not a FHIR date, dateTime or instant."""


def to_us(dt: datetime) -> int:
    """Microseconds since the Unix epoch; naive datetimes are taken as UTC."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return (dt - _EPOCH) // _US


_DAY_US = 86_400_000_000


def date_range(text: str) -> tuple[int, int]:
    """The inclusive microsecond range a FHIR date/dateTime/instant string covers at its precision."""
    m = _PATTERN.match(text.strip())
    if m is None:
        raise DateFormatError(f"not a FHIR date: {text!r}")
    year, month, day, hour, minute, second, fraction, zone = m.groups()
    try:
        # Ends are the last day's start plus a day, so 9999 and 9999-12 do not overflow datetime.
        if month is None:
            start = datetime(int(year), 1, 1, tzinfo=UTC)
            last = datetime(int(year), 12, 31, tzinfo=UTC)
            return to_us(start), to_us(last) + _DAY_US - 1
        if day is None:
            start = datetime(int(year), int(month), 1, tzinfo=UTC)
            last = start.replace(day=calendar.monthrange(int(year), int(month))[1])
            return to_us(start), to_us(last) + _DAY_US - 1
        if hour is None:
            low = to_us(datetime(int(year), int(month), int(day), tzinfo=UTC))
            return low, low + _DAY_US - 1
        tz = UTC
        if zone and zone != "Z":
            sign = 1 if zone[0] == "+" else -1
            tz = timezone(sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6])))
        start = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0), tzinfo=tz)
    except ValueError as exc:
        raise DateFormatError(f"not a FHIR date: {text!r}") from exc
    low = to_us(start)
    if second is None:
        return low, low + 60_000_000 - 1
    if not fraction:
        return low, low + 1_000_000 - 1
    digits = fraction[:6]
    low += int(digits.ljust(6, "0"))
    return low, low + 10 ** (6 - len(digits)) - 1


def now_us() -> int:
    return to_us(datetime.now(UTC))
