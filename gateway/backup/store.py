"""`gateway backup`, `gateway restore` and `gateway verify` as functions: what each does to a store,
with every refusal a `BackupError` whose message says what to do instead."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import create_engine, inspect, select
from sqlalchemy.pool import NullPool

from gateway.backup.in_use import StoreInUse, sqlite_file
from gateway.backup.manifest import Inspection, Manifest, compare, file_sha256, inspect_store
from gateway.backup.sqlite_copy import copy_database, integrity_problems
from gateway.imports.pipeline import STALE_AFTER_S
from gateway.imports.tables import import_runs
from gateway.storage.engine import normalise_url
from gateway.storage.migrate import alembic_config, head_revision
from gateway.storage.times import now_us

COPY_NAME = "gateway.db"
MANIFEST_NAME = "manifest.json"


class BackupError(RuntimeError):
    """A backup, restore or verification that cannot go ahead; the message says why."""


@dataclass
class Verification:
    """What `verify` found: the store's description and everything wrong with it."""

    manifest: Manifest
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def inspect_url(url: str) -> Inspection:
    """Describe the store at `url` from one read transaction (a consistent snapshot)."""
    engine = create_engine(normalise_url(url), poolclass=NullPool)
    try:
        with engine.connect() as conn, conn.begin():
            return inspect_store(conn)
    finally:
        engine.dispose()


def _sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def backup(database_url: str, dest: Path) -> Manifest:
    """Copy the SQLite store into folder `dest` (gateway.db + manifest.json) while it serves."""
    source = sqlite_file(database_url)
    if source is None:
        raise BackupError("gateway backup copies the embedded SQLite store; for PostgreSQL use pg_dump or base "
                          "backups with WAL archiving (see README, Operating it), then `gateway verify`")
    if not source.exists():
        raise BackupError(f"there is no database at {source}")
    if dest.exists() and any(dest.iterdir()):
        raise BackupError(f"{dest} is not empty: back up into a new folder")
    dest.mkdir(parents=True, exist_ok=True)
    copy = dest / COPY_NAME
    copy_database(source, copy)
    # Describe the copy, not the live store: the copy is frozen, so counts and digest agree with it.
    inspection = inspect_url(_sqlite_url(copy))
    manifest = inspection.manifest
    manifest.file, manifest.file_sha256 = COPY_NAME, file_sha256(copy)
    (dest / MANIFEST_NAME).write_text(manifest.to_json(), encoding="utf-8")
    return manifest


def verify_backup(folder: Path) -> Verification:
    """A backup folder: the copy's bytes match the manifest, SQLite finds it sound, and its rows
    still add up to the manifest's counts and digest."""
    manifest = _load_manifest(folder)
    copy = folder / (manifest.file or COPY_NAME)
    if not copy.exists():
        raise BackupError(f"{copy} is missing")
    problems = []
    if manifest.file_sha256 != file_sha256(copy):
        problems.append(f"{copy.name} does not match the checksum in its manifest")
    problems += integrity_problems(copy)
    if problems:
        return Verification(manifest, problems)
    inspection = inspect_url(_sqlite_url(copy))
    return Verification(inspection.manifest, inspection.problems + compare(manifest, inspection.manifest))


def verify_store(database_url: str, expected: Manifest | None = None) -> Verification:
    """The live store (SQLite or PostgreSQL): sound, every current resource matches its content
    hash, migrated to this code's schema, and (given a manifest) the same rows as it describes."""
    problems: list[str] = []
    path = sqlite_file(database_url)
    if path is not None:
        if not path.exists():
            raise BackupError(f"there is no database at {path}")
        problems += integrity_problems(path)
    inspection = inspect_url(database_url)
    problems += inspection.problems
    head = head_revision()
    if inspection.manifest.schema_revision != head:
        problems.append(f"schema revision {inspection.manifest.schema_revision}, this code needs {head} "
                        "(run: gateway db upgrade)")
    if expected is not None:
        problems += compare(expected, inspection.manifest)
    return Verification(inspection.manifest, problems)


def _load_manifest(folder: Path) -> Manifest:
    path = folder / MANIFEST_NAME
    if not path.exists():
        raise BackupError(f"{folder} has no {MANIFEST_NAME}: not a gateway backup")
    try:
        return Manifest.load(path)
    except (ValueError, TypeError) as exc:
        raise BackupError(str(exc)) from exc


def schema_is_known(revision: str | None) -> bool:
    """Whether this code's migrations include `revision` (a copy from newer code names one it does not)."""
    if revision is None:
        return True
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    try:
        return script.get_revision(revision) is not None
    except CommandError:
        return False


def _import_running(database_url: str) -> bool:
    """A command-line import holds no in-use lock, but its run's heartbeat is fresh while it works."""
    engine = create_engine(normalise_url(database_url), poolclass=NullPool)
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("import_runs"):
                return False
            r = import_runs.c
            fresh = now_us() - int(STALE_AFTER_S * 1_000_000)
            return conn.execute(select(r.run_id).where(r.status == "running", r.heartbeat >= fresh)).first() is not None
    finally:
        engine.dispose()


def restore(folder: Path, database_url: str, replace: bool = False) -> Manifest:
    """Put a verified backup in place of the (stopped) SQLite store at `database_url`."""
    target = sqlite_file(database_url)
    if target is None:
        raise BackupError("gateway restore writes the embedded SQLite store; for PostgreSQL use pg_restore or "
                          "your base backup, then `gateway verify`")
    checked = verify_backup(folder)
    if not checked.ok:
        raise BackupError("the backup does not verify: " + "; ".join(checked.problems[:5]))
    manifest = _load_manifest(folder)
    if not schema_is_known(manifest.schema_revision):
        raise BackupError(f"the backup is from a newer schema (revision {manifest.schema_revision}) than this "
                          f"gateway knows (head {head_revision()}): restore it with the gateway version that made it")
    if target.exists() and not replace:
        raise BackupError(f"{target} exists: pass --replace to overwrite it with the backup")
    with StoreInUse(database_url) as lock:
        if not lock.exclusive():
            raise BackupError(f"a gateway is using {target}: stop it before restoring")
        if target.exists() and _import_running(database_url):
            raise BackupError(f"an import into {target} is running (`gateway import`): let it finish or stop it first")
        target.parent.mkdir(parents=True, exist_ok=True)
        incoming = target.with_name(target.name + ".restoring")
        shutil.copyfile(folder / (manifest.file or COPY_NAME), incoming)
        with incoming.open("rb") as handle:
            os.fsync(handle.fileno())
        for suffix in ("-wal", "-shm"):  # the old store's log must not be replayed over the copy
            target.with_name(target.name + suffix).unlink(missing_ok=True)
        os.replace(incoming, target)
    restored = inspect_url(database_url).manifest
    differences = compare(manifest, restored)
    if differences:
        raise BackupError("the restored store differs from the backup: " + "; ".join(differences[:5]))
    return manifest
