"""NHS number rules: the Modulus 11 check and the synthetic test range (999 000 0000-999 999 9999).

One place for the rule, used by every adapter, the linker and the sample generator.
See https://www.datadictionary.nhs.uk/attributes/nhs_number.html
"""

from __future__ import annotations

import random

NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
TEST_RANGE_PREFIX = "999"
_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)


def normalise(raw: str | None) -> str:
    """Strip the spaces and hyphens people type (`999 123 4560`)."""
    return "".join(ch for ch in (raw or "") if ch not in " -")


def check_digit(first_nine: str) -> int | None:
    """Modulus 11 check digit for nine digits, or None where the number can never be issued."""
    total = sum(int(d) * w for d, w in zip(first_nine, _WEIGHTS, strict=True))
    check = 11 - (total % 11)
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def is_valid(raw: str | None) -> bool:
    """True when `raw` is ten digits whose last digit is the Modulus 11 check digit."""
    value = normalise(raw)
    if len(value) != 10 or not value.isdigit():
        return False
    expected = check_digit(value[:9])
    return expected is not None and expected == int(value[9])


def is_test_number(raw: str | None) -> bool:
    """True for a valid number in the range reserved for testing (starting 999)."""
    value = normalise(raw)
    return value.startswith(TEST_RANGE_PREFIX) and is_valid(value)


def generate_test_number(rng: random.Random) -> str:
    """A random valid NHS number from the test range; deterministic for a seeded `rng`."""
    while True:
        body = TEST_RANGE_PREFIX + "".join(str(rng.randrange(10)) for _ in range(6))
        digit = check_digit(body)
        if digit is not None:
            return body + str(digit)
