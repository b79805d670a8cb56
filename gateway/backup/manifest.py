"""What a store holds, described so two copies can be compared: schema revision, rows per table,
current resources per type and a digest of every resource version's content.

The digest is computed from the rows themselves, not from the database file, so it is the same on
SQLite and PostgreSQL and survives a dump and restore between them; the file checksum in a backup's
manifest guards the copy's bytes on disk as well.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Connection, func, select

from gateway.repository.writes import content_hash
from gateway.schema import metadata
from gateway.storage.tables import resource_history, resources
from gateway.storage.times import now_us, us_to_instant

FORMAT = "care-gateway-backup/1"
_CHUNK = 5000


@dataclass
class Manifest:
    """A store's description; written beside a backup as manifest.json."""

    schema_revision: str | None
    tables: dict[str, int]
    resources_by_type: dict[str, int]
    content_digest: str
    created: str = field(default_factory=lambda: us_to_instant(now_us()))
    format: str = FORMAT
    file: str | None = None
    file_sha256: str | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"

    @classmethod
    def load(cls, path: Path) -> Manifest:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT:
            raise ValueError(f"{path} is not a gateway backup manifest (format {data.get('format')!r})")
        return cls(**{k: data.get(k) for k in cls.__dataclass_fields__})


@dataclass
class Inspection:
    """A manifest of a live or copied store plus the problems found while reading it."""

    manifest: Manifest
    problems: list[str] = field(default_factory=list)


def _schema_revision(conn: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()


def _table_counts(conn: Connection) -> dict[str, int]:
    names = set(conn.dialect.get_table_names(conn))
    return {t.name: int(conn.execute(select(func.count()).select_from(t)).scalar_one())
            for t in metadata.sorted_tables if t.name in names}


def _history_digest(conn: Connection) -> str:
    """sha256 over every stored version's (type, id, version, deleted, sha256 of its bytes), in key order."""
    digest = hashlib.sha256()
    h = resource_history.c
    query = (select(h.res_type, h.res_id, h.version, h.deleted, h.content)
             .order_by(h.res_type, h.res_id, h.version).execution_options(yield_per=_CHUNK))
    for row in conn.execute(query):
        body = hashlib.sha256((row.content or "").encode()).hexdigest()
        digest.update(f"{row.res_type}/{row.res_id}/{row.version}/{int(bool(row.deleted))}/{body}\n".encode())
    return digest.hexdigest()


def _check_current(conn: Connection, problems: list[str]) -> dict[str, int]:
    """Current resources per type; each one's content must still hash to its stored content hash."""
    r = resources.c
    by_type: dict[str, int] = {}
    query = (select(r.res_type, r.res_id, r.version, r.deleted, r.content_hash, r.content)
             .order_by(r.res_type, r.res_id).execution_options(yield_per=_CHUNK))
    for row in conn.execute(query):
        if row.deleted:
            continue
        by_type[row.res_type] = by_type.get(row.res_type, 0) + 1
        if row.content is None:
            problems.append(f"{row.res_type}/{row.res_id} is current but has no content")
            continue
        try:
            body: Any = orjson.loads(row.content)
        except orjson.JSONDecodeError:
            problems.append(f"{row.res_type}/{row.res_id} version {row.version} is not valid JSON")
            continue
        if row.content_hash and content_hash(body) != row.content_hash:
            problems.append(f"{row.res_type}/{row.res_id} version {row.version} does not match its content hash")
        if len(problems) > 100:
            break
    return dict(sorted(by_type.items()))


def inspect_store(conn: Connection) -> Inspection:
    """Read the whole store once (inside one transaction: a consistent snapshot) and describe it."""
    problems: list[str] = []
    by_type = _check_current(conn, problems)
    manifest = Manifest(_schema_revision(conn), _table_counts(conn), by_type, _history_digest(conn))
    return Inspection(manifest, problems)


def compare(expected: Manifest, actual: Manifest) -> list[str]:
    """Differences that mean `actual` is not the store `expected` describes."""
    out = []
    if expected.schema_revision != actual.schema_revision:
        out.append(f"schema revision {actual.schema_revision}, expected {expected.schema_revision}")
    for name in sorted(set(expected.tables) | set(actual.tables)):
        want, have = expected.tables.get(name), actual.tables.get(name)
        if want != have:
            out.append(f"table {name}: {have} rows, expected {want}")
    for res_type in sorted(set(expected.resources_by_type) | set(actual.resources_by_type)):
        want, have = expected.resources_by_type.get(res_type, 0), actual.resources_by_type.get(res_type, 0)
        if want != have:
            out.append(f"{res_type}: {have} current resources, expected {want}")
    if expected.content_digest != actual.content_digest:
        out.append("the digest of the stored versions differs")
    return out


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
