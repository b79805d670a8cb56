"""The clinical records of a synthetic person: problems, contacts, measurements, medicines.

Kept apart from `people.py` so the history generator can build them without importing the
person model; keys point into `clinical.py`, staff numbers into `places.STAFF`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True, slots=True)
class Diagnosis:
    """A problem or long-term condition (key into `clinical.CONDITIONS`)."""

    key: str
    onset: date
    end: date | None
    severity: str  # minor | major
    staff: int


@dataclass(frozen=True, slots=True)
class Contact:
    """A home visit, surgery appointment or telephone contact (numbered within the person)."""

    number: int
    kind: str  # home visit | surgery | telephone
    start: datetime
    minutes: int
    status: str  # Finished | Did Not Attend | No Access Visit | Cancelled by Patient | Booked
    staff: int
    booked: datetime


@dataclass(frozen=True, slots=True)
class Measurement:
    """A numeric observation (key into `clinical.MEASURES`), taken at a contact when `contact` is set."""

    key: str
    taken: datetime
    value: float
    comparator: str | None
    contact: int | None
    staff: int


@dataclass(frozen=True, slots=True)
class Prescription:
    """A medicine (key into `clinical.DRUGS`): a repeat template with its issues, or a one-off issue."""

    drug: str
    start: date
    end: date | None
    repeat: bool
    issues: tuple[date, ...]
    max_issues: int
    staff: int


@dataclass(frozen=True, slots=True)
class Allergy:
    """A drug allergy or intolerance (key into `clinical.ALLERGENS`)."""

    allergen: str
    onset: date
    reaction: str
    staff: int


@dataclass(frozen=True, slots=True)
class Immunisation:
    """A vaccination given (key into `clinical.VACCINES`)."""

    vaccine: str
    given: date
    batch: str
    part: int
    staff: int


@dataclass(frozen=True, slots=True)
class Referral:
    """A referral out to another service (a key of `clinical.REFERRAL_SERVICES`)."""

    service: str
    reason: str | None
    sent: date
    urgency: str  # routine | urgent | two week wait
    staff: int
