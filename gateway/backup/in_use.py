"""Whether a gateway process is using an SQLite store, so a restore never replaces a live file.

Every serving gateway holds a shared advisory lock on a file beside the database for its whole
life; a restore must take the same lock exclusively, which it cannot while any gateway holds it.
A process that dies releases its lock with it, so a crash never leaves the store looking busy.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: no advisory locks, so restore cannot tell
    fcntl = None  # type: ignore[assignment]


def sqlite_file(database_url: str) -> Path | None:
    """The database file of an SQLite URL; None for PostgreSQL or an in-memory database."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return None
    database = url.database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        return None
    return Path(database)


def lock_path(database: Path) -> Path:
    return database.with_name(database.name + ".in-use")


class StoreInUse:
    """The lock on one store: `shared()` while serving, `exclusive()` to restore."""

    def __init__(self, database_url: str) -> None:
        database = sqlite_file(database_url)
        self.path = lock_path(database) if database is not None else None
        self._fd: int | None = None

    def _take(self, mode: int) -> bool:
        if self.path is None or fcntl is None:
            return True
        if self._fd is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, mode | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def shared(self) -> bool:
        """Mark the store in use by this process (several processes may share it)."""
        return self._take(fcntl.LOCK_SH if fcntl is not None else 0)

    def exclusive(self) -> bool:
        """True when no gateway process uses the store; held until `release`."""
        return self._take(fcntl.LOCK_EX if fcntl is not None else 0)

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> StoreInUse:
        return self

    def __exit__(self, *_exc: Any) -> None:
        self.release()
