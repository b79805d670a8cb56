"""Read the team's caseload once in the background when a gateway starts serving, for each role that
uses the pages, so the first nurse to open it does not wait for every record to be read (about 5 s for
500 people). On only for `gateway serve` (`GATEWAY_PAGES_WARM_CASELOAD`): test apps start by the hundred."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from gateway.auth.roles import default_roles
from gateway.auth.scopes import ScopeSet, parse_scope
from gateway.pages.caseload_cache import CaseloadCache
from gateway.resource_types import SUPPORTED_TYPES
from gateway.security import EXPLICIT_ONLY_TYPES

log = logging.getLogger(__name__)
PAGE_ROLES = ("nurse", "social-worker", "admin")


def role_readable_types(role: str) -> set[str]:
    """The types a page user of `role` reads with the role's default scopes (as `readable_types` computes)."""
    scopes = ScopeSet(tuple(s for s in (parse_scope(t) for t in default_roles().get(role).default_scopes) if s))
    return {t for t in SUPPORTED_TYPES if scopes.allows("r", t) and (t not in EXPLICIT_ONLY_TYPES or role == "admin")}


def warm_caseload(state: Any, as_of: date) -> None:
    """Fill this process's caseload cache for each page role's view of today."""
    cache: CaseloadCache = state.__dict__.setdefault("caseload_cache", CaseloadCache())
    try:
        with state.repo.reading() as conn:
            for role in PAGE_ROLES:
                cache(conn, role_readable_types(role), as_of)
    except Exception:  # noqa: BLE001 - a warm-up that fails costs the first reader time, nothing else
        log.exception("warming the caseload failed")
