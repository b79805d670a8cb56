"""The fictional neighbourhood synthetic people live in: villages, practices, staff and names.

Everything here is invented to look like rural Suffolk without pointing at a real place or
person: villages are made-up names, postcodes use the unused `IP9x` districts, telephone numbers
come from Ofcom's ranges reserved for drama (01632 960xxx, 07700 900xxx), e-mail addresses use
`example.org`, practice codes use a prefix no English practice has.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Village:
    """A village and the postcode district its addresses share."""

    name: str
    town: str
    district: str


@dataclass(frozen=True, slots=True)
class Practice:
    """A GP practice (ODS-style code) that hosts or refers to the neighbourhood team."""

    ods_code: str
    name: str
    road: str
    village: Village
    postcode: str
    telephone: str


@dataclass(frozen=True, slots=True)
class Staff:
    """A member of staff who records in the health record."""

    number: int
    title: str
    given: str
    family: str
    role: str
    sds_user_id: str
    sds_role_profile_id: str
    practice_code: str


COUNTY = "Suffolk"

VILLAGES: tuple[Village, ...] = (
    Village("Brantisham", "Stowbridge", "IP91"),
    Village("Cotbury St Mary", "Stowbridge", "IP91"),
    Village("Hollesford", "Wenbury", "IP92"),
    Village("Kettleby Green", "Wenbury", "IP92"),
    Village("Great Wrelsham", "Stowbridge", "IP93"),
    Village("Little Wrelsham", "Stowbridge", "IP93"),
    Village("Mendlebury", "Haddingford", "IP94"),
    Village("Rattlesford", "Haddingford", "IP94"),
    Village("Elmsworth Tye", "Wenbury", "IP95"),
)

ROADS: tuple[str, ...] = (
    "Church Lane", "The Street", "Mill Road", "School Lane", "Chapel Walk", "Back Lane", "Green Road",
    "Rectory Close", "Orchard Way", "Low Road", "Bury Road", "Station Hill", "Meadow View", "The Causeway",
    "Pound Lane", "Hall Farm Road",
)
HOUSE_NAMES: tuple[str, ...] = (
    "Rose Cottage", "The Old Forge", "Ivy House", "Willow Barn", "Mill House", "Pear Tree Cottage",
    "The Bungalow", "Holly Lodge", "Flat 2, Chapel Court", "Annexe, Hall Farm",
)

PRACTICES: tuple[Practice, ...] = (
    Practice("Z91001", "Brantisham Surgery", "The Street", VILLAGES[0], "IP91 4BS", "01632 960101"),
    Practice("Z92002", "Hollesford Medical Practice", "Mill Road", VILLAGES[2], "IP92 7HM", "01632 960202"),
    Practice("Z94003", "Mendlebury and Rattlesford Health Centre", "Bury Road", VILLAGES[6], "IP94 2MR",
             "01632 960303"),
)
# The neighbourhood nursing team is hosted by a community trust with its own code.
COMMUNITY_TRUST = ("ZT9", "West Haddingford Community Health Services")
NEIGHBOURHOOD_TEAM = "Brantisham Neighbourhood Nursing Team"

STAFF: tuple[Staff, ...] = (
    Staff(1, "Dr", "Helen", "Marsh", "General Medical Practitioner", "555000001001", "555000101001", "Z91001"),
    Staff(2, "Dr", "Rajesh", "Patel", "General Medical Practitioner", "555000001002", "555000101002", "Z92002"),
    Staff(3, "Dr", "Fiona", "Greaves", "General Medical Practitioner", "555000001003", "555000101003", "Z94003"),
    Staff(4, "Mrs", "Claire", "Pettit", "Community Nurse", "555000001004", "555000101004", "Z91001"),
    Staff(5, "Mr", "Tomasz", "Nowak", "Community Nurse", "555000001005", "555000101005", "Z91001"),
    Staff(6, "Ms", "Grace", "Adeyemi", "Community Nurse", "555000001006", "555000101006", "Z91001"),
    Staff(7, "Mrs", "Julie", "Shipp", "Assistant Practitioner", "555000001007", "555000101007", "Z91001"),
    Staff(8, "Miss", "Laura", "Cobbold", "Practice Nurse", "555000001008", "555000101008", "Z92002"),
    Staff(9, "Mr", "Owen", "Rendle", "Healthcare Assistant", "555000001009", "555000101009", "Z94003"),
)
NURSES: tuple[Staff, ...] = tuple(s for s in STAFF if s.role in ("Community Nurse", "Assistant Practitioner"))
GPS: tuple[Staff, ...] = tuple(s for s in STAFF if s.role == "General Medical Practitioner")

FEMALE_NAMES: tuple[str, ...] = (
    "Margaret", "Joan", "Dorothy", "Patricia", "Sheila", "Barbara", "Jean", "Pauline", "Brenda", "Irene",
    "Valerie", "Maureen", "Sandra", "Susan", "Linda", "Karen", "Elaine", "Rachel", "Emma", "Sophie",
    "Hannah", "Chloe", "Amira", "Zofia", "Priya", "Nia", "Siobhan", "Renée",
)
MALE_NAMES: tuple[str, ...] = (
    "Arthur", "Kenneth", "Dennis", "Roy", "Derek", "Brian", "Ronald", "Geoffrey", "Malcolm", "Colin",
    "Trevor", "Keith", "Graham", "Stephen", "Paul", "Mark", "Gary", "Daniel", "James", "Thomas",
    "Oliver", "Jack", "Farid", "Piotr", "Declan", "Rhys", "Chinedu", "José",
)
FAMILY_NAMES: tuple[str, ...] = (
    "Aldous", "Baldry", "Catchpole", "Double", "Everitt", "Fiske", "Gooderham", "Howlett", "Kerridge",
    "Lockwood", "Mayhew", "Nunn", "Osborne", "Pryke", "Quinton", "Rackham", "Sparrow", "Thurlow",
    "Underwood", "Vincent", "Woolnough", "Youngs", "Bloomfield", "Chilvers", "Dunnett", "Fairweather",
    "Goddard", "Hammond", "Jolly", "Keeble", "Last", "Moss", "O'Brien", "Smith-Rowe", "Ng", "Kowalski",
    "Okafor", "Bhatt", "Brönte",
)
