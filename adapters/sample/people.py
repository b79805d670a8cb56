"""The synthetic population every sample export is written from.

One seeded list of people, each with demographics, an informal support network and a health
history typical of a rural practice and its neighbourhood nursing caseload. The SystmOne and
Liquidlogic sample writers both render these same people, so a demo shows one person across two
records. Social-care facts stay off this model except generic ones (lives alone, has an unpaid
carer): the Liquidlogic writer derives the social care story from the health one.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from adapters.nhs_number import generate_test_number
from adapters.sample import places
from adapters.sample.history import clinical_history
from adapters.sample.records import Allergy, Contact, Diagnosis, Immunisation, Measurement, Prescription, Referral

# "Today" for every synthetic record, so a seed gives the same extract whenever it is run.
REFERENCE_DATE = date(2025, 10, 31)
FIRST_PERSON_NUMBER = 100001

__all__ = [
    "Address", "Allergy", "Contact", "Diagnosis", "Immunisation", "Measurement", "NetworkMember", "Person",
    "Prescription", "REFERENCE_DATE", "Referral", "generate_people",
]


@dataclass(frozen=True, slots=True)
class Address:
    """One address a person lived at, with when (`end` None = current)."""

    house_name: str | None
    house_number: str | None
    road: str
    locality: str
    town: str
    county: str
    postcode: str
    start: date
    end: date | None = None
    kind: str = "permanent"  # permanent | temporary | correspondence


@dataclass(frozen=True, slots=True)
class NetworkMember:
    """Someone in the person's informal network: family, neighbour, friend, key holder."""

    number: int
    relationship: str  # spouse | daughter | son | neighbour | friend | niece
    given: str
    family: str
    sex: str
    birth_date: date | None
    phone: str | None
    mobile: str | None
    email: str | None
    lives_with: bool
    next_of_kin: bool
    cares_for_patient: bool
    principal_carer: bool
    key_holder: bool
    since: date


@dataclass(frozen=True, slots=True)
class Person:
    """A synthetic person and everything any sample source knows about them."""

    number: int
    title: str
    given_names: tuple[str, ...]
    family_name: str
    previous_surname: str | None
    sex: str  # M | F | I | U
    birth_date: date
    death_date: date | None
    nhs_number: str | None
    ethnic_category: str  # NHS Data Dictionary ethnic category code (A..Z)
    addresses: tuple[Address, ...]
    phone: str | None
    mobile: str | None
    email: str | None
    practice: places.Practice
    registered_since: date
    on_caseload: bool
    caseload_start: date | None
    named_nurse: int | None
    lives_alone: bool
    network: tuple[NetworkMember, ...]
    diagnoses: tuple[Diagnosis, ...]
    contacts: tuple[Contact, ...]
    measurements: tuple[Measurement, ...]
    prescriptions: tuple[Prescription, ...]
    allergies: tuple[Allergy, ...]
    immunisations: tuple[Immunisation, ...]
    referrals: tuple[Referral, ...]

    @property
    def has_unpaid_carer(self) -> bool:
        return any(m.cares_for_patient for m in self.network)

    @property
    def current_address(self) -> Address:
        return next((a for a in reversed(self.addresses) if a.end is None), self.addresses[-1])

    @property
    def condition_keys(self) -> frozenset[str]:
        """Keys of the conditions active on the reference date."""
        return frozenset(d.key for d in self.diagnoses if d.end is None)

    def age(self, on: date = REFERENCE_DATE) -> int:
        years = on.year - self.birth_date.year
        return years - ((on.month, on.day) < (self.birth_date.month, self.birth_date.day))


def generate_people(n: int, seed: int) -> list[Person]:
    """`n` synthetic people, identical for the same seed. Each person depends only on the seed and
    their position, so the first k people of a larger population equal `generate_people(k, seed)`."""
    return [_person(i, seed) for i in range(n)]


# Roughly the ethnic mix of rural East Anglia (codes from the NHS Data Dictionary).
_ETHNICITY = (("A", 88), ("C", 5), ("B", 1), ("H", 1), ("M", 1), ("N", 1), ("R", 1), ("Z", 2))
_CASELOAD_SHARE = 0.2


def _person(index: int, seed: int) -> Person:
    rng = random.Random(f"care-gateway-people:{seed}:{index}")
    number = FIRST_PERSON_NUMBER + index
    on_caseload = rng.random() < _CASELOAD_SHARE
    sex = rng.choices(("F", "M", "I", "U"), weights=(52, 46, 1, 1))[0]
    age = rng.randint(68, 99) if on_caseload else int(min(99, max(18, rng.gauss(55, 20))))
    birth = REFERENCE_DATE - timedelta(days=age * 365 + rng.randrange(365))
    given, title = _names(rng, sex, age)
    family = rng.choice(places.FAMILY_NAMES)
    previous = rng.choice(places.FAMILY_NAMES) if sex == "F" and age > 25 and rng.random() < 0.5 else None
    practice = rng.choice(places.PRACTICES)
    if on_caseload:
        practice = places.PRACTICES[0] if rng.random() < 0.7 else practice
    addresses = _addresses(rng, practice, birth)
    registered = max(birth, addresses[0].start, REFERENCE_DATE - timedelta(days=rng.randint(200, 12000)))
    named_nurse = rng.choice(places.NURSES).number if on_caseload else None
    history = clinical_history(rng, on_caseload=on_caseload, age=age, registered=registered,
                               practice_code=practice.ods_code, today=REFERENCE_DATE, named_nurse=named_nurse)
    death = history.death_date
    lives_alone = rng.random() < (0.45 if on_caseload else 0.2) or age < 25 and rng.random() < 0.5
    network = _network(rng, family, age, lives_alone, on_caseload, registered)
    return Person(
        number=number,
        title=title,
        given_names=given,
        family_name=family,
        previous_surname=previous if previous != family else None,
        sex=sex,
        birth_date=birth,
        death_date=death,
        nhs_number=None if rng.random() < 0.015 else generate_test_number(rng),
        ethnic_category=rng.choices([c for c, _ in _ETHNICITY], weights=[w for _, w in _ETHNICITY])[0],
        addresses=addresses,
        phone=_landline(rng) if rng.random() < 0.8 else None,
        mobile=_mobile(rng) if rng.random() < (0.5 if age > 75 else 0.9) else None,
        email=f"{given[0].lower()}.{family.lower().replace(' ', '')}{rng.randint(1, 99)}@example.org"
        .replace("'", "") if rng.random() < (0.2 if age > 75 else 0.7) else None,
        practice=practice,
        registered_since=registered,
        on_caseload=on_caseload,
        caseload_start=history.caseload_start,
        named_nurse=named_nurse,
        lives_alone=lives_alone,
        network=network,
        diagnoses=history.diagnoses,
        contacts=history.contacts,
        measurements=history.measurements,
        prescriptions=history.prescriptions,
        allergies=history.allergies,
        immunisations=history.immunisations,
        referrals=history.referrals,
    )


def _names(rng: random.Random, sex: str, age: int) -> tuple[tuple[str, ...], str]:
    pool = {"F": places.FEMALE_NAMES, "M": places.MALE_NAMES}.get(sex, places.FEMALE_NAMES + places.MALE_NAMES)
    first = rng.choice(pool)
    middle = tuple(n for n in [rng.choice(pool)] if n != first and rng.random() < 0.4)
    if sex == "M":
        title = "Mr"
    elif sex == "F":
        title = rng.choice(("Mrs", "Miss", "Ms")) if age < 80 else "Mrs"
    else:
        title = "Mx"
    if rng.random() < 0.02:
        title = "Dr"
    return (first, *middle), title


def _street(rng: random.Random) -> tuple[str | None, str | None, str]:
    if rng.random() < 0.3:
        return rng.choice(places.HOUSE_NAMES), None, rng.choice(places.ROADS)
    return None, str(rng.randint(1, 64)), rng.choice(places.ROADS)


def _postcode(rng: random.Random, village: places.Village) -> str:
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    return f"{village.district} {rng.randint(1, 9)}{rng.choice(letters)}{rng.choice(letters)}"


def _addresses(rng: random.Random, practice: places.Practice, birth: date) -> tuple[Address, ...]:
    count = rng.choices((1, 2, 3), weights=(55, 35, 10))[0]
    start = max(birth + timedelta(days=18 * 365), REFERENCE_DATE - timedelta(days=rng.randint(2000, 20000)))
    out: list[Address] = []
    nearby = [v for v in places.VILLAGES if v.district[:3] == practice.village.district[:3]]
    for position in range(count):
        village = practice.village if position == count - 1 and rng.random() < 0.5 else rng.choice(nearby)
        name, house_number, road = _street(rng)
        last = position == count - 1
        end = None if last else start + timedelta(days=rng.randint(300, 5000))
        if end is not None and end >= REFERENCE_DATE:
            end = REFERENCE_DATE - timedelta(days=rng.randint(30, 300))
        if end is not None and end <= start:
            end = start + timedelta(days=30)
        kind = "temporary" if not last and rng.random() < 0.15 else "permanent"
        out.append(Address(name, house_number, road, village.name, village.town, places.COUNTY,
                           _postcode(rng, village), start, end, kind))
        if end is not None:
            start = end + timedelta(days=1)
    return tuple(out)


def _landline(rng: random.Random) -> str:
    return f"01632 960{rng.randint(0, 999):03d}"


def _mobile(rng: random.Random) -> str:
    return f"07700 900{rng.randint(0, 999):03d}"


def _network(rng: random.Random, family: str, age: int, lives_alone: bool, on_caseload: bool,
             since: date) -> tuple[NetworkMember, ...]:
    members: list[NetworkMember] = []

    def add(relationship: str, sex: str, surname: str, birth: date | None, lives_with: bool, nok: bool,
            carer: bool, principal: bool, keys: bool) -> None:
        pool = places.FEMALE_NAMES if sex == "F" else places.MALE_NAMES
        given = rng.choice(pool)
        members.append(NetworkMember(
            number=len(members) + 1, relationship=relationship, given=given, family=surname, sex=sex,
            birth_date=birth, phone=_landline(rng) if rng.random() < 0.5 else None,
            mobile=_mobile(rng) if rng.random() < 0.85 else None,
            email=f"{given.lower()}.{surname.lower().replace(chr(39), '')}@example.org" if rng.random() < 0.4 else None,
            lives_with=lives_with, next_of_kin=nok, cares_for_patient=carer, principal_carer=principal,
            key_holder=keys, since=since + timedelta(days=rng.randint(0, 400)),
        ))

    if not lives_alone and age > 22:
        spouse_age = max(20, age + rng.randint(-6, 6))
        add("spouse", rng.choice("FM"), family, REFERENCE_DATE - timedelta(days=spouse_age * 365 + rng.randrange(365)),
            True, True, on_caseload and rng.random() < 0.7, on_caseload, False)
    if age > 55 and rng.random() < 0.75:
        child = rng.choice(("daughter", "son"))
        nok = not members
        add(child, "F" if child == "daughter" else "M", family if child == "son" else rng.choice(places.FAMILY_NAMES),
            None, False, nok, on_caseload and rng.random() < 0.5, on_caseload and nok, on_caseload)
    if on_caseload and (lives_alone or rng.random() < 0.3):
        add("neighbour", rng.choice("FM"), rng.choice(places.FAMILY_NAMES), None, False, not members,
            rng.random() < 0.3, False, True)
    if on_caseload and rng.random() < 0.15:
        add("friend", rng.choice("FM"), rng.choice(places.FAMILY_NAMES), None, False, False, False, False,
            rng.random() < 0.5)
    return tuple(members)
