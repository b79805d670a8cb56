"""Who may start an export and who may see one: system-level read scopes, and the job's owner.

Bulk export is for system clients (SMART Backend Services), so it takes `system/` scopes: `r` and
`s` on each type exported (`system/*.rs` for everything). A job belongs to the subject and client that
started it, not to one token; a caller whose system scopes cover every type in the job could start
the same export itself, so it may see this one too. See
https://hl7.org/fhir/smart-app-launch/backend-services.html and DESIGN.md section 11.
"""

from __future__ import annotations

from collections.abc import Iterable

from gateway.auth.principal import Principal
from gateway.outcomes import forbidden

_NEEDED = ("r", "s")


def may_export(principal: Principal, res_type: str) -> bool:
    """Whether the principal's system scopes grant reading and searching `res_type`."""
    system = [s for s in principal.scopes.scopes if s.context == "system"]
    return all(any(s.grants(p, res_type) for s in system) for p in _NEEDED)


def require_export(principal: Principal, types: Iterable[str]) -> None:
    """403 naming the first scope the principal lacks for exporting `types`."""
    for res_type in types:
        if not may_export(principal, res_type):
            raise forbidden(f"{principal.user} may not export {res_type}: bulk export needs the scope "
                            f"system/{res_type}.rs (or system/*.rs)")


def owns(principal: Principal, owner_user: str, owner_client: str | None) -> bool:
    return principal.user == owner_user and principal.client_id == owner_client


def require_job_access(principal: Principal, owner_user: str, owner_client: str | None, types: Iterable[str]) -> None:
    """403 unless the principal owns the job or holds the system scopes for every type in it."""
    if owns(principal, owner_user, owner_client):
        return
    lacking = [t for t in types if not may_export(principal, t)]
    if lacking:
        raise forbidden(f"This export belongs to another user or client; {principal.user} would need "
                        f"system/{lacking[0]}.rs (or system/*.rs) to read it")
