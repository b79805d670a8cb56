"""The clinical vocabulary synthetic people are drawn from, with the codes each source writes.

One catalogue shared by every sample writer, so a SystmOne extract and a Liquidlogic export made
from the same people agree on what is wrong with them. SNOMED CT and CTV3 codes are the ones GP
systems use for these ideas; `Y` CTV3 codes are TPP-local and have no SNOMED concept ("-1").
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Concept:
    """A coded idea as a GP system records it."""

    key: str
    display: str
    snomed: str  # "-1" where the local code has no SNOMED concept
    ctv3: str


@dataclass(frozen=True, slots=True)
class Measure:
    """A numeric observation with the range synthetic values are drawn from."""

    concept: Concept
    unit: str
    low: float
    high: float
    decimals: int = 0


@dataclass(frozen=True, slots=True)
class Drug:
    """A medicine as dm+d names it (VMP), with a typical dose and pack."""

    key: str
    name: str
    dmd: str
    dosage: str
    quantity: str
    for_condition: str | None = None


@dataclass(frozen=True, slots=True)
class Vaccine:
    """A vaccination as recorded in primary care."""

    key: str
    display: str
    snomed: str
    ctv3: str


def _concepts(*items: Concept) -> dict[str, Concept]:
    return {item.key: item for item in items}


# Long-term conditions and problems of a community nursing caseload.
CONDITIONS: dict[str, Concept] = _concepts(
    Concept("type2_diabetes", "Type 2 diabetes mellitus", "44054006", "X40J5"),
    Concept("copd", "Chronic obstructive lung disease", "13645005", "H3..."),
    Concept("heart_failure", "Heart failure", "84114007", "G58.."),
    Concept("dementia", "Dementia", "52448006", "X002w"),
    Concept("hypertension", "Essential hypertension", "59621000", "G20.."),
    Concept("atrial_fibrillation", "Atrial fibrillation", "49436004", "G573."),
    Concept("pressure_ulcer", "Pressure ulcer", "399912005", "M27.."),
    Concept("leg_ulcer", "Ulcer of lower extremity", "95344007", "M271."),
    Concept("falls", "Falls", "161898004", "16D.."),
    Concept("urinary_incontinence", "Urinary incontinence", "165232002", "R083."),
    Concept("depression", "Depressive disorder", "35489007", "X00SO"),
    Concept("palliative_care", "Terminal care", "182964004", "8BA2."),
    Concept("housebound", "Housebound", "160685001", "13CA."),
    Concept("caseload_local", "Neighbourhood nursing caseload (local code)", "-1", "Y1a2c"),
)

# How common each condition is: (caseload chance, practice-population chance).
PREVALENCE: dict[str, tuple[float, float]] = {
    "type2_diabetes": (0.35, 0.08),
    "copd": (0.25, 0.04),
    "heart_failure": (0.30, 0.02),
    "dementia": (0.25, 0.02),
    "hypertension": (0.55, 0.18),
    "atrial_fibrillation": (0.25, 0.03),
    "pressure_ulcer": (0.20, 0.0),
    "leg_ulcer": (0.30, 0.01),
    "falls": (0.40, 0.04),
    "urinary_incontinence": (0.35, 0.03),
    "depression": (0.25, 0.10),
    "palliative_care": (0.10, 0.0),
    "housebound": (0.60, 0.0),
}

MEASURES: dict[str, Measure] = {
    "hba1c": Measure(Concept("hba1c", "Haemoglobin A1c level - IFCC standardised", "999791000000106", "XaPbt"),
                     "mmol/mol", 42, 95),
    "systolic_bp": Measure(Concept("systolic_bp", "Systolic blood pressure", "271649006", "2469."), "mm[Hg]", 105, 175),
    "diastolic_bp": Measure(Concept("diastolic_bp", "Diastolic blood pressure", "271650006", "246A."),
                            "mm[Hg]", 55, 100),
    "weight": Measure(Concept("weight", "Body weight", "27113001", "22A.."), "kg", 42, 110, 1),
    "pulse": Measure(Concept("pulse", "Pulse rate", "78564009", "242.."), "/min", 52, 110),
    "egfr": Measure(Concept("egfr", "eGFR using creatinine (MDRD)", "963601000000106", "XaK8y"),
                    "mL/min/{1.73_m2}", 25, 95),
}

DRUGS: dict[str, Drug] = {d.key: d for d in (
    Drug("metformin", "Metformin 500mg tablets", "325278007", "One tablet twice a day with food", "56 tablet",
         "type2_diabetes"),
    Drug("furosemide", "Furosemide 40mg tablets", "317972000", "One tablet each morning", "28 tablet",
         "heart_failure"),
    Drug("bisoprolol", "Bisoprolol 2.5mg tablets", "318590006", "One tablet once a day", "28 tablet",
         "heart_failure"),
    Drug("tiotropium", "Tiotropium bromide 18microgram inhalation powder capsules", "407853005",
         "Inhale the contents of one capsule once a day", "30 capsule", "copd"),
    Drug("salbutamol", "Salbutamol 100micrograms/dose inhaler CFC free", "320176004",
         "Two puffs when required", "200 dose", "copd"),
    Drug("donepezil", "Donepezil 5mg tablets", "407627001", "One tablet at night", "28 tablet", "dementia"),
    Drug("amlodipine", "Amlodipine 5mg tablets", "319283006", "One tablet once a day", "28 tablet", "hypertension"),
    Drug("apixaban", "Apixaban 5mg tablets", "703907004", "One tablet twice a day", "56 tablet",
         "atrial_fibrillation"),
    Drug("sertraline", "Sertraline 50mg tablets", "321949008", "One tablet once a day", "28 tablet", "depression"),
    Drug("paracetamol", "Paracetamol 500mg tablets", "322236009", "Two tablets up to four times a day when required",
         "100 tablet", None),
    Drug("emollient", "Emollient cream", "8795011000001107", "Apply to the legs twice a day", "500 gram",
         "leg_ulcer"),
    Drug("morphine_oral", "Morphine sulfate 10mg/5ml oral solution", "36128911000001102",
         "2.5ml to 5ml every four hours when required for pain", "100 ml", "palliative_care"),
)}

VACCINES: dict[str, Vaccine] = {v.key: v for v in (
    Vaccine("influenza", "Seasonal influenza vaccination", "822851000000102", "65E.."),
    Vaccine("pneumococcal", "Pneumococcal vaccination", "12866006", "6572."),
    Vaccine("covid19", "SARS-CoV-2 vaccination (local code)", "1324681000000101", "Y29e7"),
    Vaccine("shingles", "Herpes zoster vaccination", "868241000000109", "XaX3a"),
)}

# Allergies: substance display -> SNOMED substance; the reaction people describe.
ALLERGENS: dict[str, tuple[str, str]] = {
    "penicillin": ("Penicillin", "764146007"),
    "codeine": ("Codeine", "387494007"),
    "trimethoprim": ("Trimethoprim", "373484007"),
    "aspirin": ("Aspirin", "387458008"),
}
REACTIONS: tuple[str, ...] = ("Rash", "Nausea and vomiting", "Wheeze", "Swelling of face")

# Services a community nurse or GP refers people on to, with the condition that usually prompts it.
REFERRAL_SERVICES: dict[str, str | None] = {
    "Tissue viability service": "pressure_ulcer",
    "Leg ulcer clinic": "leg_ulcer",
    "Continence service": "urinary_incontinence",
    "Memory assessment service": "dementia",
    "Falls prevention service": "falls",
    "Community heart failure nurses": "heart_failure",
    "Pulmonary rehabilitation": "copd",
    "Specialist palliative care team": "palliative_care",
    "Talking therapies": "depression",
    "Adult social care": None,
    "Occupational therapy": "falls",
}
