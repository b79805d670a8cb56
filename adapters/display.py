"""How people read dates, NHS numbers and postcodes: one way, on every page and in every narrative
the gateway writes (the social care update's summary included)."""

from __future__ import annotations

import re
from datetime import date

_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][0-9A-Z]?)\s*([0-9][A-Z]{2})$")


def day_of(value: str | date | None) -> date | None:
    """The calendar day of a date, or of an ISO date or dateTime string (None when it is not one)."""
    if isinstance(value, date):
        return value
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def show_day(value: str | date | None) -> str:
    """`21 Aug 2025`; a text that is not a date is shown as given."""
    day = day_of(value)
    if day is not None:
        return f"{day.day} {day.strftime('%b %Y')}"
    return "" if value is None else str(value)


def nhs_number(value: str | None) -> str:
    """`9998929784` -> `999 892 9784` (the 3-3-4 grouping NHS staff read aloud)."""
    digits = (value or "").replace(" ", "")
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}" if len(digits) == 10 and digits.isascii() else (value or "")


def postcode(value: str | None) -> str:
    """`IP922GF` or `ip92 2gf` -> `IP92 2GF` (outward and inward code, one space)."""
    found = _POSTCODE.match((value or "").strip().upper())
    return f"{found.group(1)} {found.group(2)}" if found else (value or "")
