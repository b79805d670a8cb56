"""Whether an import run is still alive: a running import writes a heartbeat every few seconds
(from a small thread, so a long parse or a slow file still counts as alive), and a run whose
heartbeat is older than the stale limit has lost its process (killed, crashed, machine restarted).
Such a run is marked `interrupted` with a message saying how to resume it, and its uploaded export,
if it came over HTTP, is removed. Stale runs are looked for when an import starts, when the app
starts, and when someone reads a run that still says `running`.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlalchemy import Connection, select, update

from gateway.imports.tables import import_runs
from gateway.imports.uploads import is_upload, remove_upload
from gateway.storage.times import now_us, us_to_instant

log = logging.getLogger(__name__)
r = import_runs.c


def resume_hint(source: str, path: str, upload_root: Path | None) -> str:
    """How to finish an interrupted run: run the same import again (committed rows are found
    unchanged, so only the rest is written)."""
    if upload_root is not None and is_upload(Path(path), upload_root):
        how = (f"upload the export again (POST /api/imports/{source}) or run `gateway import {source} PATH` "
               "with the export")
    else:
        how = f"run `gateway import {source} {path}` again"
    return f"To resume, {how}: rows committed before it stopped are kept and found unchanged, the rest is imported."


def interrupted_message(source: str, path: str, upload_root: Path | None, why: str) -> str:
    return f"Interrupted: {why}. {resume_hint(source, path, upload_root)}"


def mark_stale_runs(conn: Connection, stale_after_s: float, upload_root: Path | None) -> list[str]:
    """Mark runs whose heartbeat is older than `stale_after_s` interrupted (compare-and-set on the
    heartbeat, so a run that just beat is left alone); remove their uploads. Their run ids."""
    cutoff = now_us() - int(stale_after_s * 1_000_000)
    stale = conn.execute(select(r.run_id, r.source, r.path, r.heartbeat)
                         .where(r.status == "running", r.heartbeat < cutoff)).all()
    marked = []
    for run in stale:
        why = (f"its process stopped sending heartbeats at {us_to_instant(run.heartbeat)} (more than "
               f"{stale_after_s:g} s ago), so it was stopped or killed before finishing")
        done = conn.execute(update(import_runs).where(r.run_id == run.run_id, r.status == "running",
                                                      r.heartbeat == run.heartbeat)
                            .values(status="interrupted", finished=now_us(),
                                    error=interrupted_message(run.source, run.path, upload_root, why))).rowcount
        if done:
            marked.append(run.run_id)
            if upload_root is not None:
                remove_upload(Path(run.path), upload_root)
    return marked


def sweep_stale_runs(repo: Any, stale_after_s: float, upload_root: Path | None) -> list[str]:
    """`mark_stale_runs` in its own transaction, only when a read finds something to mark."""
    cutoff = now_us() - int(stale_after_s * 1_000_000)
    with repo.db.reader.connect() as conn:
        if conn.execute(select(r.run_id).where(r.status == "running", r.heartbeat < cutoff).limit(1)).first() is None:
            return []
    with repo.db.writer.begin() as conn:
        return mark_stale_runs(conn, stale_after_s, upload_root)


class Heartbeat:
    """While entered, moves the run's heartbeat forward every `interval_s` seconds from a thread."""

    def __init__(self, repo: Any, run_id: str, interval_s: float) -> None:
        self._repo = repo
        self._run_id = run_id
        self._interval = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"import-heartbeat-{run_id}", daemon=True)

    def __enter__(self) -> Heartbeat:
        if self._interval > 0:
            self._thread.start()
        return self

    def __exit__(self, _type: type[BaseException] | None, _value: BaseException | None,
                 _tb: TracebackType | None) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _beat(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                with self._repo.db.writer.begin() as conn:
                    conn.execute(update(import_runs).where(r.run_id == self._run_id, r.status == "running")
                                 .values(heartbeat=now_us()))
            except Exception:  # noqa: BLE001 - a missed beat is retried; the batches beat too
                log.warning("import run %s: heartbeat not written", self._run_id, exc_info=True)
