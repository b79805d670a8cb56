"""Bounds on the size of one search: parameters, comma-separated values, `_sort` keys.

Each value becomes SQL: 600 ORed names overflowed SQLite's expression depth (a 500), 2,000
repeated `name=` ran for minutes on PostgreSQL and 60 `_sort` keys for half a minute on SQLite.
Checked before anything is parsed, so an oversized search costs nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from gateway.outcomes import bad_request, too_costly


def _value_count(raw: str) -> int:
    """Comma-separated values in `raw`, escaped commas (`\\,`) not counted as separators."""
    return raw.count(",") - raw.count("\\,") + 1


def check_search_size(params: Sequence[tuple[str, str]], *, max_params: int, max_values: int,
                      max_sort_keys: int) -> None:
    """400 (too-costly) naming the limit when a search is bigger than the settings allow; 400 for a
    NUL in a name or value (a form body or a Bundle entry's search URL, which the URL check in
    body.py does not see)."""
    for name, raw in params:
        if "\x00" in name or "\x00" in raw:  # PostgreSQL text cannot hold it: a 500 there, not a match
            raise bad_request(f"The search parameter {name[:40]!r} contains a NUL character, which is not accepted",
                              [name[:40]])
    if len(params) > max_params:
        raise too_costly(f"The search has {len(params)} parameters; at most {max_params} are accepted "
                         "(GATEWAY_MAX_SEARCH_PARAMS)")
    sort_keys = 0
    for name, raw in params:
        count = _value_count(raw)
        if name == "_sort":
            sort_keys += count
        elif count > max_values:
            raise too_costly(f"{name} has {count} comma-separated values; at most {max_values} are accepted "
                             "(GATEWAY_MAX_SEARCH_VALUES)", [name])
    if sort_keys > max_sort_keys:
        raise too_costly(f"_sort has {sort_keys} keys; at most {max_sort_keys} are accepted (GATEWAY_MAX_SORT_KEYS)",
                         ["_sort"])
