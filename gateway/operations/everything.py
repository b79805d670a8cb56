"""`Patient/{id}/$everything`: one person's integrated record, from a golden or any source Patient.

The set is every resource in the Patient compartment of each of the person's Patients (golden and
every linked source, so both sources' records and the Omaha assessment), plus the resources those
reference outside the compartment types (Practitioner, PractitionerRole, Organization, Location,
Medication, Questionnaire...), followed a few hops so a PractitionerRole brings its Practitioner.
It is read from the reference index as ids only, ordered by (type, id) and paged with a keyset
cursor, so only the page's resources are loaded and a page is never lost or repeated when writes
happen between pages. See https://hl7.org/fhir/R4/patient-operation-everything.html
"""

from __future__ import annotations

import bisect
import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

import orjson
from sqlalchemy import ColumnElement, Connection, Select, and_, bindparam, false, or_, select
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from gateway.bundle_json import bundle_json, entry_json
from gateway.cursor import InvalidCursor, decode_cursor, encode_cursor
from gateway.interactions.history import parse_since
from gateway.limits.numbers import whole_number
from gateway.linking import linked_patient_ids
from gateway.operations.parameters import read_parameters
from gateway.operations.registry import OperationCall, load_definition, operation
from gateway.outcomes import FhirError, bad_request, gone, not_found, outcome
from gateway.request_context import Caller
from gateway.resource_types import SUPPORTED_TYPES
from gateway.responses import FhirResponse
from gateway.search.compartment import patient_compartment
from gateway.search.dates import MAX_US, MIN_US, DateFormatError, date_range
from gateway.search.registry import get_registry
from gateway.security import audit, authorized
from gateway.storage.index_tables import search_date, search_reference, search_uri
from gateway.storage.tables import resources
from gateway.storage.times import us_to_instant

DEFINITION = load_definition("Patient-everything")

Key = tuple[str, str]
Stored = tuple[int, str]  # last_updated (µs), content (the stored JSON text)
CURSOR_PARAM = "_cursor"
HOPS = 3  # reference hops beyond the compartment: Observation -> PractitionerRole -> Practitioner
_CHUNK = 900
_R, _REF = resources.c, search_reference.c


@dataclass(frozen=True, slots=True)
class EverythingPage:
    """One page: (type, id, content, mode) entries in (type, id) order, and the paging state."""

    entries: list[tuple[str, str, str, str]]
    total: int  # match entries over all pages
    next_cursor: str | None
    withheld: list[str] = field(default_factory=list)  # types present but not searchable by the caller
    links: list[tuple[str, str]] = field(default_factory=list)

    def bundle(self, base_url: str) -> str:
        """The searchset Bundle, the stored resource text spliced in unparsed."""
        out = [entry_json(f"{base_url}/{t}/{i}", content, {"search": {"mode": mode}})
               for t, i, content, mode in self.entries]
        if self.withheld:
            note = outcome("information", "suppressed", "Left out: the caller's scopes do not allow searching "
                           + ", ".join(self.withheld))
            out.append(entry_json("urn:uuid:everything-withheld", orjson.dumps(note).decode(),
                                  {"search": {"mode": "outcome"}}))
        return bundle_json("searchset", out, total=self.total, links=self.links)


def get_patient_everything(
    conn: Connection, patient_id: str, types: Iterable[str] | None, since: int | None, count: int,
    cursor: str | None, base_url: str, *, start: str | None = None, end: str | None = None,
    may_search: Callable[[str], bool] = lambda _t: True,
) -> EverythingPage:
    """One page of the person's record (see the module docstring): 404 for an unknown Patient, 410
    for a deleted one. `types` and `since` filter the set, `may_search` drops types the caller may
    not search, `cursor` is the previous page's `next_cursor`."""
    wanted = frozenset(types) if types is not None else None
    bounds = _care_period(start, end)
    binding = _query_hash(patient_id, wanted, since, start, end)
    after = _decode_cursor(cursor, binding) if cursor else None

    # The person: 404/410 first, then every Patient id linked to them.
    row = conn.execute(select(_R.deleted).where(_R.res_type == "Patient", _R.res_id == patient_id)).first()
    if row is None:
        raise not_found(f"Patient/{patient_id} is not known")
    if row.deleted:
        raise gone(f"Patient/{patient_id} was deleted")
    patients = linked_patient_ids(conn, patient_id)

    # The set: compartment members (read with their content), then what they reference outside
    # the compartment types, then the patients themselves and the referenced resources.
    own = {("Patient", p) for p in patients}
    found, targets = _compartment(conn, patients)
    if bounds is not None:
        for key in _outside_period(conn, (set(found) | set(targets)) - own, bounds):
            found.pop(key, None)
            targets.pop(key, None)
    members = set(found) | own
    referenced = _referenced(conn, members, targets)
    found.update(_load(conn, referenced | own))

    # Filter (types, scopes, _since), then the page after the cursor in (type, id) order.
    if wanted is not None:
        found = {k: v for k, v in found.items() if k[0] in wanted}
    refused = {t for t in {k[0] for k in found} if not may_search(t)}
    keys = sorted(k for k, (updated, _) in found.items()
                  if k[0] not in refused and (since is None or updated >= since))
    position = bisect.bisect_right(keys, after) if after is not None else 0
    page_keys = keys[position : position + count]
    entries = [(t, i, found[(t, i)][1], "match" if (t, i) in members else "include") for t, i in page_keys]
    total = sum(1 for k in keys if k in members)
    more = position + count < len(keys)
    next_cursor = _encode_cursor(page_keys[-1], binding) if more and page_keys else None
    withheld = sorted(refused)
    query = _link_query(wanted, since, start, end, count)
    here = f"{base_url}/Patient/{patient_id}/$everything"
    links = [("self", here + (f"?{urlencode(query)}" if query else ""))]
    if next_cursor:
        links.append(("next", f"{here}?{urlencode([*query, (CURSOR_PARAM, next_cursor)])}"))
    return EverythingPage(entries, total, next_cursor, withheld, links)


_R1 = search_reference.alias("r1")  # an index row pointing at one of the person's Patients
_R2 = search_reference.alias("r2")  # every index row of the same owner


@dataclass(frozen=True, slots=True)
class _Statements:
    """The queries, built once with expanding parameters: SQLAlchemy then skips rebuilding the
    27-branch compartment condition and recomputing cache keys on every request."""

    compartment_types: frozenset[str]
    members: Select[Any]  # :patients -> (type, id, last_updated, content) of the compartment members
    member_refs: Select[Any]  # :patients -> (owner type, owner id, target type, target id, url)
    refs_of: Select[Any]  # :types, :ids -> the same, for given owners
    load: Select[Any]  # :types, :ids -> (type, id, last_updated, content)
    canonicals: Select[Any]  # :urls -> (type, id) of resources with that url
    dates: Select[Any]  # :types, :ids -> (type, id, low, high) of the `date` parameter


@lru_cache(maxsize=1)
def _statements() -> _Statements:
    rules = patient_compartment()
    types = sorted(rules)
    r1, r2, u, d = _R1.c, _R2.c, search_uri.c, search_date.c

    def outward(ref: Any) -> ColumnElement[bool]:
        # Worth following: a local reference to a type outside the compartment types, or a URL-only
        # (canonical) one. References to the person's own records need no second look.
        return or_(ref.target_type.not_in(types), and_(ref.target_id.is_(None), ref.url.is_not(None)))

    def many(name: str) -> Any:
        return bindparam(name, expanding=True)

    in_compartment = or_(*(and_(r1.res_type == t, r1.param.in_(params)) for t, params in sorted(rules.items())))
    pointing = (r1.target_type == "Patient", r1.target_id.in_(many("patients")), in_compartment)
    same_owner = and_(r2.res_type == r1.res_type, r2.res_id == r1.res_id)
    return _Statements(
        compartment_types=frozenset(types),
        members=select(r1.res_type, r1.res_id, _R.last_updated, _R.content)
        .select_from(_R1.join(resources, and_(_R.res_type == r1.res_type, _R.res_id == r1.res_id)))
        .where(*pointing, _R.deleted == false()),
        member_refs=select(r1.res_type, r1.res_id, r2.target_type, r2.target_id, r2.url)
        .select_from(_R1.join(_R2, same_owner)).where(*pointing, outward(r2)),
        refs_of=select(_REF.res_type, _REF.res_id, _REF.target_type, _REF.target_id, _REF.url)
        .where(_REF.res_type.in_(many("types")), _REF.res_id.in_(many("ids")), outward(_REF)),
        load=select(_R.res_type, _R.res_id, _R.last_updated, _R.content)
        .where(_R.res_type.in_(many("types")), _R.res_id.in_(many("ids")), _R.deleted == false()),
        canonicals=select(u.res_type, u.res_id).where(u.param == "url", u.value.in_(many("urls"))),
        dates=select(d.res_type, d.res_id, d.low, d.high)
        .where(d.res_type.in_(many("types")), d.res_id.in_(many("ids")), d.param == "date"),
    )


def _rows(conn: Connection, statement: Select[Any], **params: Any) -> Sequence[Any]:
    """Plain DBAPI rows: the columns read here need no result processing, and SQLAlchemy's Row
    objects were a fifth of the time of a 500-resource record."""
    result = conn.execute(statement, params)
    try:
        return result.cursor.fetchall()
    finally:
        result.close()


def _add_ref(out: dict[Key, set[Key | str]], row: Any) -> None:
    owner_type, owner_id, target_type, target_id, url = row
    out.setdefault((owner_type, owner_id), set()).add((target_type, target_id) if target_id else url)


def _compartment(conn: Connection, patients: list[str]) -> tuple[dict[Key, Stored], dict[Key, set[Key | str]]]:
    """Members of the patients' compartments as stored (current, undeleted), and what each member
    references outside the compartment types (keys, or canonical URLs). Two queries from the index
    rows pointing at the patients: joined to the resources, and to the same owners' outward references."""
    sql = _statements()
    found: dict[Key, Stored] = {(t, i): (updated, content)
                                for t, i, updated, content in _rows(conn, sql.members, patients=patients)}
    targets: dict[Key, set[Key | str]] = {}
    for row in _rows(conn, sql.member_refs, patients=patients):
        _add_ref(targets, row)
    # The patients' own references (organisation, GP) are not in the join unless they point at each other.
    for owner, refs in _references_of(conn, {("Patient", p) for p in patients}).items():
        targets.setdefault(owner, set()).update(refs)
    return found, targets


def _references_of(conn: Connection, owners: set[Key]) -> dict[Key, set[Key | str]]:
    """What each of `owners` references outside the compartment types, from the reference index."""
    out: dict[Key, set[Key | str]] = {}
    for types, ids in _chunks(owners):
        for row in _rows(conn, _statements().refs_of, types=types, ids=ids):
            if (row[0], row[1]) in owners:
                _add_ref(out, row)
    return out


def _referenced(conn: Connection, members: set[Key], targets: dict[Key, set[Key | str]]) -> set[Key]:
    """Resources the members reference, hop by hop, that are not of a compartment type: another
    person's Encounter or Condition never comes in this way, only shared resources do."""
    compartment_types = _statements().compartment_types
    found: set[Key] = set()
    pointers = {p for owner in members for p in targets.get(owner, ())}
    for hop in range(HOPS):
        keys = {p for p in pointers if isinstance(p, tuple)}
        keys |= _resolve_canonicals(conn, {p for p in pointers if isinstance(p, str)})
        new = {k for k in keys if k[0] not in compartment_types and k not in found}
        if not new:
            break
        found |= new
        if hop + 1 < HOPS:
            pointers = {p for refs in _references_of(conn, new).values() for p in refs}
    return found


def _resolve_canonicals(conn: Connection, urls: set[str]) -> set[Key]:
    """Canonical references (a QuestionnaireResponse's questionnaire) to the stored resources with that url."""
    if not urls:
        return set()
    return {(t, i) for t, i in _rows(conn, _statements().canonicals, urls=sorted(urls))}


def _outside_period(conn: Connection, members: set[Key], bounds: tuple[int, int]) -> set[Key]:
    """Members whose clinical date (their type's `date` search parameter) misses the care period."""
    registry = get_registry()
    dated = {k for k in members if (p := registry.get(k[0], "date")) is not None and p.type == "date"}
    low, high = bounds
    inside: set[Key] = set()
    seen: set[Key] = set()
    for types, ids in _chunks(dated):
        for t, i, lo, hi in _rows(conn, _statements().dates, types=types, ids=ids):
            seen.add((t, i))
            if lo <= high and hi >= low:
                inside.add((t, i))
    return (seen & dated) - inside


def _load(conn: Connection, keys: set[Key]) -> dict[Key, Stored]:
    """Current, undeleted resources among `keys`. One query per chunk: type IN (...) AND id IN (...)
    is a primary-key lookup on both databases; the cross product it allows is filtered here."""
    out: dict[Key, Stored] = {}
    for types, ids in _chunks(keys):
        for t, i, updated, content in _rows(conn, _statements().load, types=types, ids=ids):
            if (t, i) in keys:
                out[(t, i)] = (updated, content)
    return out


def _chunks(keys: set[Key]) -> Iterable[tuple[list[str], list[str]]]:
    ordered = sorted(keys)
    for start in range(0, len(ordered), _CHUNK):
        chunk = ordered[start : start + _CHUNK]
        yield sorted({t for t, _ in chunk}), [i for _, i in chunk]


def _care_period(start: str | None, end: str | None) -> tuple[int, int] | None:
    if start is None and end is None:
        return None
    return (_date(start, "start")[0] if start else MIN_US), (_date(end, "end")[1] if end else MAX_US)


def _date(text: str, name: str) -> tuple[int, int]:
    try:
        return date_range(text)
    except DateFormatError:
        raise bad_request(f"{name} {text!r} is not a FHIR date", [name]) from None


def _query_hash(patient_id: str, types: frozenset[str] | None, since: int | None, start: str | None,
                end: str | None) -> str:
    text = orjson.dumps([patient_id, sorted(types) if types is not None else None, since, start, end])
    return hashlib.sha256(text).hexdigest()[:16]


def _encode_cursor(last: Key, binding: str) -> str:
    return encode_cursor(list(last), binding)


def _decode_cursor(cursor: str, binding: str) -> Key:
    try:
        t, i = decode_cursor(cursor, binding, width=2)
        if isinstance(t, str) and isinstance(i, str):
            return t, i
    except InvalidCursor:
        pass
    raise bad_request("The paging cursor is invalid or belongs to a different $everything request", [CURSOR_PARAM])


def _link_query(types: frozenset[str] | None, since: int | None, start: str | None, end: str | None,
                count: int) -> list[tuple[str, str]]:
    query: list[tuple[str, str]] = []
    if start:
        query.append(("start", start))
    if end:
        query.append(("end", end))
    if since is not None:
        query.append(("_since", us_to_instant(since)))
    if types is not None:
        query.append(("_type", ",".join(sorted(types))))
    query.append(("_count", str(count)))
    return query


# The handler ---------------------------------------------------------------------------------


def _one(params: dict[str, list[object]], name: str) -> str | None:
    values = params.get(name) or []
    if len(values) > 1:
        raise bad_request(f"$everything takes one {name!r}", [name])
    return str(values[0]) if values else None


def _types(params: dict[str, list[object]]) -> frozenset[str] | None:
    if "_type" not in params:
        return None
    names = {n.strip() for v in params["_type"] for n in str(v).split(",") if n.strip()}
    unknown = sorted(n for n in names if n not in SUPPORTED_TYPES)
    if unknown:
        raise bad_request(f"_type names resource types this server does not serve: {', '.join(unknown)}", ["_type"])
    return frozenset(names)


def _count(raw: str | None, maximum: int) -> int:
    if raw is None:
        return maximum
    return whole_number(raw, "_count", least=1, most=maximum)


def _searchable(who: Caller) -> Callable[[str], bool]:
    def may(res_type: str) -> bool:
        try:
            authorized(who, "search-type", res_type)
        except FhirError:
            return False
        return True

    return may


@operation("everything", {"instance"}, {"Patient"}, DEFINITION)
async def everything(call: OperationCall) -> Response:
    """Check the parameters, read one page in the thread pool, audit once with the Patient."""
    patient_id = call.res_id
    assert patient_id is not None
    authorized(call.caller, "read", "Patient")
    params = await read_parameters(call.request, DEFINITION)
    settings = call.request.app.state.settings
    base_url = settings.base_url.rstrip("/") + "/fhir"
    types, since = _types(params), parse_since(_one(params, "_since"))
    count, cursor = _count(_one(params, "_count"), settings.max_page_size), _one(params, CURSOR_PARAM)
    start, end = _one(params, "start"), _one(params, "end")
    repo = call.request.app.state.repo

    def read_page() -> str:
        with repo.reading() as conn:
            page = get_patient_everything(conn, patient_id, types, since, count, cursor, base_url,
                                          start=start, end=end, may_search=_searchable(call.caller))
        return page.bundle(base_url)

    body = await run_in_threadpool(read_page)
    call.caller.interaction = "operation"
    await audit(call.request, call.caller, "operation", "Patient", patient_id, query="$everything",
                patient=f"Patient/{patient_id}")
    return FhirResponse(body)
