"""Scoring and blocking on hand-made Patients: each variation the sources really have."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.linking.demographics import soundex, subject_of
from gateway.linking.scoring import PROPOSE_AT, edit_distance, may_pair, score
from tests.gateway.linking.helpers import NHS, patient


def test_soundex_and_edit_distance() -> None:
    assert soundex("HOLLOWAY") == soundex("HOLLWAY") == "H400"
    assert soundex("ROBERT") == soundex("RUPERT") == "R163"
    assert soundex("ASHCRAFT") == "A261"
    assert edit_distance("HOLLOWAY", "HOLLWAY") == 1
    assert edit_distance("HOLLOWAY", "HOLOLWAY") == 1  # adjacent letters swapped
    assert edit_distance("SMITH", "JONES") == 3


@pytest.mark.parametrize(("other", "reason"), [
    (patient("b", family="Hollway", source="liquidlogic"), "surname differs by one letter (Holloway/Hollway)"),
    (patient("b", family="Hollowya", source="liquidlogic"), "surname differs by one letter (Holloway/Hollowya)"),
    (patient("b", born="1941-12-03", source="liquidlogic"), "day and month of birth swapped (1941-03-12/1941-12-03)"),
    (patient("b", family="Baxter", source="liquidlogic"), "surname matches a previous surname (Holloway/Baxter)"),
    (patient("b", postcode="IP14 9ZZ", extra_postcodes=("IP14 1AB",), source="liquidlogic"),
     "same postcode at a current or previous address (IP14 1AB)"),
])
def test_near_matches_score_above_the_line_with_their_reason(other: dict[str, Any], reason: str) -> None:
    base = subject_of(patient("a", nhs=NHS, old="Baxter"))
    near = subject_of(other)
    value, reasons = score(base, near)
    assert value >= PROPOSE_AT
    assert reason in reasons
    assert "no valid NHS number on the liquidlogic record" in reasons
    assert base.blocks() & near.blocks(), "a near match must share a blocking key"


def test_different_people_score_below_the_line() -> None:
    base = subject_of(patient("a"))
    for other in (patient("b", family="Smith", given="Joan", born="1950-07-01", postcode="IP91 2CD"),
                  patient("b", given="Peter", gender="male", born="1941-04-12"),
                  patient("b", family="Holloway", given="Margaret", born="1977-08-30", postcode="CB1 2AA")):
        value, _ = score(base, subject_of(other))
        assert value < PROPOSE_AT


def test_only_pairs_missing_a_valid_number_may_be_proposed() -> None:
    numbered = subject_of(patient("a", nhs=NHS))
    assert not may_pair(numbered, subject_of(patient("b", nhs="9876543210", source="liquidlogic")))
    assert not may_pair(numbered, subject_of(patient("b", nhs=NHS, source="liquidlogic")))
    assert may_pair(numbered, subject_of(patient("b", source="liquidlogic")))
    assert may_pair(numbered, subject_of(patient("b", nhs="9434765918")))  # fails Modulus 11: not a number
    assert subject_of(patient("b", nhs="9434765918")).nhs is None
