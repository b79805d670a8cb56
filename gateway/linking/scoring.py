"""How alike two Patients' demographics are: a score from 0 to 1 and the reasons, in words a
person deciding the candidate can check against the two records.

Weights (they sum to 1): date of birth 0.35, surname 0.25, first name 0.20, postcode 0.15,
gender 0.05. Partial agreements earn part of a weight: day and month swapped, a one-letter
surname typo or a surname that is the other record's previous surname, a first initial, the same
postcode district. A gender that differs costs 0.10. Pairs at or above `PROPOSE_AT` become
candidates; nothing is ever linked on the score alone.
"""

from __future__ import annotations

from gateway.linking.demographics import Subject, soundex

PROPOSE_AT = 0.6
WEIGHTS = {"birth": 0.35, "family": 0.25, "given": 0.20, "postcode": 0.15, "gender": 0.05}


def edit_distance(a: str, b: str, cap: int = 3) -> int:
    """Optimal-string-alignment distance (insert, delete, substitute, swap two adjacent letters),
    cut off at `cap` because only 0, 1 and 2 matter here."""
    if abs(len(a) - len(b)) >= cap:
        return cap
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        row = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            row[j] = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                row[j] = min(row[j], prev2[j - 2] + 1)
        prev2, prev = prev, row
    return min(prev[-1], cap)


def _name(text: str) -> str:
    return text.title()


def _birth(a: Subject, b: Subject) -> tuple[float, str | None]:
    if not a.birth_date or not b.birth_date:
        return 0.0, None
    if a.birth_date == b.birth_date:
        return 1.0, f"same date of birth ({a.birth_date})"
    ya, ma, da = a.birth_date.split("-")
    yb, mb, db = b.birth_date.split("-")
    if ya == yb and ma == db and da == mb:
        return 0.8, f"day and month of birth swapped ({a.birth_date}/{b.birth_date})"
    if edit_distance(a.birth_date, b.birth_date) == 1:
        return 0.45, f"date of birth differs by one digit ({a.birth_date}/{b.birth_date})"
    return 0.0, f"date of birth differs ({a.birth_date}/{b.birth_date})"


def _family(a: Subject, b: Subject) -> tuple[float, str | None]:
    if not a.family or not b.family:
        return 0.0, None
    if a.family == b.family:
        return 1.0, f"same surname ({_name(a.family)})"
    if a.family in b.old_families or b.family in a.old_families or set(a.old_families) & set(b.old_families):
        return 0.8, f"surname matches a previous surname ({_name(a.family)}/{_name(b.family)})"
    distance = edit_distance(a.family, b.family)
    if distance == 1:
        return 0.8, f"surname differs by one letter ({_name(a.family)}/{_name(b.family)})"
    if soundex(a.family) == soundex(b.family):
        return 0.4, f"surnames sound alike ({_name(a.family)}/{_name(b.family)})"
    return 0.0, f"surname differs ({_name(a.family)}/{_name(b.family)})"


def _given(a: Subject, b: Subject) -> tuple[float, str | None]:
    if not a.given or not b.given:
        return 0.0, None
    if a.given == b.given:
        return 1.0, f"same first name ({_name(a.given)})"
    if edit_distance(a.given, b.given) == 1:
        return 0.7, f"first name differs by one letter ({_name(a.given)}/{_name(b.given)})"
    if a.given[0] == b.given[0]:
        return 0.4, f"same first initial ({_name(a.given)}/{_name(b.given)})"
    return 0.0, f"first name differs ({_name(a.given)}/{_name(b.given)})"


def _spaced(code: str) -> str:
    return f"{code[:-3]} {code[-3:]}" if len(code) > 4 else code


def _postcode(a: Subject, b: Subject) -> tuple[float, str | None]:
    if not a.postcodes or not b.postcodes:
        return 0.0, None
    if a.postcodes[0] == b.postcodes[0]:
        return 1.0, f"same postcode ({_spaced(a.postcodes[0])})"
    shared = [p for p in a.postcodes if p in b.postcodes]
    if shared:
        return 0.8, f"same postcode at a current or previous address ({_spaced(shared[0])})"
    if a.postcodes[0][:-3] == b.postcodes[0][:-3]:
        return 0.2, f"same postcode district ({a.postcodes[0][:-3]})"
    return 0.0, f"postcode differs ({_spaced(a.postcodes[0])}/{_spaced(b.postcodes[0])})"


def _gender(a: Subject, b: Subject) -> tuple[float, str | None]:
    known = {"male", "female"}
    if a.gender not in known or b.gender not in known:
        return 0.0, None
    if a.gender == b.gender:
        return 1.0, None
    return -2.0, f"gender differs ({a.gender}/{b.gender})"


def _nhs_note(a: Subject, b: Subject) -> str | None:
    missing = [s.source for s in (a, b) if s.nhs is None]
    if len(missing) == 2:
        return "neither record has a valid NHS number"
    if missing:
        return f"no valid NHS number on the {missing[0]} record"
    return None


def score(a: Subject, b: Subject) -> tuple[float, list[str]]:
    """Score and reasons for the pair (symmetric up to the order the values are quoted in)."""
    total = 0.0
    reasons: list[str] = []
    for part, compare in (("birth", _birth), ("family", _family), ("given", _given), ("postcode", _postcode),
                          ("gender", _gender)):
        fraction, reason = compare(a, b)
        total += WEIGHTS[part] * fraction
        if reason:
            reasons.append(reason)
    if note := _nhs_note(a, b):
        reasons.append(note)
    return round(max(0.0, min(1.0, total)), 3), reasons


def may_pair(a: Subject, b: Subject) -> bool:
    """Whether two Patients may be proposed as one person at all: only when at least one has no
    valid NHS number. Two valid numbers decide on their own, whatever the sources: equal ones link
    automatically, different ones are different people (twins share everything else), and a wrong
    but valid number is a tracing problem for PDS, not a guess for the linker."""
    return a.patient_id != b.patient_id and (a.nhs is None or b.nhs is None)
