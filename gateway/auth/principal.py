"""Who is calling (from a verified token) and whether their scopes cover what they ask to do.

See https://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from gateway.auth.scopes import CONTEXTS, ScopeSet, permission_for
from gateway.outcomes import forbidden, unauthorized

_VERBS = {"c": "create", "r": "read", "u": "update", "d": "delete", "s": "search"}


@dataclass(frozen=True)
class Principal:
    """The authenticated caller of one request.

    `teams` (CareTeam ids) and `role` travel with the principal so that caseload and consent checks
    can later narrow what the scopes allow to the people a user works with.
    """

    user: str
    role: str | None
    teams: tuple[str, ...]
    scopes: ScopeSet
    token_id: str | None
    expires: int  # exp claim, seconds since the epoch
    # The OAuth client the token was issued to (`client_id`, RFC 9068, or `azp`): with `user`, who owns
    # what a request leaves behind (a bulk export job), whichever of that client's tokens asks later.
    client_id: str | None = None


class Verifier(Protocol):
    def verify(self, token: str) -> Principal: ...


def authenticate(authorization_header: str | None, verifier: Verifier) -> Principal:
    """The principal behind an `Authorization: Bearer <jwt>` header; 401 when it is missing, not
    Bearer, or the token does not verify. See https://www.rfc-editor.org/rfc/rfc6750#section-2.1
    """
    if not authorization_header:
        raise unauthorized("missing Authorization header: send 'Authorization: Bearer <token>'")
    scheme, _, token = authorization_header.strip().partition(" ")
    if scheme.lower() != "bearer":
        raise unauthorized(f"unsupported authorization scheme {scheme!r}: use Bearer")
    token = token.strip()
    if not token:
        raise unauthorized("empty bearer token")
    return verifier.verify(token)


def authorize(principal: Principal, interaction: str, resource_type: str) -> None:
    """Raise 403 unless the principal's scopes grant `interaction` on `resource_type`.

    `interaction` is a SMART permission letter (c, r, u, d, s) or a FHIR interaction name
    (`read`, `search-type`, `patch`...). The message names the scope that would have allowed it.
    """
    permission = permission_for(interaction)
    if principal.scopes.allows(permission, resource_type):
        return
    needed = " or ".join(f"{ctx}/{resource_type}.{permission}" for ctx in CONTEXTS)
    raise forbidden(
        f"{principal.user} may not {_VERBS[permission]} {resource_type}: the token lacks a scope "
        f"granting it ({needed}, or a wildcard such as user/*.{permission})"
    )
