"""Search Bundles. See https://hl7.org/fhir/R4/search.html"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

import orjson

from gateway.bundle_json import bundle_json, entry_json
from gateway.outcomes import outcome
from gateway.repository.sql import SqlRepository
from gateway.search.params import parse_search
from gateway.search.sql import execute_search

CURSOR_PARAM = "_cursor"


def search_bundle(
    repo: SqlRepository,
    res_type: str,
    params: list[tuple[str, str]],
    base_url: str,
    strict: bool,
    *,
    readable: Callable[[str], bool],
) -> str:
    """Run a search and return the `searchset` Bundle for the requested page.

    `readable` says which types the caller may read: included resources of other types are left
    out (and the Bundle says how many), because an include must not reach past the caller's scopes."""
    request = parse_search(res_type, params, base_url=base_url, strict=strict)
    with repo.reading() as conn:
        page = execute_search(conn, request)
    entries = [
        entry_json(f"{base_url}/{t}/{i}", content, {"search": {"mode": "match"}})
        for (t, i, _v, content) in page.entries
    ]
    allowed = {t: readable(t) for t in {e[0] for e in page.included}}
    entries += [
        entry_json(f"{base_url}/{t}/{i}", content, {"search": {"mode": "include"}})
        for (t, i, _v, content) in page.included
        if allowed[t]
    ]
    warnings = []
    ignored = list(getattr(request, "ignored", ()) or ())
    if ignored:
        warnings.append(f"Ignored unknown search parameters: {', '.join(ignored)}")
    withheld = sorted(t for t, ok in allowed.items() if not ok)
    if withheld:
        warnings.append(f"Included resources left out, outside the token's scopes: {', '.join(withheld)}")
    if warnings:
        warning = {"resourceType": "OperationOutcome",
                   "issue": [outcome("warning", "not-supported", text)["issue"][0] for text in warnings]}
        entries.append(
            entry_json("urn:uuid:search-warnings", orjson.dumps(warning).decode(), {"search": {"mode": "outcome"}})
        )
    own = [(k, v) for k, v in params if k != CURSOR_PARAM]
    links = [("self", f"{base_url}/{res_type}" + (f"?{urlencode(own)}" if own else ""))]
    if page.next_cursor:
        links.append(("next", f"{base_url}/{res_type}?{urlencode([*own, (CURSOR_PARAM, page.next_cursor)])}"))
    return bundle_json("searchset", entries, total=page.total, links=links)
