"""One delivery worker per SQLite database file, enforced with an advisory file lock.

On SQLite the worker takes no leases (finding work then needs no write lock), which is only safe
while a single process delivers from the file. A second gateway process on the same file finds
the lock taken and stands by, trying again each poll, so it takes over if the first one exits.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.engine import make_url

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: no advisory locks; one process is assumed
    fcntl = None  # type: ignore[assignment]


def lock_path(database_url: str) -> Path | None:
    """The lock file beside an SQLite database file; None for an in-memory database."""
    database = make_url(database_url).database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        return None
    return Path(database).with_name(Path(database).name + ".delivery-lock")


class SoleWorkerLock:
    """An exclusive, non-blocking lock on the database's lock file, held while delivering."""

    def __init__(self, database_url: str) -> None:
        self.path = lock_path(database_url)
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None or self.path is None or fcntl is None

    def acquire(self) -> bool:
        """Take the lock if it is free; True when this process may deliver."""
        if self.held:
            return True
        assert self.path is not None
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops the lock
            self._fd = None
