"""History Bundles (instance, type, system). See https://hl7.org/fhir/R4/http.html#history"""

from __future__ import annotations

from urllib.parse import urlencode

from gateway.bundle_json import bundle_json, entry_json
from gateway.outcomes import bad_request
from gateway.repository.base import HistoryPage
from gateway.storage.times import instant_to_us, us_to_instant


def parse_since(value: str | None) -> int | None:
    if not value:
        return None
    try:
        return instant_to_us(value if "T" in value else value + "T00:00:00+00:00")
    except ValueError:
        raise bad_request(f"_since {value!r} is not a FHIR instant", ["_since"]) from None


def history_bundle(page: HistoryPage, base_url: str, path: str, params: dict[str, str]) -> str:
    """A `history` Bundle for a page, newest first, with a `next` link while more remain."""
    entries = []
    for stored, method in page.entries:
        full_url = f"{base_url}/{stored.res_type}/{stored.res_id}"
        url = f"{stored.res_type}/{stored.res_id}" if method != "POST" else stored.res_type
        status = "201 Created" if method == "POST" else ("204 No Content" if stored.deleted else "200 OK")
        extra = {
            "request": {"method": method, "url": url},
            "response": {"status": status, "etag": stored.etag, "lastModified": us_to_instant(stored.last_updated)},
        }
        entries.append(entry_json(full_url, stored.content, extra))
    links = [("self", f"{base_url}/{path}" + (f"?{urlencode(params)}" if params else ""))]
    if page.next_cursor:
        links.append(("next", f"{base_url}/{path}?{urlencode({**params, '_cursor': page.next_cursor})}"))
    return bundle_json("history", entries, total=page.total, links=links)
