"""The gateway's own token-signing key for development, created once and published as a JWKS."""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

KEY_FILE = "signing-key.pem"
ALGORITHM = "RS256"


@dataclass(frozen=True)
class LocalKey:
    """A private signing key and the `kid` tokens name it by.

    RS256 rather than ES256: RSA verification (public exponent 65537) is several times cheaper than
    ECDSA verification, and verification is what runs per request; signing happens once per token.
    """

    kid: str
    algorithm: str
    private_key: rsa.RSAPrivateKey
    path: Path

    @property
    def public_key(self) -> rsa.RSAPublicKey:
        return self.private_key.public_key()

    def public_jwk(self) -> dict[str, Any]:
        """The public half as a JWK with `kid`, `alg` and `use`, as a JWKS carries it."""
        jwk: dict[str, Any] = RSAAlgorithm.to_jwk(self.public_key, as_dict=True)
        jwk.update({"kid": self.kid, "alg": self.algorithm, "use": "sig"})
        return jwk


def ensure_local_key(key_dir: Path) -> LocalKey:
    """Load the signing key under `key_dir`, creating it first if there is none.

    Creation is atomic and race-free: the key is written to a private temporary file (mode 0600)
    and hard-linked into place, so two processes starting together end up sharing whichever key
    won and nobody ever reads a half-written file.
    """
    key_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = key_dir / KEY_FILE
    if not path.exists():
        _create_key(path)
    return _load_key(path)


def jwks(local_key: LocalKey) -> dict[str, Any]:
    """The public JSON Web Key Set for the local key (served at `/.well-known/jwks.json`)."""
    return {"keys": [local_key.public_jwk()]}


def _create_key(path: Path) -> None:
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private_key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    )
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(pem)
            f.flush()
            os.fsync(f.fileno())
        # link() fails if the target exists: the first process to get here wins, the rest load its key.
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _load_key(path: Path) -> LocalKey:
    return _parse_key(path, path.read_bytes())


@functools.lru_cache(maxsize=8)
def _parse_key(path: Path, pem: bytes) -> LocalKey:
    """Parsing checks the RSA key (about 30 ms); the same file's bytes parse to the same key, so the
    CLI, the app and each test app of a process share one parse. Keyed by content: a replaced key
    file is parsed afresh."""
    private_key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(private_key, rsa.RSAPrivateKey):
        raise ValueError(f"{path} does not hold an RSA private key")
    return LocalKey(kid=_thumbprint(private_key.public_key()), algorithm=ALGORITHM, private_key=private_key, path=path)


def _thumbprint(public_key: rsa.RSAPublicKey) -> str:
    """RFC 7638 JWK thumbprint: a kid derived from the key itself, so it never needs storing."""
    jwk = RSAAlgorithm.to_jwk(public_key, as_dict=True)
    canonical = json.dumps({"e": jwk["e"], "kty": "RSA", "n": jwk["n"]}, separators=(",", ":"), sort_keys=True)
    digest = hashlib.sha256(canonical.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
