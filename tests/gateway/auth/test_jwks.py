"""Production mode: tokens verified against an external issuer's JWKS, served here by httpx.MockTransport."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from gateway.auth.tokens import TokenVerifier
from gateway.outcomes import FhirError
from gateway.settings import Settings

JWKS_URL = "https://idp.example/.well-known/jwks.json"


class Issuer:
    """A stub OpenID Connect issuer: a set of keys, a JWKS endpoint and a count of fetches."""

    def __init__(self) -> None:
        self.keys: dict[str, Any] = {}
        self.fetches = 0
        self.down = False

    def add_rsa(self, kid: str) -> rsa.RSAPrivateKey:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.keys[kid] = key
        return key

    def add_ec(self, kid: str) -> ec.EllipticCurvePrivateKey:
        key = ec.generate_private_key(ec.SECP256R1())
        self.keys[kid] = key
        return key

    def handler(self, request: httpx.Request) -> httpx.Response:
        assert str(request.url) == JWKS_URL
        self.fetches += 1
        if self.down:
            return httpx.Response(503)
        out = []
        for kid, key in self.keys.items():
            if isinstance(key, rsa.RSAPrivateKey):
                jwk = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
            else:
                jwk = ECAlgorithm.to_jwk(key.public_key(), as_dict=True)
            jwk["kid"] = kid
            out.append(jwk)
        out.append({"kty": "RSA", "use": "enc", "kid": "encryption-only", "n": "AQAB", "e": "AQAB"})
        return httpx.Response(200, json={"keys": out})

    def token(self, kid: str, settings: Settings, alg: str = "RS256", **extra: Any) -> str:
        now = int(time.time())
        payload = {
            "iss": settings.token_issuer,
            "aud": settings.token_audience,
            "sub": "ext-user",
            "exp": now + 300,
            "iat": now,
            "scp": ["user/Patient.rs"],
            "roles": ["integrator"],
            **extra,
        }
        return jwt.encode(payload, self.keys[kid], algorithm=alg, headers={"kid": kid})


@pytest.fixture
def issuer() -> Issuer:
    """A stub issuer holding one RSA key, kid 'k1'."""
    stub = Issuer()
    stub.add_rsa("k1")
    return stub


@pytest.fixture
def make_verifier(tmp_path: Path, issuer: Issuer) -> Callable[..., TokenVerifier]:
    """Build a verifier in JWKS mode whose HTTP client talks to the stub issuer."""

    def make(**settings_overrides: Any) -> TokenVerifier:
        settings = Settings(key_dir=tmp_path / "unused", jwks_url=JWKS_URL, **settings_overrides)
        assert not settings.key_dir.exists()
        client = httpx.Client(transport=httpx.MockTransport(issuer.handler))
        return TokenVerifier(settings, http_client=client)

    return make


def test_verifies_against_jwks_and_maps_issuer_claims(
    make_verifier: Callable[..., TokenVerifier], issuer: Issuer, tmp_path: Path
) -> None:
    verifier = make_verifier()
    settings = Settings(jwks_url=JWKS_URL)
    principal = verifier.verify(issuer.token("k1", settings))
    assert principal.user == "ext-user" and principal.role == "integrator"
    assert principal.scopes.allows("s", "Patient") and not principal.scopes.allows("c", "Patient")
    verifier.verify(issuer.token("k1", settings, jti="another"))
    assert issuer.fetches == 1  # the key set is cached
    assert verifier._local is None  # no local key is trusted (or created) in JWKS mode
    assert not (tmp_path / "unused").exists()


def test_ec_keys_are_supported(make_verifier: Callable[..., TokenVerifier], issuer: Issuer) -> None:
    issuer.add_ec("ec1")
    principal = make_verifier().verify(issuer.token("ec1", Settings(), alg="ES256"))
    assert principal.user == "ext-user"


def test_rotation_refetches_on_unknown_kid(make_verifier: Callable[..., TokenVerifier], issuer: Issuer) -> None:
    verifier = make_verifier()
    settings = Settings()
    verifier.verify(issuer.token("k1", settings))
    issuer.add_rsa("k2")
    verifier._remote._min_refresh = 0  # type: ignore[union-attr]  # the rotation happens "later"
    verifier.verify(issuer.token("k2", settings))
    assert issuer.fetches == 2


def test_unknown_kid_refetches_are_rate_limited(make_verifier: Callable[..., TokenVerifier], issuer: Issuer) -> None:
    verifier = make_verifier()
    settings = Settings()
    verifier.verify(issuer.token("k1", settings))
    for i in range(20):
        bogus = jwt.encode({"sub": "x"}, issuer.keys["k1"], algorithm="RS256", headers={"kid": f"made-up-{i}"})
        with pytest.raises(FhirError, match="unknown key id"):
            verifier.verify(bogus)
    assert issuer.fetches == 1


def test_key_from_another_issuer_is_rejected(make_verifier: Callable[..., TokenVerifier], issuer: Issuer) -> None:
    verifier = make_verifier()
    impostor = Issuer()
    impostor.add_rsa("k1")  # same kid, different key
    with pytest.raises(FhirError, match="bad signature"):
        verifier.verify(impostor.token("k1", Settings()))


def test_issuer_down_on_first_use_is_401(make_verifier: Callable[..., TokenVerifier], issuer: Issuer) -> None:
    issuer.down = True
    with pytest.raises(FhirError, match="cannot fetch") as info:
        make_verifier().verify(issuer.token("k1", Settings()))
    assert info.value.status == 401


def test_issuer_down_later_keeps_known_keys(make_verifier: Callable[..., TokenVerifier], issuer: Issuer) -> None:
    verifier = make_verifier()
    settings = Settings()
    verifier.verify(issuer.token("k1", settings))
    issuer.down = True
    verifier._remote._fetched_at = -1e9  # type: ignore[union-attr]  # the set is stale: a refresh is due
    assert verifier.verify(issuer.token("k1", settings, jti="fresh")).user == "ext-user"
    assert issuer.fetches == 2


def test_timeout_is_a_401(tmp_path: Path, issuer: Issuer) -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    settings = Settings(key_dir=tmp_path, jwks_url=JWKS_URL)
    verifier = TokenVerifier(settings, http_client=httpx.Client(transport=httpx.MockTransport(slow)))
    with pytest.raises(FhirError, match="cannot fetch"):
        verifier.verify(issuer.token("k1", settings))
