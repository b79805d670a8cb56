"""A plausible health history for one synthetic person, drawn from a seeded random generator.

Caseload people are older and sicker: several long-term conditions, wounds, falls, frequent home
visits by the neighbourhood nurses, repeat medicines, referrals on. The wider practice population
sees the GP now and then. Everything is dated before `today` except a few booked visits.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from adapters.sample import clinical, places
from adapters.sample.records import Allergy, Contact, Diagnosis, Immunisation, Measurement, Prescription, Referral

_WOUNDS = ("pressure_ulcer", "leg_ulcer")


@dataclass(frozen=True, slots=True)
class History:
    """What `clinical_history` returns: the records plus the dates they imply."""

    death_date: date | None
    caseload_start: date | None
    diagnoses: tuple[Diagnosis, ...]
    contacts: tuple[Contact, ...]
    measurements: tuple[Measurement, ...]
    prescriptions: tuple[Prescription, ...]
    allergies: tuple[Allergy, ...]
    immunisations: tuple[Immunisation, ...]
    referrals: tuple[Referral, ...]


def clinical_history(rng: random.Random, *, on_caseload: bool, age: int, registered: date, practice_code: str,
                     today: date, named_nurse: int | None) -> History:
    """Draw one person's history. `registered` bounds the past; `today` the present."""
    gp = next(s.number for s in places.GPS if s.practice_code == practice_code)
    caseload_start = today - timedelta(days=rng.randint(21, 900)) if on_caseload else None
    if caseload_start is not None and caseload_start < registered:
        caseload_start = registered
    diagnoses = _diagnoses(rng, on_caseload, age, registered, today, caseload_start, gp)
    death = _death(rng, diagnoses, today)
    end = death or today
    contacts = _contacts(rng, on_caseload, caseload_start, registered, today, death, gp, named_nurse)
    active = {d.key for d in diagnoses if d.end is None}
    return History(
        death_date=death,
        caseload_start=caseload_start,
        diagnoses=diagnoses,
        contacts=contacts,
        measurements=_measurements(rng, contacts, active, end, gp),
        prescriptions=_prescriptions(rng, diagnoses, end, gp),
        allergies=_allergies(rng, registered, gp),
        immunisations=_immunisations(rng, age, registered, end),
        referrals=_referrals(rng, on_caseload, active, caseload_start or registered, end, gp, named_nurse),
    )


def _between(rng: random.Random, start: date, end: date) -> date:
    span = (end - start).days
    return start + timedelta(days=rng.randint(0, span)) if span > 0 else start


def _diagnoses(rng: random.Random, on_caseload: bool, age: int, registered: date, today: date,
               caseload_start: date | None, gp: int) -> tuple[Diagnosis, ...]:
    chosen = [key for key, (caseload, population) in clinical.PREVALENCE.items()
              if rng.random() < (caseload if on_caseload else population * (1.8 if age > 65 else 0.6))]
    if on_caseload and len([k for k in chosen if k not in ("housebound", "falls")]) < 2:
        chosen += rng.sample(["type2_diabetes", "heart_failure", "copd", "leg_ulcer", "dementia"], 2)
    out: list[Diagnosis] = []
    for key in dict.fromkeys(chosen):
        if key in _WOUNDS or key in ("falls", "palliative_care"):
            recent_from = caseload_start or today - timedelta(days=400)
            onset = _between(rng, max(registered, recent_from - timedelta(days=60)), today - timedelta(days=7))
            healed = key in _WOUNDS and rng.random() < 0.35
            end = _between(rng, onset + timedelta(days=14), today) if healed and (today - onset).days > 30 else None
        else:
            onset = _between(rng, registered, today - timedelta(days=60))
            end = None
        severity = "major" if key in ("heart_failure", "dementia", "pressure_ulcer", "palliative_care", "copd") \
            else "minor"
        out.append(Diagnosis(key, onset, end, severity, gp))
    return tuple(sorted(out, key=lambda d: (d.onset, d.key)))


def _death(rng: random.Random, diagnoses: tuple[Diagnosis, ...], today: date) -> date | None:
    palliative = next((d for d in diagnoses if d.key == "palliative_care"), None)
    if palliative is not None and rng.random() < 0.3:
        return _between(rng, palliative.onset + timedelta(days=5), today)
    return None


def _at(day: date, rng: random.Random) -> datetime:
    return datetime.combine(day, time(rng.randint(8, 16), rng.choice((0, 15, 30, 45))))


def _contacts(rng: random.Random, on_caseload: bool, caseload_start: date | None, registered: date, today: date,
              death: date | None, gp: int, named_nurse: int | None) -> tuple[Contact, ...]:
    slots: list[tuple[str, datetime, int, int]] = []  # kind, start, minutes, staff
    last = death or today
    if on_caseload and caseload_start is not None:
        day = max(caseload_start, today - timedelta(days=84))
        while day <= last + timedelta(days=0 if death else 14):
            staff = named_nurse if named_nurse and rng.random() < 0.7 else rng.choice(places.NURSES).number
            slots.append(("home visit", _at(day, rng), rng.choice((20, 30, 30, 45, 60)), staff))
            day += timedelta(days=rng.randint(3, 10))
    for _ in range(rng.randint(1, 3) if on_caseload else rng.choices((0, 1, 2, 3, 4), weights=(20, 30, 25, 15, 10))[0]):
        day = _between(rng, max(registered, today - timedelta(days=365)), last + timedelta(days=21))
        slots.append((rng.choice(("surgery", "surgery", "telephone")), _at(day, rng), 10, gp))
    out: list[Contact] = []
    for number, (kind, start, minutes, staff) in enumerate(sorted(slots, key=lambda s: s[1]), start=1):
        if start.date() > today:
            status = "Booked"
        elif death is not None and start.date() > death:
            continue
        else:
            misses = ("No Access Visit",) if kind == "home visit" else ("Did Not Attend",)
            status = rng.choices(("Finished", misses[0], "Cancelled by Patient"), weights=(88, 6, 6))[0]
        booked = start - timedelta(days=rng.randint(1, 21), hours=rng.randint(0, 6))
        out.append(Contact(number, kind, start, minutes, status, staff, booked))
    return tuple(out)


def _value(rng: random.Random, key: str) -> float:
    measure = clinical.MEASURES[key]
    return round(rng.uniform(measure.low, measure.high), measure.decimals)


def _measurements(rng: random.Random, contacts: tuple[Contact, ...], active: set[str], end: date,
                  gp: int) -> tuple[Measurement, ...]:
    out: list[Measurement] = []
    for contact in contacts:
        if contact.status != "Finished" or rng.random() > 0.45:
            continue
        which = rng.choice(("bp", "weight", "pulse"))
        keys = ("systolic_bp", "diastolic_bp") if which == "bp" else (which,)
        for key in keys:
            out.append(Measurement(key, contact.start, _value(rng, key), None, contact.number, contact.staff))
    if "type2_diabetes" in active:
        for months in (3, 9):
            when = datetime.combine(end - timedelta(days=months * 30 + rng.randint(0, 20)), time(9, 0))
            out.append(Measurement("hba1c", when, _value(rng, "hba1c"), None, None, gp))
    if active & {"type2_diabetes", "heart_failure", "hypertension"}:
        when = datetime.combine(end - timedelta(days=rng.randint(30, 330)), time(9, 30))
        value = _value(rng, "egfr")
        comparator = ">" if value >= 90 else None
        out.append(Measurement("egfr", when, 90.0 if comparator else value, comparator, None, gp))
    return tuple(sorted(out, key=lambda m: (m.taken, m.key)))


def _prescriptions(rng: random.Random, diagnoses: tuple[Diagnosis, ...], end: date,
                   gp: int) -> tuple[Prescription, ...]:
    out: list[Prescription] = []
    for diagnosis in diagnoses:
        for drug in clinical.DRUGS.values():
            if drug.for_condition != diagnosis.key or rng.random() < 0.25:
                continue
            start = min(end, diagnosis.onset + timedelta(days=rng.randint(1, 30)))
            stopped = diagnosis.end or (
                _between(rng, start, end) if rng.random() < 0.15 and start < end else None)
            issues: list[date] = []
            day = max(start, (stopped or end) - timedelta(days=168))
            while day <= (stopped or end) and len(issues) < 6:
                issues.append(day)
                day += timedelta(days=28)
            out.append(Prescription(drug.key, start, stopped, True, tuple(issues), rng.choice((6, 12, 13)), gp))
    if rng.random() < 0.3:
        day = _between(rng, end - timedelta(days=300), end)
        out.append(Prescription("paracetamol", day, day + timedelta(days=14), False, (day,), 1, gp))
    return tuple(out)


def _allergies(rng: random.Random, registered: date, gp: int) -> tuple[Allergy, ...]:
    if rng.random() > 0.12:
        return ()
    allergen = rng.choice(tuple(clinical.ALLERGENS))
    return (Allergy(allergen, _between(rng, registered - timedelta(days=3650), registered + timedelta(days=365)),
                    rng.choice(clinical.REACTIONS), gp),)


def _immunisations(rng: random.Random, age: int, registered: date, end: date) -> tuple[Immunisation, ...]:
    out: list[Immunisation] = []
    nurse = next(s.number for s in places.STAFF if s.role == "Practice Nurse")

    def give(key: str, day: date, part: int = 1) -> None:
        if registered <= day <= end:
            batch = f"{key[:2].upper()}{rng.randint(1000, 9999)}{rng.choice('ABCDEFGHJK')}"
            out.append(Immunisation(key, day, batch, part, nurse))

    if age >= 65 or rng.random() < 0.2:
        for year in (end.year - 2, end.year - 1):
            if rng.random() < 0.8:
                give("influenza", date(year, 10, rng.randint(1, 28)))
                give("covid19", date(year, 10, rng.randint(1, 28)), 5)
    if age >= 66 and rng.random() < 0.7:
        give("pneumococcal", _between(rng, max(registered, end - timedelta(days=3000)), end))
    if 70 <= age <= 80 and rng.random() < 0.5:
        give("shingles", _between(rng, max(registered, end - timedelta(days=1500)), end))
    return tuple(sorted(out, key=lambda i: (i.given, i.vaccine)))


def _referrals(rng: random.Random, on_caseload: bool, active: set[str], since: date, end: date, gp: int,
               named_nurse: int | None) -> tuple[Referral, ...]:
    out: list[Referral] = []
    for service, reason in clinical.REFERRAL_SERVICES.items():
        relevant = reason in active if reason else on_caseload
        if not relevant or rng.random() > (0.45 if on_caseload else 0.1):
            continue
        by = named_nurse if on_caseload and named_nurse else gp
        urgency = "urgent" if reason in ("pressure_ulcer", "palliative_care") else "routine"
        out.append(Referral(service, reason, _between(rng, since, end), urgency, by))
    return tuple(sorted(out, key=lambda r: (r.sent, r.service)))
