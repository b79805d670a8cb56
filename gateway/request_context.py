"""Who is calling and what they may do, for the span of one request.

Set once per request by the security dependency. Writes carry it into the repository explicitly,
as the unit of work's `WriteContext` (see `gateway.security.write_context`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gateway.auth.principal import Principal


@dataclass(slots=True)
class Caller:
    """The authenticated principal plus request facts the audit trail needs."""

    principal: Principal
    request_id: str
    client: str | None = None
    interaction: str = ""
    audited_writes: list[str] = field(default_factory=list)
    client_request_id: str | None = None  # the client's own X-Request-Id, when well-formed

    @property
    def audit_request_id(self) -> str:
        """The request id as the audit trail keeps it: the gateway's, then the client's beside it."""
        return f"{self.request_id} {self.client_request_id}" if self.client_request_id else self.request_id

