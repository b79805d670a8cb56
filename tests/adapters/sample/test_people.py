"""The synthetic population: deterministic, plausible, caseload-shaped and obviously fictional."""

from __future__ import annotations

import re
from statistics import mean

from adapters import nhs_number
from adapters.sample import clinical, places
from adapters.sample.people import REFERENCE_DATE, generate_people

PEOPLE = generate_people(400, 42)


def test_same_seed_same_people_and_prefixes_are_stable() -> None:
    assert generate_people(400, 42) == PEOPLE
    assert generate_people(50, 42) == PEOPLE[:50]
    assert generate_people(50, 43) != PEOPLE[:50]


def test_person_numbers_are_stable_and_unique() -> None:
    numbers = [p.number for p in PEOPLE]
    assert len(set(numbers)) == len(numbers) and numbers == sorted(numbers)


def test_nhs_numbers_are_valid_test_numbers_and_a_few_are_missing() -> None:
    numbers = [p.nhs_number for p in PEOPLE]
    assert all(nhs_number.is_test_number(n) for n in numbers if n is not None)
    assert 0 < numbers.count(None) < len(numbers) * 0.05


def test_caseload_is_about_a_fifth_and_older_and_sicker() -> None:
    caseload = [p for p in PEOPLE if p.on_caseload]
    others = [p for p in PEOPLE if not p.on_caseload]
    assert 50 <= len(caseload) <= 110
    assert mean(p.age() for p in caseload) > mean(p.age() for p in others) + 10
    assert mean(len(p.condition_keys) for p in caseload) > 2 * mean(len(p.condition_keys) for p in others)
    assert all(p.caseload_start is not None and p.named_nurse is not None for p in caseload)
    assert all(p.caseload_start is None and p.named_nurse is None for p in others)
    assert any(c.kind == "home visit" for p in caseload for c in p.contacts)
    keys = {d.key for p in caseload for d in p.diagnoses}
    assert {"pressure_ulcer", "leg_ulcer", "falls", "dementia", "heart_failure", "copd"} <= keys


def test_informal_network_is_there_for_the_caseload() -> None:
    caseload = [p for p in PEOPLE if p.on_caseload]
    assert sum(p.has_unpaid_carer for p in caseload) > len(caseload) / 4
    relationships = {m.relationship for p in caseload for m in p.network}
    assert {"spouse", "neighbour"} <= relationships and relationships & {"daughter", "son"}
    assert any(m.key_holder for p in caseload for m in p.network)
    assert all(not any(m.lives_with for m in p.network) for p in PEOPLE if p.lives_alone)


def test_dates_are_consistent() -> None:
    for person in PEOPLE:
        assert person.birth_date < REFERENCE_DATE
        if person.death_date is not None:
            assert person.birth_date < person.death_date <= REFERENCE_DATE
            assert all(c.start.date() <= person.death_date for c in person.contacts)
        assert sum(a.end is None for a in person.addresses) == 1
        for earlier, later in zip(person.addresses, person.addresses[1:], strict=False):
            assert earlier.end is not None and earlier.end < later.start
        assert all(d.end is None or d.onset <= d.end for d in person.diagnoses)
        assert all(c.status == "Booked" for c in person.contacts if c.start.date() > REFERENCE_DATE)
    assert 0 < sum(p.death_date is not None for p in PEOPLE) < len(PEOPLE) * 0.05


def test_keys_point_into_the_catalogue() -> None:
    staff = {s.number for s in places.STAFF}
    for person in PEOPLE:
        assert all(d.key in clinical.CONDITIONS and d.staff in staff for d in person.diagnoses)
        assert all(m.key in clinical.MEASURES for m in person.measurements)
        assert all(p.drug in clinical.DRUGS for p in person.prescriptions)
        assert all(i.vaccine in clinical.VACCINES for i in person.immunisations)
        assert all(r.service in clinical.REFERRAL_SERVICES for r in person.referrals)
        assert all(c.staff in staff for c in person.contacts)


def test_contact_details_are_from_fictional_ranges() -> None:
    landline, mobile = re.compile(r"01632 960\d{3}"), re.compile(r"07700 900\d{3}")
    for person in PEOPLE:
        assert person.phone is None or landline.fullmatch(person.phone)
        assert person.mobile is None or mobile.fullmatch(person.mobile)
        assert person.email is None or person.email.endswith("@example.org")
        assert all(a.postcode.startswith(("IP91", "IP92", "IP93", "IP94", "IP95")) for a in person.addresses)
        assert person.sex in "MFIU" and person.practice in places.PRACTICES
