"""Write an export's NDJSON files from the store, one type after another, checkpointing as it goes.

The same loop serves the gateway's export jobs and `gateway export`: the caller's `checkpoint`
records the state (a job: in its row, under its lease; the CLI: on the progress bar) and says
whether to go on. Stored resource text is written as it is: the store keeps compact JSON (orjson),
which never holds a raw newline, so each resource is one line without being parsed again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import BinaryIO

import orjson
from sqlalchemy import Connection

from gateway.export.select import chunk_query, estimate, read_chunk, scope_conditions
from gateway.export.spec import ExportSpec
from gateway.export.state import ExportState, FilePart
from gateway.outcomes import outcome

Checkpoint = Callable[[ExportState], bool]  # record the state; False: stop now
Reading = Callable[[], AbstractContextManager[Connection]]
ERROR_TYPE = "OperationOutcome"  # the type of the error file's lines, as the manifest's `error` lists it


def file_name(res_type: str, label: str) -> str:
    """`Patient.ndjson`, or `Patient.3.ndjson` for the file attempt 3 of a job wrote."""
    return f"{res_type}.{label}.ndjson" if label else f"{res_type}.ndjson"


def write_export(reading: Reading, spec: ExportSpec, state: ExportState, folder: Path, snapshot: int,
                 checkpoint: Checkpoint, *, label: str = "", chunk_rows: int = 2000, rows_per_s: float = 0.0,
                 checkpoint_s: float = 1.0, base_url: str = "",
                 stopping: Callable[[], bool] = lambda: False) -> bool:
    """Write what `state` says is left into `folder`; True when every type is done (and the notes are
    written as an error file), False when `checkpoint` said stop. `stopping` is asked after every
    chunk: when it says yes, the next checkpoint comes at once (and should say stop)."""
    folder.mkdir(parents=True, exist_ok=True)
    conditions = {t: scope_conditions(spec, t, base_url) for t in state.pending}
    queries = {t: chunk_query(spec, t, conds, chunk_rows) for t, conds in conditions.items()}
    if not state.totals:
        with reading() as conn:
            state.totals = estimate(conn, spec, conditions)
        if not checkpoint(state):
            return False
    part: FilePart | None = None
    handle: BinaryIO | None = None
    started = last = time.monotonic()
    rows = 0
    try:
        while state.pending:
            res_type = state.pending[0]
            if part is None:
                part = FilePart(res_type, file_name(res_type, label))
                state.files.append(part)
                handle = open(folder / part.name, "wb")  # noqa: SIM115 - closed below, or in finally
            assert handle is not None
            with reading() as conn:
                chunk = read_chunk(conn, spec, res_type, queries[res_type], state.after, chunk_rows, snapshot)
            if chunk.lines:
                # Line by line into the file's buffer: joining a chunk first would hold it twice more.
                size = 0
                for line in chunk.lines:
                    data = line.encode()
                    handle.write(data)
                    handle.write(b"\n")
                    size += len(data) + 1
                part.count += len(chunk.lines)
                part.bytes += size
                rows += len(chunk.lines)
            state.after = chunk.last_id
            if chunk.done:
                handle.close()
                handle = None
                if part.count == 0:
                    (folder / part.name).unlink(missing_ok=True)
                    state.files.remove(part)
                part = None
                state.pending.pop(0)
                state.after = None
            # Checkpoints are timed, not per chunk or type: each is a write transaction (and on SQLite
            # the database's one write lock), and a resumed job redoing a second's work costs little.
            if stopping() or time.monotonic() - last >= checkpoint_s:
                if handle is not None:
                    handle.flush()
                if not checkpoint(state):
                    return False
                last = time.monotonic()
            if rows_per_s > 0:
                _pause(rows / rows_per_s - (time.monotonic() - started), stopping)
    finally:
        if handle is not None:
            handle.close()
    if spec.notes and not any(f.type == ERROR_TYPE for f in state.files):
        state.files.append(_error_file(folder, spec.notes, label))
    return True


def _pause(seconds: float, stopping: Callable[[], bool]) -> None:
    """Sleep for the rate limit, but not past a request to stop."""
    deadline = time.monotonic() + seconds
    while not stopping() and (left := deadline - time.monotonic()) > 0:
        time.sleep(min(left, 0.05))


def _error_file(folder: Path, notes: tuple[str, ...], label: str) -> FilePart:
    """What the export left out, one OperationOutcome per line (the manifest's `error`)."""
    lines = [orjson.dumps(outcome("warning", "not-supported", note)) for note in notes]
    data = b"\n".join(lines) + b"\n"
    part = FilePart(ERROR_TYPE, file_name(ERROR_TYPE, label), len(lines), len(data))
    (folder / part.name).write_bytes(data)
    return part
