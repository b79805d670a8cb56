"""`cld_events.csv` as typed rows: one `CldRow` per event (or per carer known by association).

Streaming: rows are read one at a time with the csv module. Field formats are checked here
(dates ISO or dd/mm/yyyy, numbers, the CLD mandatory fields for the row's event type); coded
values stay as the text the council wrote, and are normalised to codes in `coded.py`.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from adapters.codemaps import CodeMaps
from adapters.limits import LineTooLong
from adapters.lines import RowBudget
from adapters.liquidlogic.errors import (
    BadDate,
    BadNumber,
    MalformedRow,
    MappingError,
    MissingColumns,
    MissingField,
    ParseError,
    RowTooLong,
    UnknownEventType,
)

EVENTS_FILE = "cld_events.csv"

# Columns whose absence makes every row unusable (CLD mandatory person and event fields).
REQUIRED_COLUMNS = (
    "LA_Code",
    "Reporting_Period_Start_Date",
    "Reporting_Period_End_Date",
    "LA_Person_Unique_Identifier",
    "NHS_Number",
    "Gender",
    "Ethnicity",
    "Date_of_Birth",
    "Client_Type",
    "Primary_Support_Reason",
    "Postcode",
    "Accommodation_Status",
    "Has_Unpaid_Carer",
    "Event_Type",
    "Event_Reference",
    "Event_Start_Date",
    "Event_End_Date",
    "Event_Outcome",
)
OPTIONAL_COLUMNS = (
    "GP_Practice_Code",
    "GP_Practice_Name",
    "Date_of_Death",
    "Employment_Status",
    "Autism_Spectrum_Disorder_ASD",
    "Visual_Impairment",
    "Hearing_Impairment",
    "Dementia",
    "Client_Funding_Status",
    "Event_Description",
    "Request_Route_of_Access",
    "Assessment_Type",
    "Eligible_Needs_Identified",
    "Method_of_Assessment",
    "Total_Hrs_Caring_per_week",
    "No_of_adults_being_cared_for",
    "Adult_1_Linked_Person_ID",
    "Adult_2_Linked_Person_ID",
    "Adult_3_Linked_Person_ID",
    "Service_Type",
    "Service_Component",
    "Delivery_Mechanism",
    "Provider_CQC_Location_ID",
    "Provider_CQC_Location_Name",
    "Review_Reason",
    "Review_Outcomes_Achieved",
    "Method_of_Review",
    "Unit_Cost",
    "Cost_Frequency_Unit_Type",
    "Planned_units_per_week",
    # LAS-local person details (CLD itself is pseudonymised; an LAS export carries them)
    "Person_Given_Name",
    "Person_Family_Name",
    "Address_Line_1",
    "Address_Line_2",
    "Address_Town",
)
KNOWN_COLUMNS = frozenset(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)

_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ].*)?$")
_UK = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


@dataclass(frozen=True, slots=True)
class CldPerson:
    """The person fields repeated on each of their rows (coded values as written)."""

    la_person_id: str
    nhs_number: str
    given_name: str
    family_name: str
    address_lines: tuple[str, ...]
    town: str
    postcode: str
    gender: str
    ethnicity: str
    birth_date: date
    death_date: date | None
    gp_code: str
    gp_name: str
    client_type: str  # code from liquidlogic-client-type
    client_type_text: str
    primary_support_reason: str
    accommodation_status: str
    employment_status: str
    has_unpaid_carer: str
    autism: str
    visual_impairment: str
    hearing_impairment: str
    dementia: str
    funding_status: str
    hours_caring_per_week: Decimal | None
    adults_cared_for: int | None
    linked_person_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CldEvent:
    """One completed (or open, for services) social care event."""

    event_type: str  # code from liquidlogic-event-type
    event_type_text: str
    reference: str
    start: date
    end: date | None
    description: str
    outcome: str
    route_of_access: str
    assessment_type: str
    eligible_needs: str
    method: str  # Method_of_Assessment or Method_of_Review
    service_type: str
    service_component: str
    delivery_mechanism: str
    cqc_location_id: str
    cqc_location_name: str
    review_reason: str
    review_outcomes: str
    unit_cost: Decimal | None
    cost_frequency: str
    planned_units_per_week: Decimal | None


@dataclass(frozen=True, slots=True)
class CldRow:
    """One data row: the submission, the person and (except for carers known by association) the event."""

    line: int
    la_code: str
    period_start: date
    period_end: date
    person: CldPerson
    event: CldEvent | None


def parse_date(value: str, column: str) -> date:
    """ISO 8601 (`2026-01-31`, a time part ignored) or UK `31/01/2026`."""
    text = value.strip()
    match = _ISO.match(text)
    try:
        if match:
            return date(int(match[1]), int(match[2]), int(match[3]))
        match = _UK.match(text)
        if match:
            return date(int(match[3]), int(match[2]), int(match[1]))
    except ValueError:
        raise BadDate(f"{column} {value!r} is not a real date") from None
    raise BadDate(f"{column} {value!r} is not a date (use 2026-01-31 or 31/01/2026)")


def parse_decimal(value: str, column: str) -> Decimal | None:
    text = value.strip().lstrip("£").replace(",", "")
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise BadNumber(f"{column} {value!r} is not a number") from None
    if not number.is_finite() or number < 0:
        raise BadNumber(f"{column} {value!r} is not a non-negative number")
    return number


class _RowLines:
    """Lines for csv.reader, counted against the row limit (see `adapters.lines.RowBudget`)."""

    def __init__(self, lines: Iterable[str], limit: int | None) -> None:
        self._lines = iter(lines)
        self.budget = RowBudget(limit) if limit else None

    def __iter__(self) -> _RowLines:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        if self.budget is not None:
            self.budget.take(line)
        return line


class RowReader:
    """Reads the rows of one `cld_events.csv` stream; `header_problem` is set when the header
    itself is unusable, and every row is then rejected with it. A line or row longer than the line
    limit (`LineTooLong` from `adapters.lines`) comes out of `rows` with no values, and `parse`
    rejects it with the reason; reading goes on after it."""

    def __init__(self, text: Iterable[str], maps: CodeMaps, limit: int | None = None) -> None:
        self._lines = _RowLines(text, limit)
        self._reader = csv.reader(self._lines)
        self._base = 0  # physical lines read by csv readers replaced after an over-long line
        self._too_long: dict[int, str] = {}
        self._maps = maps
        self.header: list[str] = []
        self.header_problem: ParseError | None = None
        try:
            self.header = [h.strip().lstrip("\ufeff") for h in self._next_row()]
        except StopIteration:
            self.header_problem = MissingColumns("the file is empty (no header row)")
            return
        except LineTooLong as exc:
            self._skip_past()
            self.header_problem = RowTooLong(f"the header row cannot be read: {exc}")
            return
        missing = [c for c in REQUIRED_COLUMNS if c not in self.header]
        if missing:
            self.header_problem = MissingColumns(f"header lacks required column(s): {', '.join(missing)}")

    @property
    def line_num(self) -> int:
        """Physical lines read so far."""
        return self._base + self._reader.line_num

    @property
    def unknown_columns(self) -> list[str]:
        return [c for c in self.header if c and c not in KNOWN_COLUMNS]

    def _next_row(self) -> list[str]:
        if self._lines.budget is not None:
            self._lines.budget.start_row()
        return next(self._reader)

    def _skip_past(self) -> None:
        """After LineTooLong: the line that raised was consumed but not counted by the csv reader,
        whose state is spoiled; carry on with a fresh reader."""
        self._base = self.line_num + 1
        self._reader = csv.reader(self._lines)

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """(first physical line, values) of each non-blank data row; values are empty for a row
        over the line limit (`parse` says why)."""
        while True:
            line = self.line_num + 1
            try:
                values = self._next_row()
            except StopIteration:
                return
            except LineTooLong as exc:
                self._skip_past()
                self._too_long[line] = str(exc)
                yield line, []
                continue
            if values and any(v.strip() for v in values):
                yield line, values

    def parse(self, line: int, values: list[str]) -> CldRow:
        """The typed row; raises a `ParseError` or `MappingError` naming the field at fault."""
        if line in self._too_long:
            raise RowTooLong(self._too_long.pop(line))
        if self.header_problem is not None:
            raise self.header_problem
        if len(values) != len(self.header):
            raise MalformedRow(f"row has {len(values)} fields but the header has {len(self.header)}")
        return _Fields(dict(zip(self.header, (v.strip() for v in values), strict=True)), self._maps).row(line)


class _Fields:
    """One row's values by column, with the mandatory-field rules of the CLD specification."""

    def __init__(self, values: dict[str, str], maps: CodeMaps) -> None:
        self.values = values
        self.maps = maps

    def get(self, column: str) -> str:
        return self.values.get(column, "")

    def need(self, column: str, why: str = "") -> str:
        value = self.get(column)
        if not value:
            raise MissingField(f"{column} is mandatory{why} but empty")
        return value

    def code(self, map_name: str, column: str) -> str:
        target = self.maps[map_name].get(self.need(column))
        if target is None:
            raise MappingError(f"{column} {self.get(column)!r} is not a known CLD value")
        return target.code

    def row(self, line: int) -> CldRow:
        client_type = self.code("liquidlogic-client-type", "Client_Type")
        person = self.person(client_type)
        event = None if client_type == "unpaid-carer-known-by-association" else self.event(client_type)
        return CldRow(
            line=line,
            la_code=self.need("LA_Code"),
            period_start=parse_date(self.need("Reporting_Period_Start_Date"), "Reporting_Period_Start_Date"),
            period_end=parse_date(self.need("Reporting_Period_End_Date"), "Reporting_Period_End_Date"),
            person=person,
            event=event,
        )

    def person(self, client_type: str) -> CldPerson:
        service_user = client_type == "service-user"
        death = self.get("Date_of_Death")
        adults = parse_decimal(self.get("No_of_adults_being_cared_for"), "No_of_adults_being_cared_for")
        return CldPerson(
            la_person_id=self.need("LA_Person_Unique_Identifier"),
            nhs_number=self.get("NHS_Number"),
            given_name=self.get("Person_Given_Name"),
            family_name=self.get("Person_Family_Name"),
            address_lines=tuple(v for v in (self.get("Address_Line_1"), self.get("Address_Line_2")) if v),
            town=self.get("Address_Town"),
            postcode=self.need("Postcode"),
            gender=self.need("Gender"),
            ethnicity=self.need("Ethnicity"),
            birth_date=parse_date(self.need("Date_of_Birth"), "Date_of_Birth"),
            death_date=parse_date(death, "Date_of_Death") if death else None,
            gp_code=self.get("GP_Practice_Code"),
            gp_name=self.get("GP_Practice_Name"),
            client_type=client_type,
            client_type_text=self.get("Client_Type"),
            primary_support_reason=self.get("Primary_Support_Reason"),
            accommodation_status=self.need("Accommodation_Status", " for service users")
            if service_user
            else self.get("Accommodation_Status"),
            employment_status=self.get("Employment_Status"),
            has_unpaid_carer=self.need("Has_Unpaid_Carer", " for service users")
            if service_user
            else self.get("Has_Unpaid_Carer"),
            autism=self.get("Autism_Spectrum_Disorder_ASD"),
            visual_impairment=self.get("Visual_Impairment"),
            hearing_impairment=self.get("Hearing_Impairment"),
            dementia=self.get("Dementia"),
            funding_status=self.get("Client_Funding_Status"),
            hours_caring_per_week=parse_decimal(self.get("Total_Hrs_Caring_per_week"), "Total_Hrs_Caring_per_week"),
            adults_cared_for=int(adults) if adults is not None else None,
            linked_person_ids=tuple(v for v in (self.get(f"Adult_{n}_Linked_Person_ID") for n in (1, 2, 3)) if v),
        )

    def event(self, client_type: str) -> CldEvent:
        raw_type = self.need("Event_Type")
        target = self.maps["liquidlogic-event-type"].get(raw_type)
        if target is None:
            raise UnknownEventType(f"Event_Type {raw_type!r} is not Request, Assessment, Service or Review")
        kind = target.code
        if kind != "request":
            self.need("Primary_Support_Reason", f" on {kind} rows")
        assessment_type = self.code("liquidlogic-assessment-type", "Assessment_Type") if kind == "assessment" else ""
        financial = assessment_type == "financial"
        if kind == "request":
            self.need("Request_Route_of_Access", " on request rows")
        if kind == "assessment" and not financial:
            self.need("Method_of_Assessment", " on assessments other than financial")
        if kind == "service":
            self.need("Service_Type", " on service rows")
            self.need("Service_Component", " on service rows")
        if kind == "review":
            self.need("Review_Reason", " on review rows")
            self.need("Method_of_Review", " on review rows")
            if self.code("liquidlogic-review-reason", "Review_Reason") == "planned":
                self.need("Review_Outcomes_Achieved", " on planned reviews")
        if kind in ("service", "review") and client_type == "service-user":
            self.need("Client_Funding_Status", f" on {kind} rows")
        end = self.get("Event_End_Date")
        if not end and kind != "service":
            raise MissingField(f"Event_End_Date is mandatory on {kind} rows (only services may be open) but empty")
        start = parse_date(self.need("Event_Start_Date"), "Event_Start_Date")
        end_date = parse_date(end, "Event_End_Date") if end else None
        if end_date is not None and end_date < start:
            raise BadDate(f"Event_End_Date {end!r} is before Event_Start_Date {self.get('Event_Start_Date')!r}")
        return CldEvent(
            event_type=kind,
            event_type_text=raw_type,
            reference=self.need("Event_Reference"),
            start=start,
            end=end_date,
            description=self.get("Event_Description"),
            outcome=self.get("Event_Outcome") if financial else self.need("Event_Outcome"),
            route_of_access=self.get("Request_Route_of_Access"),
            assessment_type=self.get("Assessment_Type"),
            eligible_needs=self.get("Eligible_Needs_Identified"),
            method=self.get("Method_of_Assessment") or self.get("Method_of_Review"),
            service_type=self.get("Service_Type"),
            service_component=self.get("Service_Component"),
            delivery_mechanism=self.get("Delivery_Mechanism"),
            cqc_location_id=self.get("Provider_CQC_Location_ID"),
            cqc_location_name=self.get("Provider_CQC_Location_Name"),
            review_reason=self.get("Review_Reason"),
            review_outcomes=self.get("Review_Outcomes_Achieved"),
            unit_cost=parse_decimal(self.get("Unit_Cost"), "Unit_Cost"),
            cost_frequency=self.get("Cost_Frequency_Unit_Type"),
            planned_units_per_week=parse_decimal(self.get("Planned_units_per_week"), "Planned_units_per_week"),
        )
