"""`_include` and `_revinclude`: resources the page's matches point at, or that point at them.

Both read the reference index rather than the JSON, so an include costs two indexed queries per
directive. `:iterate` directives are applied again to what the previous round added, up to
`MAX_ROUNDS`. See https://hl7.org/fhir/R4/search.html#include
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, false, select

from gateway.search.request import Include, SearchRequest
from gateway.storage.index_tables import search_reference
from gateway.storage.tables import resources

Entry = tuple[str, str, int, str]  # (res_type, res_id, version, content JSON text)
Key = tuple[str, str]
MAX_ROUNDS = 4
ANY = "*"
_CHUNK = 500


def _targets(conn: Connection, inc: Include, sources: dict[str, list[str]]) -> set[Key]:
    ref = search_reference.c
    found: set[Key] = set()
    if inc.reverse:
        for target_type, ids in sources.items():
            for chunk in _chunks(ids):
                q = select(ref.res_type, ref.res_id).where(ref.target_type == target_type, ref.target_id.in_(chunk))
                if inc.source_type != ANY:
                    q = q.where(ref.res_type == inc.source_type)
                if inc.param != ANY:
                    q = q.where(ref.param == inc.param)
                if inc.target_type is None or inc.target_type == target_type:
                    found.update((t, i) for t, i in conn.execute(q))
        return found
    source_types = list(sources) if inc.source_type == ANY else [inc.source_type]
    for source_type in source_types:
        for chunk in _chunks(sources.get(source_type, [])):
            q = select(ref.target_type, ref.target_id).where(
                ref.res_type == source_type, ref.res_id.in_(chunk), ref.target_id.is_not(None)
            )
            if inc.param != ANY:
                q = q.where(ref.param == inc.param)
            if inc.target_type:
                q = q.where(ref.target_type == inc.target_type)
            found.update((t, i) for t, i in conn.execute(q) if t)
    return found


def _load(conn: Connection, keys: Iterable[Key]) -> list[Entry]:
    by_type: dict[str, list[str]] = {}
    for t, i in keys:
        by_type.setdefault(t, []).append(i)
    r = resources.c
    out: list[Entry] = []
    for t, ids in sorted(by_type.items()):
        for chunk in _chunks(sorted(ids)):
            q = select(r.res_type, r.res_id, r.version, r.content).where(
                r.res_type == t, r.res_id.in_(chunk), r.deleted == false()
            )
            out.extend((a, b, c, d) for a, b, c, d in conn.execute(q.order_by(r.res_id)))
    return out


def _chunks(ids: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def fetch_included(conn: Connection, req: SearchRequest, matches: list[Entry]) -> list[Entry]:
    """Resources to add with `search.mode = include`, without repeating a match."""
    seen: set[Key] = {(e[0], e[1]) for e in matches}
    frontier: dict[str, list[str]] = {}
    for t, i, _, _ in matches:
        frontier.setdefault(t, []).append(i)
    directives = [*req.includes, *req.revincludes]
    included: list[Entry] = []
    for round_no in range(MAX_ROUNDS):
        active = directives if round_no == 0 else [d for d in directives if d.iterate]
        wanted: set[Key] = set()
        for inc in active:
            wanted |= _targets(conn, inc, frontier)
        new = _load(conn, wanted - seen)
        if not new:
            break
        included.extend(new)
        seen.update((e[0], e[1]) for e in new)
        frontier = {}
        for t, i, _, _ in new:
            frontier.setdefault(t, []).append(i)
    return included
