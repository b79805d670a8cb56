"""The local signing key: created once, private, shared by concurrent starters, published as a JWKS."""

from __future__ import annotations

import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import jwt

from gateway.auth.keys import KEY_FILE, ensure_local_key, jwks


def test_key_is_created_private_and_reused(tmp_path: Path) -> None:
    first = ensure_local_key(tmp_path / "keys")
    mode = stat.S_IMODE((tmp_path / "keys" / KEY_FILE).stat().st_mode)
    assert mode == 0o600
    second = ensure_local_key(tmp_path / "keys")
    assert second.kid == first.kid
    assert [p.name for p in (tmp_path / "keys").iterdir()] == [KEY_FILE]  # no temporary files left behind


def test_concurrent_first_starts_agree_on_one_key(tmp_path: Path) -> None:
    with ThreadPoolExecutor(8) as pool:
        kids = set(pool.map(lambda _: ensure_local_key(tmp_path / "k").kid, range(8)))
    assert len(kids) == 1
    assert ensure_local_key(tmp_path / "k").kid in kids


def test_jwks_publishes_only_the_public_key_and_verifies_tokens(tmp_path: Path) -> None:
    key = ensure_local_key(tmp_path)
    document = jwks(key)
    (jwk,) = document["keys"]
    assert jwk["kid"] == key.kid and jwk["alg"] == "RS256" and jwk["use"] == "sig"
    assert "d" not in jwk and "p" not in jwk  # no private parameters
    token = jwt.encode({"sub": "x"}, key.private_key, algorithm="RS256", headers={"kid": key.kid})
    public = jwt.PyJWK(jwk).key
    assert jwt.decode(token, public, algorithms=["RS256"]) == {"sub": "x"}
