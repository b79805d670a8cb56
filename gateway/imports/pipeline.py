"""Run an import: stream an adapter's records, write them in batches, account for every row.

Each batch commits with its row outcomes and the run's counts, so a run killed part-way leaves a
consistent store; running the same import again finds the committed rows unchanged and completes
the rest without duplicates (resource ids are deterministic).
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import insert, update

from adapters.base import Adapter, Converted, FileNotice, Rejected, UsesReferenceData
from adapters.limits import DEFAULT_LIMITS, ReadLimits
from adapters.registry import sources
from gateway.audit.entry import AuditEntry
from gateway.audit.writer import record_in
from gateway.imports.batch import RowOutcome, apply_record, batch_keys
from gateway.imports.liveness import Heartbeat, interrupted_message, mark_stale_runs
from gateway.imports.reference import with_kept_reference
from gateway.imports.row_warnings import record_warnings
from gateway.imports.tables import import_runs
from gateway.imports.uploads import upload_root
from gateway.imports.validator import ImportValidator
from gateway.imports.worker import Hints, Item, prepared_here, prepared_in_worker
from gateway.repository.base import WriteContext
from gateway.repository.sql import SqlRepository
from gateway.storage.times import now_us

OUTCOMES = ("created", "updated", "unchanged", "deleted", "rejected")
# Exports at least this big are parsed in a worker process (spawning one costs about a second).
WORKER_MIN_BYTES = 4 * 1024 * 1024
STALE_AFTER_S = 300.0
HEARTBEAT_S = 15.0

# (event, payload): ("file", FileNotice) as a file starts; ("rows", {file: (rows, fraction or None)}) per batch.
Progress = Callable[[str, Any], None]


@dataclass(slots=True)
class ImportSummary:
    run_id: str
    source: str
    status: str
    counts: dict[str, int]
    files: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None

    @property
    def rows(self) -> int:
        return sum(self.counts.values())


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _unreadable(files: list[dict[str, Any]]) -> str | None:
    """Why the run failed although no row did: nothing could be read, or the adapter said a file
    or the whole export is unreadable."""
    if not files:
        return "the export holds no files this source reads"
    errors = [f"{f['file']}: {n['message']}" for f in files for n in f.get("notices", []) if n["level"] == "error"]
    return "; ".join(errors) or None


def _batches(items: Iterator[Item], size: int, files: list[dict[str, Any]],
             progress: Progress | None) -> Iterator[list[tuple[Converted | Rejected, Hints | None]]]:
    batch: list[tuple[Converted | Rejected, Hints | None]] = []
    for rec, hints in items:
        if isinstance(rec, FileNotice):
            _note_file(files, rec)
            if progress:
                progress("file", rec)
            continue
        batch.append((rec, hints))
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _note_file(files: list[dict[str, Any]], notice: FileNotice) -> None:
    entry = next((f for f in files if f["file"] == notice.file), None)
    if entry is None:
        entry = {"file": notice.file, "sha256": None, "size_bytes": None, "notices": []}
        files.append(entry)
    if notice.level == "info" and notice.sha256:
        entry["sha256"], entry["size_bytes"] = notice.sha256, notice.size_bytes
    else:
        entry["notices"].append({"level": notice.level, "message": notice.message})


_ROW_COLUMNS = ("run_id", "file", "line", "row_key", "outcome", "code", "reason", "resources", "warnings")


def _row_values(run_id: str, out: RowOutcome) -> tuple[Any, ...]:
    return (
        run_id, out.ref.file[:255], out.ref.line, (out.ref.key or None) and str(out.ref.key)[:128], out.outcome,
        out.code, out.reason,
        " ".join(f"{v.key[0]}/{v.key[1]}/_history/{v.version}" for v in out.written) or None,
        "\n".join(out.warnings) or None,
    )


class ImportRunner:
    """Imports one export through one adapter into one repository."""

    def __init__(self, repo: SqlRepository, batch_rows: int = 2000, user: str = "system",
                 validate: str = "sample", worker_min_bytes: int | None = WORKER_MIN_BYTES,
                 limits: ReadLimits = DEFAULT_LIMITS, heartbeat_s: float = HEARTBEAT_S,
                 stale_after_s: float = STALE_AFTER_S, uploads: Path | None = None) -> None:
        self.repo = repo
        self.batch_rows = batch_rows
        self.user = user
        self.validate = validate
        self.worker_min_bytes = worker_min_bytes
        self.limits = limits  # for the parse worker; an adapter built here reads under its own
        self.heartbeat_s = heartbeat_s
        self.stale_after_s = stale_after_s
        self.uploads = uploads or upload_root(None)  # where HTTP uploads live (removed with stale runs)

    @classmethod
    def from_settings(cls, repo: SqlRepository, settings: Any, user: str) -> ImportRunner:
        return cls(repo, settings.import_batch_rows, user=user, validate=settings.import_validate,
                   worker_min_bytes=settings.import_worker_min_bytes, limits=read_limits(settings),
                   heartbeat_s=settings.import_heartbeat_s, stale_after_s=settings.import_stale_after_s,
                   uploads=upload_root(settings.import_upload_dir))

    def start(self, source: str, path: Path) -> str:
        run_id = str(uuid.uuid4())
        now = now_us()
        with self.repo.db.writer.begin() as conn:
            mark_stale_runs(conn, self.stale_after_s, self.uploads)
            conn.execute(insert(import_runs).values(
                run_id=run_id, source=source, path=str(path), status="running", started=now, heartbeat=now,
                user_id=self.user, counts=json.dumps(dict.fromkeys(OUTCOMES, 0)), files="[]"))
            record_in(conn, AuditEntry(user=self.user, interaction="create", action="C",
                                       query=f"import {source} {path} run {run_id}", role="system"))
        return run_id

    def run(self, adapter: Adapter, path: Path, progress: Progress | None = None,
            run_id: str | None = None) -> ImportSummary:
        """Import `path`; returns the run's summary (counts always add up to the rows read)."""
        run_id = run_id or self.start(adapter.source, path)
        counts: Counter[str] = Counter(dict.fromkeys(OUTCOMES, 0))
        files: list[dict[str, Any]] = []
        validator = ImportValidator(self.validate)
        try:
            adapter = with_kept_reference(self.repo, adapter, path, run_id)
            with Heartbeat(self.repo, run_id, self.heartbeat_s):
                for batch in _batches(self._items(adapter, path, validator), self.batch_rows, files, progress):
                    self._write_batch(run_id, adapter.source, batch, counts, files, validator)
                    if progress:
                        per_file = Counter(rec.ref.file for rec, _ in batch)
                        progress("rows", {name: (n, None) for name, n in per_file.items()})
        except (KeyboardInterrupt, SystemExit) as exc:
            why = f"it was stopped ({type(exc).__name__}) before finishing"
            self._finish(run_id, "interrupted", counts, files,
                         interrupted_message(adapter.source, str(path), self.uploads, why))
            raise
        except BaseException as exc:
            self._finish(run_id, "failed", counts, files, f"{type(exc).__name__}: {exc}")
            raise
        problem = _unreadable(files)
        status = "failed" if problem else "completed"
        self._finish(run_id, status, counts, files, problem)
        return ImportSummary(run_id, adapter.source, status, dict(counts), files, problem)

    def _items(self, adapter: Adapter, path: Path, validator: ImportValidator) -> Iterator[Item]:
        """Prepared records: from a worker process for big exports of registered sources (parsing
        overlaps writing on two cores), else in this process."""
        if self.worker_min_bytes is not None and adapter.source in sources() and _size(path) >= self.worker_min_bytes:
            reference = adapter.reference if isinstance(adapter, UsesReferenceData) else None
            return prepared_in_worker(adapter.source, path, max(1, self.batch_rows // 4), self.validate, reference,
                                      self.limits)
        return prepared_here(adapter.read(path), validator)

    def _write_batch(self, run_id: str, source: str, batch: list[tuple[Converted | Rejected, Hints | None]],
                     counts: Counter[str], files: list[dict[str, Any]], validator: ImportValidator) -> None:
        context = WriteContext(user=self.user, role="system", door="import", run_id=run_id, source=source)
        with self.repo.writing(context) as unit:
            unit.preload(batch_keys([rec for rec, _ in batch]))
            outcomes = []
            for rec, hints in batch:
                if isinstance(rec, Rejected):
                    outcomes.append(RowOutcome(rec.ref, "rejected", rec.code, rec.reason))
                else:
                    outcomes.append(apply_record(unit, rec, validator, hints))
            conn = unit.conn  # flushed: every version written and handed to the hooks
            mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
            conn.exec_driver_sql(  # the driver's executemany: one row per input row adds up
                f"INSERT INTO import_rows ({', '.join(_ROW_COLUMNS)}) VALUES ({', '.join([mark] * len(_ROW_COLUMNS))})",
                [_row_values(run_id, o) for o in outcomes],
            )
            record_warnings(conn, run_id, outcomes)
            counts.update(o.outcome for o in outcomes)
            conn.execute(update(import_runs).where(import_runs.c.run_id == run_id).values(
                counts=json.dumps(dict(counts)), files=json.dumps(files), heartbeat=now_us()))

    def _finish(self, run_id: str, status: str, counts: Counter[str], files: list[dict[str, Any]],
                error: str | None) -> None:
        with self.repo.db.writer.begin() as conn:
            conn.execute(update(import_runs).where(import_runs.c.run_id == run_id).values(
                status=status, finished=now_us(), counts=json.dumps(dict(counts)), files=json.dumps(files),
                error=error))


def read_limits(settings: Any) -> ReadLimits:
    """The adapters' read limits from the gateway's settings (`GATEWAY_IMPORT_MAX_*`)."""
    return ReadLimits(max_line_bytes=settings.import_max_line_bytes, max_file_bytes=settings.import_max_file_bytes)
