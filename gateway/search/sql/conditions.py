"""WHERE conditions for search filters: one `IN (SELECT res_id FROM search_x ...)` per filter.

A non-correlated `IN` subquery (rather than a correlated `EXISTS`) lets SQLite drive the search from
the index table's `(res_type, param, value)` index and then look resources up by primary key;
PostgreSQL plans both forms as the same semi-join. Values of one filter are ORed inside the subquery,
filters are ANDed. Comparison rules per prefix follow https://hl7.org/fhir/R4/search.html#prefix
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Table, and_, false, literal, not_, or_, select, true

from gateway.search.dates import now_us
from gateway.search.request import Filter
from gateway.search.values import normalise
from gateway.search.values_parse import QuantityValue, RangeValue, ReferenceValue, TextValue, TokenValue
from gateway.storage.index_tables import INDEX_TABLES, search_reference
from gateway.storage.tables import resources

_TOP = "\U0010ffff"  # sorts after every character: `norm < prefix + _TOP` bounds a prefix range
_DAY_US = 86_400_000_000


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def filter_condition(rtype: str, f: Filter, id_col: ColumnElement[Any] | None = None) -> ColumnElement[bool]:
    """The condition one filter puts on `id_col` (default `resources.res_id`) for type `rtype`."""
    id_col = resources.c.res_id if id_col is None else id_col
    if f.code == "_id":
        ids = [v.text for v in f.values if isinstance(v, TextValue)]
        return id_col.not_in(ids) if f.modifier == "not" else id_col.in_(ids)
    if f.code == "_lastUpdated":
        col = resources.c.last_updated
        return or_(*(_range(v, col, col) for v in f.values if isinstance(v, RangeValue)))
    table = INDEX_TABLES[f.type]
    owned = select(table.c.res_id).where(table.c.res_type == rtype, table.c.param == f.code)
    if f.modifier == "missing":
        return id_col.not_in(owned) if f.missing else id_col.in_(owned)
    if f.chain is not None:
        ref = search_reference
        targets = [
            and_(ref.c.target_type == t, ref.c.target_id.in_(select(resources.c.res_id).where(
                resources.c.res_type == t, resources.c.deleted == false(), filter_condition(t, inner)
            )))
            for t, inner in zip(f.chain.target_types, f.chain.filters)
        ]  # fmt: skip
        return id_col.in_(select(ref.c.res_id).where(ref.c.res_type == rtype, ref.c.param == f.code, or_(*targets)))
    matched = id_col.in_(owned.where(or_(*(value_condition(table, f, v) for v in f.values))))
    return not_(matched) if f.modifier == "not" else matched


def value_condition(t: Table, f: Filter, v: Any) -> ColumnElement[bool]:
    """One value against one index row."""
    c = t.c
    if f.type == "token":
        if f.modifier == "text":
            return c.text.like(f"%{_like(normalise(v.text))}%", escape="\\")
        return _token(c.system, c.code, v) if f.modifier != "of-type" else and_(
            c.code == v.code, _eq_or_any(c.type_system, v.type_system), _eq_or_any(c.type_code, v.type_code)
        )  # fmt: skip
    if f.type == "string":
        if f.modifier == "exact":
            return c.exact == v.text  # type: ignore[no-any-return]
        norm = normalise(v.text)
        if f.modifier == "contains":
            return c.norm.like(f"%{_like(norm)}%", escape="\\")
        return and_(c.norm >= norm, c.norm < norm + _TOP)
    if f.type == "uri":
        if f.modifier == "below":
            return c.value.like(f"{_like(v.text)}%", escape="\\")
        if f.modifier == "above":
            return literal(v.text).like(c.value + "%")
        return c.value == v.text  # type: ignore[no-any-return]
    if f.type == "date":
        return _range(v, c.low, c.high)
    if f.type == "number":
        return _range(v, c.value, c.value, exclusive_high=True)
    if f.type == "quantity":
        return and_(_range(v, c.low, c.high, exclusive_high=True), *_units(t, v))
    if f.type == "reference":
        return _reference(t, f, v)
    raise ValueError(f"no condition for {f.type}")


def _eq_or_any(col: Any, value: str | None) -> ColumnElement[bool]:
    return true() if value is None else col == value


def _token(system: Any, code: Any, v: TokenValue) -> ColumnElement[bool]:
    parts = []
    if v.code is not None:
        parts.append(code == v.code)
    if not v.any_system:
        parts.append(system.is_(None) if v.system is None else system == v.system)
    return and_(*parts)


def _units(t: Table, v: QuantityValue) -> list[ColumnElement[bool]]:
    out: list[ColumnElement[bool]] = []
    if v.system is not None:
        out.append(t.c.system == v.system)
    if v.code is not None:
        out.append(t.c.code == v.code if v.system is not None else or_(t.c.code == v.code, t.c.unit == v.code))
    return out


def _reference(t: Table, f: Filter, v: Any) -> ColumnElement[bool]:
    c = t.c
    if isinstance(v, TokenValue):  # :identifier
        return _token(c.ident_system, c.ident_value, v)
    assert isinstance(v, ReferenceValue)
    if v.url is not None:
        return c.url == v.url
    return and_(c.target_id == v.target_id, _eq_or_any(c.target_type, v.target_type))


def _range(v: RangeValue | QuantityValue, low: Any, high: Any, exclusive_high: bool = False) -> ColumnElement[bool]:
    """Target range [low, high] against search range [v.low, v.high] for the value's prefix.

    Dates are inclusive ranges on both sides; numbers and quantities compare their value against the
    half-open precision range `[v.low, v.high)` for eq/ne and against the exact value otherwise.
    """
    sl, sh, x = v.low, v.high, v.value
    contained = and_(low >= sl, high < sh) if exclusive_high else and_(low >= sl, high <= sh)
    p = v.prefix
    if p == "eq":
        return contained
    if p == "ne":
        return not_(contained)
    if exclusive_high:  # numbers and quantities: against the value itself
        ops: dict[str, ColumnElement[bool]] = {
            "gt": high > x,
            "lt": low < x,
            "ge": high >= x,
            "le": low <= x,
            "sa": low > x,
            "eb": high < x,
        }
        if p in ops:
            return ops[p]
        margin = abs(x) * 0.1
        return and_(low <= x + margin, high >= x - margin)
    above, below = high > sh, low < sl
    ops = {"gt": above, "lt": below, "ge": or_(above, contained), "le": or_(below, contained),
           "sa": low > sh, "eb": high < sl}  # fmt: skip
    if p in ops:
        return ops[p]
    margin = max(abs(now_us() - sl) // 10, _DAY_US)
    return and_(low <= sh + margin, high >= sl - margin)
