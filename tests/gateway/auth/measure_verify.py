"""Times TokenVerifier.verify cold (signature + claims) against cached (dict lookup); prints the figures.

Run: .venv/bin/python -m tests.gateway.auth.measure_verify
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from gateway.auth.tokens import TokenVerifier, mint_token
from gateway.settings import Settings


def main(n: int = 2000) -> None:
    settings = Settings(key_dir=Path(tempfile.mkdtemp()) / "keys", jwks_url=None)
    tokens = [mint_token(settings, f"user-{i}", "nurse", teams=["t"]) for i in range(n)]

    verifier = TokenVerifier(settings, cache_size=n)
    start = time.perf_counter()
    for token in tokens:
        verifier.verify(token)
    cold = (time.perf_counter() - start) / n

    start = time.perf_counter()
    for _ in range(50):
        for token in tokens:
            verifier.verify(token)
    cached = (time.perf_counter() - start) / (50 * n)

    print(f"verify cold:   {cold * 1e6:8.1f} us/token  ({1 / cold:,.0f}/s)")
    print(f"verify cached: {cached * 1e6:8.2f} us/token  ({1 / cached:,.0f}/s)")
    print(f"ratio cold/cached: {cold / cached:,.0f}x")


if __name__ == "__main__":
    main()
