"""An external OpenID Connect issuer's signing keys, fetched from its JWKS and cached.

See https://www.rfc-editor.org/rfc/rfc7517#section-5 (JWK Set) and
https://openid.net/specs/openid-connect-core-1_0.html#RotateSigKeys (rotation by new `kid`).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

import httpx
from jwt import PyJWK
from jwt.exceptions import PyJWKError

from gateway.outcomes import unauthorized

# Which `alg` values each key type can verify; a JWK without `alg` accepts any of its family.
_FAMILY = {
    "RSA": ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512"),
    "EC": ("ES256", "ES384", "ES512"),
    "OKP": ("EdDSA",),
}


@dataclass(frozen=True)
class RemoteKey:
    """One published key and the algorithms a token signed with it may name."""

    jwk: PyJWK
    algorithms: tuple[str, ...]


class RemoteKeySet:
    """Signing keys by `kid`, loaded from `url` on first use and again when a token names a `kid` the
    cache lacks (the issuer rotated) or the set is older than `max_age` (a key was withdrawn).

    Refetches are rate-limited to one per `min_refresh` seconds, so a stream of tokens with made-up
    `kid`s cannot turn the gateway into a load generator against the issuer.
    """

    def __init__(
        self,
        url: str,
        client: httpx.Client | None = None,
        timeout: float = 5.0,
        min_refresh: float = 30.0,
        max_age: float = 3600.0,
    ) -> None:
        self.url = url
        self._client = client or httpx.Client(timeout=timeout)
        self._timeout = timeout
        self._min_refresh = min_refresh
        self._max_age = max_age
        self._keys: dict[str | None, RemoteKey] = {}
        self._fetched_at: float | None = None
        self._lock = threading.Lock()
        self.fetches = 0

    def key_for(self, kid: str | None) -> RemoteKey:
        """The key a token's header names; raises 401 when the issuer does not publish it."""
        now = time.monotonic()
        stale = self._fetched_at is None or now - self._fetched_at > self._max_age
        if stale or self._lookup(kid) is None:
            self._refresh(force=stale)
        key = self._lookup(kid)
        if key is None:
            raise unauthorized(f"token signed with unknown key id {kid!r}")
        return key

    def _lookup(self, kid: str | None) -> RemoteKey | None:
        if kid is None and len(self._keys) == 1:
            return next(iter(self._keys.values()))
        return self._keys.get(kid)

    def _refresh(self, force: bool) -> None:
        with self._lock:
            now = time.monotonic()
            if not force and self._fetched_at is not None and now - self._fetched_at < self._min_refresh:
                return
            try:
                response = self._client.get(self.url, timeout=self._timeout)
                response.raise_for_status()
                document = response.json()
            except (httpx.HTTPError, ValueError) as exc:
                if self._keys:  # keep serving the keys we have; the issuer may be briefly down
                    self._fetched_at = now
                    return
                raise unauthorized(f"cannot fetch the issuer's signing keys from {self.url}: {exc}") from exc
            self._keys = _parse_jwks(document)
            self._fetched_at = now
            self.fetches += 1


def _parse_jwks(document: Any) -> dict[str | None, RemoteKey]:
    """Signature keys from a JWKS document, skipping encryption keys and ones PyJWT cannot use."""
    keys: dict[str | None, RemoteKey] = {}
    for jwk in document.get("keys", []) if isinstance(document, dict) else []:
        if not isinstance(jwk, dict) or jwk.get("use", "sig") != "sig":
            continue
        family = _FAMILY.get(str(jwk.get("kty")), ())
        declared = jwk.get("alg")
        algorithms = (declared,) if declared in family else family if declared is None else ()
        if not algorithms:
            continue
        try:
            keys[jwk.get("kid")] = RemoteKey(PyJWK(jwk, algorithm=algorithms[0]), algorithms)
        except PyJWKError:
            continue
    return keys
