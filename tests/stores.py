"""Fresh migrated stores and a signing key, made once per test process and copied per test.

Running every migration costs about a second of CPU a test; copying the migrated file costs about a
millisecond. Under pytest-xdist each worker is its own process, so each makes its own template.
"""

from __future__ import annotations

import atexit
import functools
import shutil
import sqlite3
import tempfile
from pathlib import Path

from gateway.auth.keys import ensure_local_key
from gateway.storage.migrate import upgrade

_HOME = Path(tempfile.mkdtemp(prefix="gateway-test-templates-"))
atexit.register(shutil.rmtree, _HOME, True)
_template: Path | None = None


def _migrated_template() -> Path:
    """The migrated SQLite file every fresh store is copied from, its WAL folded into the file."""
    global _template
    if _template is None:
        path = _HOME / "template.db"
        upgrade(f"sqlite:///{path}")
        with sqlite3.connect(path) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        _template = path
    return _template


def fresh_sqlite(path: Path) -> str:
    """A migrated, empty SQLite store at `path` (a copy of the template); returns its URL."""
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_migrated_template(), path)
    return f"sqlite:///{path}"


def fresh_sqlite_url(url: str) -> str:
    """`fresh_sqlite` for a `sqlite:///path` URL (the fixtures that already hold a URL)."""
    prefix = "sqlite:///"
    if not url.startswith(prefix):
        raise ValueError(f"not a SQLite file URL: {url}")
    return fresh_sqlite(Path(url[len(prefix):]))


@functools.cache
def shared_key_dir() -> Path:
    """One development signing key for the whole test process (RSA key generation is slow)."""
    key_dir = _HOME / "keys"
    ensure_local_key(key_dir)
    return key_dir
