"""A consistent online copy of an SQLite store with SQLite's backup API.

The copy is taken in one step (`pages=-1`) inside a read transaction, so it is the database as of
one commit while writers carry on (WAL readers do not block writers). A file copy of a live WAL
database could miss committed pages still in the -wal file or catch a checkpoint half-way.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path


def copy_database(source: Path, target: Path) -> None:
    """Write a self-contained copy of `source` (rollback journal, no -wal file) to `target`,
    through a temporary name, so `target` exists only once it is complete and on disk."""
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    src = sqlite3.connect(source, timeout=30)  # not read-only: a WAL reader may need to create -shm
    try:
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst, pages=-1)
            dst.execute("PRAGMA journal_mode=DELETE")
            dst.commit()
        finally:
            dst.close()
    finally:
        src.close()
    with partial.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(partial, target)


def integrity_problems(path: Path) -> list[str]:
    """SQLite's own structural check of a database file (empty when sound)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = [str(r[0]) for r in conn.execute("PRAGMA integrity_check").fetchall()]
    except sqlite3.DatabaseError as exc:
        return [f"not a readable SQLite database: {exc}"]
    finally:
        conn.close()
    return [] if rows == ["ok"] else rows
