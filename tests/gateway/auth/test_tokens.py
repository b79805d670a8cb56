"""Minting and verifying tokens: every way a token can be wrong gets a 401 that says which way."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from datetime import timedelta
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from gateway.auth.keys import LocalKey
from gateway.auth.principal import Principal
from gateway.auth.roles import UnknownRole
from gateway.auth.tokens import TokenVerifier, mint_token
from gateway.outcomes import FhirError
from gateway.settings import Settings


def claims(settings: Settings, **overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    base: dict[str, Any] = {
        "iss": settings.token_issuer,
        "aud": settings.token_audience,
        "sub": "alice",
        "iat": now,
        "exp": now + 600,
        "jti": "j1",
        "scope": "user/*.rs",
        "role": "nurse",
        "teams": ["team-a"],
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def sign(key: LocalKey, payload: dict[str, Any], **headers: Any) -> str:
    return jwt.encode(payload, key.private_key, algorithm="RS256", headers={"kid": key.kid, **headers})


def rejected(verifier: TokenVerifier, token: str) -> str:
    with pytest.raises(FhirError) as info:
        verifier.verify(token)
    assert info.value.status == 401
    assert info.value.headers["WWW-Authenticate"].startswith("Bearer")
    return str(info.value.outcome["issue"][0]["diagnostics"])


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


# Minting


def test_minted_token_round_trips(settings: Settings) -> None:
    token = mint_token(settings, "alice", "nurse", teams=["team-a", "team-b"])
    principal = TokenVerifier(settings).verify(token)
    assert principal.user == "alice" and principal.role == "nurse"
    assert principal.teams == ("team-a", "team-b")
    assert principal.scopes.allows("c", "Observation") and not principal.scopes.allows("c", "Patient")
    raw = jwt.decode(token, options={"verify_signature": False})
    assert set(raw) >= {"iss", "aud", "sub", "exp", "iat", "jti", "scope", "role", "teams"}
    assert raw["exp"] - raw["iat"] == settings.token_lifetime_minutes * 60


def test_explicit_scopes_replace_role_defaults(settings: Settings) -> None:
    token = mint_token(settings, "bob", "admin", scopes=["user/Patient.r"], lifetime=timedelta(minutes=5))
    principal = TokenVerifier(settings).verify(token)
    assert principal.scopes.allows("r", "Patient") and not principal.scopes.allows("s", "Patient")
    assert principal.expires - int(time.time()) <= 300


def test_mint_rejects_unknown_role_and_garbled_scope(settings: Settings) -> None:
    with pytest.raises(UnknownRole):
        mint_token(settings, "x", "janitor")
    with pytest.raises(ValueError, match="user/Patient.rx"):
        mint_token(settings, "x", "nurse", scopes=["user/Patient.rx"])


# Rejections


def test_expired(settings: Settings, local_key: LocalKey) -> None:
    now = int(time.time())
    token = sign(local_key, claims(settings, iat=now - 7200, exp=now - 3600))
    assert rejected(TokenVerifier(settings), token) == "token expired"


def test_wrong_audience_and_issuer(settings: Settings, local_key: LocalKey) -> None:
    verifier = TokenVerifier(settings)
    assert rejected(verifier, sign(local_key, claims(settings, aud="someone-else"))).startswith("wrong audience")
    assert rejected(verifier, sign(local_key, claims(settings, iss="https://evil.example"))).startswith("wrong issuer")


def test_not_yet_valid(settings: Settings, local_key: LocalKey) -> None:
    token = sign(local_key, claims(settings, nbf=int(time.time()) + 3600))
    assert "not yet valid" in rejected(TokenVerifier(settings), token)


def test_signed_by_another_key_with_our_kid(settings: Settings, local_key: LocalKey) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = jwt.encode(claims(settings), other, algorithm="RS256", headers={"kid": local_key.kid})
    assert rejected(TokenVerifier(settings), token) == "bad signature"


def test_tampered_payload(settings: Settings, local_key: LocalKey) -> None:
    header, _, signature = sign(local_key, claims(settings, scope="user/Patient.r")).split(".")
    forged = b64(json.dumps(claims(settings, scope="system/*.cruds")).encode())
    assert rejected(TokenVerifier(settings), f"{header}.{forged}.{signature}") == "bad signature"


def test_none_algorithm(settings: Settings, local_key: LocalKey) -> None:
    header = b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    payload = b64(json.dumps(claims(settings)).encode())
    assert "'none' is not accepted" in rejected(TokenVerifier(settings), f"{header}.{payload}.")


def test_hmac_with_public_key_confusion(settings: Settings, local_key: LocalKey) -> None:
    public_pem = local_key.public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = b64(json.dumps({"alg": "HS256", "kid": local_key.kid}).encode())
    payload = b64(json.dumps(claims(settings)).encode())
    mac = hmac.new(public_pem, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    assert "'HS256' is not accepted" in rejected(TokenVerifier(settings), f"{header}.{payload}.{b64(mac)}")


def test_algorithm_not_matching_key(settings: Settings, local_key: LocalKey) -> None:
    ec_key = ec.generate_private_key(ec.SECP256R1())
    token = jwt.encode(claims(settings), ec_key, algorithm="ES256", headers={"kid": local_key.kid})
    assert "does not match" in rejected(TokenVerifier(settings), token)


def test_unknown_kid(settings: Settings, local_key: LocalKey) -> None:
    token = sign(local_key, claims(settings), kid="rotated-away")
    assert "unknown key id" in rejected(TokenVerifier(settings), token)


@pytest.mark.parametrize("missing", ["exp", "sub", "aud", "iss"])
def test_missing_required_claim(settings: Settings, local_key: LocalKey, missing: str) -> None:
    token = sign(local_key, claims(settings, **{missing: None}))
    assert rejected(TokenVerifier(settings), token) == f"malformed token: missing claim {missing!r}"


@pytest.mark.parametrize("garbage", ["", "abc", "a.b.c", "eyJhbGciOiJSUzI1NiJ9.e30", "....."])
def test_malformed(settings: Settings, garbage: str) -> None:
    assert rejected(TokenVerifier(settings), garbage).startswith("malformed token")


def test_bad_claim_types(settings: Settings, local_key: LocalKey) -> None:
    verifier = TokenVerifier(settings)
    assert "teams" in rejected(verifier, sign(local_key, claims(settings, teams={"a": 1})))
    assert "scope" in rejected(verifier, sign(local_key, claims(settings, scope=5)))


# Cache


def test_repeated_token_skips_signature_check(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    verifier = TokenVerifier(settings)
    token = mint_token(settings, "alice", "nurse")
    calls: list[str] = []
    original = verifier._verify_uncached

    def counting(t: str) -> tuple[Principal, bool]:
        calls.append(t)
        return original(t)

    monkeypatch.setattr(verifier, "_verify_uncached", counting)
    first = verifier.verify(token)
    assert all(verifier.verify(token) is first for _ in range(100))
    assert len(calls) == 1

    # Past its expiry the cached entry is not trusted: the token is verified afresh.
    future = time.time() + 13 * 3600
    monkeypatch.setattr("gateway.auth.tokens.time.time", lambda: future)
    verifier.verify(token)  # PyJWT's own clock still says valid; what matters is the re-check
    assert len(calls) == 2


def test_cache_is_bounded(settings: Settings) -> None:
    verifier = TokenVerifier(settings, cache_size=3)
    tokens = [mint_token(settings, f"user-{i}", "nurse") for i in range(5)]
    for t in tokens:
        verifier.verify(t)
    assert len(verifier._cache) == 3
    assert list(verifier._cache) == tokens[2:]  # oldest evicted first


def test_failures_are_not_cached(settings: Settings, local_key: LocalKey) -> None:
    verifier = TokenVerifier(settings)
    token = sign(local_key, claims(settings, aud="other"))
    rejected(verifier, token)
    rejected(verifier, token)
    assert verifier._cache == {}
