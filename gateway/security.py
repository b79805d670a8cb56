"""Auth and audit wired into every request: the `caller` dependency, scope checks, audit calls.

Reads and searches are audited through the group-committing writer (the response waits until its
audit row is durable); writes are audited by a change hook inside the same database transaction as
the write, as the unit of work's `WriteContext` says (built here from the caller by
`write_context`), so a write and its audit commit together. Failures are audited by the error handlers.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request

from gateway.audit.entry import AuditEntry
from gateway.audit.writer import record_in
from gateway.auth.principal import authenticate, authorize
from gateway.monitoring import sessions
from gateway.monitoring.request_ids import current_client_request_id, current_request_id, new_request_id
from gateway.outcomes import forbidden
from gateway.repository.base import WriteContext, WriteEvent
from gateway.repository.unit import UnitOfWork
from gateway.request_context import Caller
from gateway.search.compartment import patient_of

_WRITE_INTERACTIONS = {"POST": "create", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}


async def caller(request: Request) -> Caller:
    """FastAPI dependency: the authenticated caller (401 without a valid bearer token)."""
    principal = authenticate(request.headers.get("authorization"), request.app.state.verifier)
    own, theirs = request_ids(request)
    who = Caller(principal, own, request.client.host if request.client else None, client_request_id=theirs)
    sessions.seen(principal.user)
    request.state.caller = who
    return who


def request_ids(request: Request) -> tuple[str, str | None]:
    """This request's id, made by the gateway (the metrics middleware in gateway/monitoring set it for
    the logs and the X-Request-ID header), and the client's own id to keep beside it when it sent a
    plain one (a client's id that is not plain never reaches the audit trail: the raw header is not read)."""
    del request  # the ids travel in context variables, set before the request reaches a route
    return current_request_id.get() or new_request_id(), current_client_request_id.get()


# Types a wildcard scope (user/*.rs) does not reach: reading who looked at whose record is for
# administrators, or for a token that names the type explicitly (e.g. system/AuditEvent.rs).
EXPLICIT_ONLY_TYPES = frozenset({"AuditEvent"})


def authorized(who: Caller, interaction: str, res_type: str) -> None:
    """403 unless the caller's scopes allow `interaction` on `res_type` ('*' = any type)."""
    who.interaction = interaction
    authorize(who.principal, interaction, res_type)
    if not _explicit_rule_met(who, res_type):
        raise forbidden(f"{who.principal.user} may not read the audit trail: it needs the admin role or a "
                        f"scope naming {res_type} explicitly (e.g. user/{res_type}.rs)")


def _explicit_rule_met(who: Caller, res_type: str) -> bool:
    if res_type not in EXPLICIT_ONLY_TYPES or who.principal.role == "admin":
        return True
    return any(scope.resource_type == res_type for scope in who.principal.scopes.scopes)


def may_read(who: Caller) -> Callable[[str], bool]:
    """Whether the caller may read resources of a type: what a search pulls in by `_include` or
    `_revinclude` is filtered with it, so an include never reaches past the caller's scopes."""

    def readable(res_type: str) -> bool:
        return who.principal.scopes.allows("r", res_type) and _explicit_rule_met(who, res_type)

    return readable


def _patient_of(res_type: str | None, res_id: str | None) -> str | None:
    return f"Patient/{res_id}" if res_type == "Patient" and res_id else None


async def audit(
    request: Request,
    who: Caller,
    interaction: str,
    res_type: str | None,
    res_id: str | None = None,
    query: str | None = None,
    status: int = 200,
    patient: str | None = None,
) -> None:
    """Record a read-side interaction; returns once the audit row is committed."""
    entry = AuditEntry(
        user=who.principal.user, role=who.principal.role, interaction=interaction, resource_type=res_type,
        resource_id=res_id, query=query, status=status, client=who.client, request_id=who.audit_request_id,
        patient=patient or _patient_of(res_type, res_id),
    )
    await request.app.state.audit_writer.record(entry)


async def audit_failure(request: Request, status: int) -> None:
    """Audit a request that failed (called by the error handlers). Unauthenticated attempts are
    recorded under the user 'anonymous'."""
    writer = getattr(request.app.state, "audit_writer", None)
    if writer is None or not writer.running or not request.url.path.startswith("/fhir"):
        return
    who: Caller | None = getattr(request.state, "caller", None)
    parts = [p for p in request.url.path.split("/") if p][1:]
    entry = AuditEntry(
        user=who.principal.user if who else "anonymous",
        role=who.principal.role if who else None,
        interaction=(who.interaction if who and who.interaction else request.method.lower()),
        resource_type=parts[0] if parts and parts[0][:1].isupper() else None,
        resource_id=parts[1] if len(parts) > 1 and not parts[1].startswith(("_", "$")) else None,
        query=str(request.url.query) or None, status=status,
        client=request.client.host if request.client else None,
        request_id=who.audit_request_id if who else request_ids(request)[0],
    )
    try:
        await writer.record(entry)
    except Exception:  # noqa: BLE001 - the original error is what the client must see
        return


def write_context(who: Caller, door: str = "rest") -> WriteContext:
    """Who writes and through which door, for the unit of work (and so for every hook)."""
    return WriteContext(user=who.principal.user, role=who.principal.role, door=door, client=who.client,
                        request_id=who.audit_request_id)


def audit_changes(unit: UnitOfWork, events: list[WriteEvent]) -> None:
    """Change hook: audit each write in its own transaction, as the unit's writer. Imports are
    audited once per run when the run starts (DESIGN section 11), not once per resource."""
    context = unit.context
    if context.door == "import":
        return
    for event in events:
        record_in(unit.conn, AuditEntry(
            user=context.user, role=context.role,
            interaction=_WRITE_INTERACTIONS.get(event.method, "update"),
            resource_type=event.res_type, resource_id=event.res_id,
            status=204 if event.method == "DELETE" else 200,
            client=context.client, request_id=context.request_id,
            patient=_patient_of(event.res_type, event.res_id) or patient_of(event.after),
        ))

