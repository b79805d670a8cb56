"""JWT bearer tokens: minting development tokens and verifying every token the gateway is shown.

See https://www.rfc-editor.org/rfc/rfc7519 (JWT) and https://www.rfc-editor.org/rfc/rfc8725 (JWT BCP:
pin the algorithms, never accept `none`, check `iss`/`aud`/`exp`).
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
import time
import uuid
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

import httpx
import jwt

from gateway.auth.keys import LocalKey, ensure_local_key
from gateway.auth.principal import Principal
from gateway.auth.remote_keys import RemoteKeySet
from gateway.auth.roles import default_roles
from gateway.auth.scopes import ScopeSet, parse_scope
from gateway.outcomes import unauthorized
from gateway.settings import Settings

# Tolerated clock difference between the issuer and the gateway (exp, nbf, iat).
LEEWAY_SECONDS = 30
# Asymmetric algorithms only: HS* would let anyone holding the (public) verification key mint tokens.
ALLOWED_ALGORITHMS = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"})
# Scopes an OpenID Connect client may ask for that are not resource scopes; minting accepts them.
NON_RESOURCE_SCOPES = frozenset(
    {"openid", "profile", "fhirUser", "offline_access", "online_access", "launch", "launch/patient"}
)
_REQUIRED_CLAIMS = ["exp", "iss", "aud", "sub"]
# How each refusal reads (checked in order: the first kind the error is wins); anything else is malformed.
_REFUSALS: tuple[tuple[type[jwt.InvalidTokenError], str], ...] = (
    (jwt.ExpiredSignatureError, "token expired"),
    (jwt.InvalidAudienceError, "wrong audience: the token is not for {audience!r}"),
    (jwt.InvalidIssuerError, "wrong issuer: tokens must come from {issuer!r}"),
    (jwt.ImmatureSignatureError, "token not yet valid (nbf/iat in the future)"),
    (jwt.InvalidSignatureError, "bad signature"),
    (jwt.MissingRequiredClaimError, "malformed token: missing claim {claim!r}"),
)


def mint_token(
    settings: Settings,
    user: str,
    role: str,
    teams: Iterable[str] = (),
    scopes: Iterable[str] | None = None,
    lifetime: timedelta | None = None,
    client_id: str | None = None,
) -> str:
    """A development token signed with the local key. Without `scopes` the role's defaults apply;
    `client_id` names the OAuth client, as a system client's token does.

    Raises UnknownRole for a role `roles.json` does not define and ValueError for a scope that is
    neither a SMART resource scope nor a known OpenID Connect one (a typo would otherwise yield a
    token that is forbidden everything, which is hard to diagnose).
    """
    role_def = default_roles().get(role)
    scope_list = list(role_def.default_scopes if scopes is None else scopes)
    bad = [s for s in scope_list if parse_scope(s) is None and s not in NON_RESOURCE_SCOPES]
    if bad:
        raise ValueError(f"malformed scopes {bad}: expected e.g. user/Observation.rs or system/*.cruds")
    key = ensure_local_key(settings.key_dir)
    now = int(time.time())
    life = lifetime if lifetime is not None else timedelta(minutes=settings.token_lifetime_minutes)
    claims: dict[str, Any] = {
        "iss": settings.token_issuer,
        "aud": settings.token_audience,
        "sub": user,
        "iat": now,
        "nbf": now,
        "exp": now + int(life.total_seconds()),
        "jti": uuid.uuid4().hex,
        "scope": " ".join(scope_list),
        "role": role,
        "teams": list(teams),
    }
    if client_id:
        claims["client_id"] = client_id
    return jwt.encode(claims, key.private_key, algorithm=key.algorithm, headers={"kid": key.kid})


class TokenVerifier:
    """Verifies bearer tokens against the local key or, when `settings.jwks_url` is set, the issuer's JWKS.

    Successful verifications are cached by token string (bounded, oldest evicted first) until the
    token expires, so the signature check runs once per token rather than once per request. A cached
    token therefore keeps working until its `exp` even if the issuer withdraws its key meanwhile;
    token lifetimes bound that window.
    """

    def __init__(
        self,
        settings: Settings,
        http_client: httpx.Client | None = None,
        local_key: LocalKey | None = None,
        cache_size: int = 10_000,
    ) -> None:
        self.issuer = settings.token_issuer
        self.audience = settings.token_audience
        self._remote = RemoteKeySet(settings.jwks_url, http_client) if settings.jwks_url else None
        self._local = None if self._remote else (local_key or ensure_local_key(settings.key_dir))
        self._cache: dict[str, Principal] = {}
        self._cache_size = cache_size
        self._cache_lock = threading.Lock()

    def verify(self, token: str) -> Principal:
        """The principal a token speaks for; raises 401 (`gateway.outcomes.unauthorized`) saying why not."""
        cached = self._cache.get(token)
        if cached is not None:
            if cached.expires + LEEWAY_SECONDS > time.time():
                return cached
            with self._cache_lock:
                self._cache.pop(token, None)
        principal, cacheable = self._verify_uncached(token)
        if cacheable:
            self._remember(token, principal)
        return principal

    def _verify_uncached(self, token: str) -> tuple[Principal, bool]:
        # Pick the key and pin the algorithm from our side, never from the token alone.
        header = _header(token)
        alg = header.get("alg")
        if alg not in ALLOWED_ALGORITHMS:
            raise unauthorized(f"token algorithm {alg!r} is not accepted")
        key, algorithms = self._key_for(header.get("kid"))
        if alg not in algorithms:
            raise unauthorized(f"token algorithm {alg!r} does not match its signing key")

        # Check signature and registered claims.
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[alg],
                audience=self.audience,
                issuer=self.issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": _REQUIRED_CLAIMS},
            )
        except jwt.InvalidTokenError as exc:
            raise unauthorized(self._refusal(exc)) from exc

        principal = _principal_from(claims)
        # Only a token already inside its validity window may skip these checks next time.
        cacheable = int(claims.get("nbf", 0)) <= time.time()
        return principal, cacheable

    def _refusal(self, exc: jwt.InvalidTokenError) -> str:
        """What the caller is told about a token PyJWT refused: the first kind in `_REFUSALS` it is."""
        message = next((m for kind, m in _REFUSALS if isinstance(exc, kind)), "malformed token: {error}")
        return message.format(audience=self.audience, issuer=self.issuer, claim=getattr(exc, "claim", None), error=exc)

    def _key_for(self, kid: Any) -> tuple[Any, tuple[str, ...]]:
        if self._remote is not None:
            remote = self._remote.key_for(kid if isinstance(kid, str) else None)
            return remote.jwk.key, remote.algorithms
        assert self._local is not None
        if kid is not None and kid != self._local.kid:
            raise unauthorized(f"token signed with unknown key id {kid!r}")
        return self._local.public_key, (self._local.algorithm,)

    def _remember(self, token: str, principal: Principal) -> None:
        with self._cache_lock:
            while len(self._cache) >= self._cache_size:
                self._cache.pop(next(iter(self._cache)))
            self._cache[token] = principal


def _header(token: str) -> dict[str, Any]:
    """The JOSE header, read directly: PyJWT's own reader validates all three segments character by
    character in Python, which was a third of a cold verification; `jwt.decode` checks them anyway."""
    segment = token.split(".", 1)[0]
    if token.count(".") != 2:
        raise unauthorized("malformed token: expected three dot-separated segments")
    try:
        header = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (ValueError, binascii.Error) as exc:
        raise unauthorized("malformed token: header is not base64url-encoded JSON") from exc
    if not isinstance(header, dict):
        raise unauthorized("malformed token: header is not a JSON object")
    return header


def _principal_from(claims: dict[str, Any]) -> Principal:
    """Map claims to a principal, tolerating the usual issuer variations (`scp` list, `roles` list)."""
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub:
        raise unauthorized("malformed token: 'sub' must be a non-empty string")
    scope_claim = claims.get("scope", claims.get("scp", ""))
    if not isinstance(scope_claim, (str, list)):
        raise unauthorized("malformed token: 'scope' must be a string")
    role = claims.get("role")
    if role is None and isinstance(claims.get("roles"), list) and claims["roles"]:
        role = claims["roles"][0]
    teams = claims.get("teams", [])
    if isinstance(teams, str):
        teams = [teams]
    if not isinstance(teams, list):
        raise unauthorized("malformed token: 'teams' must be a list")
    return Principal(
        user=sub,
        role=str(role) if role is not None else None,
        teams=tuple(str(t) for t in teams),
        scopes=ScopeSet.parse([str(s) for s in scope_claim] if isinstance(scope_claim, list) else scope_claim),
        token_id=str(claims["jti"]) if "jti" in claims else None,
        expires=int(claims["exp"]),
        client_id=_client_of(claims),
    )


def _client_of(claims: dict[str, Any]) -> str | None:
    """The client a token was issued to: `client_id` (RFC 9068 access tokens), else OpenID's `azp`."""
    value = claims.get("client_id", claims.get("azp"))
    return str(value) if isinstance(value, str) and value else None
