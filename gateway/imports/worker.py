"""Parse and prepare an export in a second process while the main one writes.

An import's CPU goes mostly to work that needs no database: parsing and converting rows, hashing
each resource, extracting its search index rows, checking it. A worker process does that and hands
the main process batches of records with those results (`Hints`), so on two cores parsing and
writing overlap. The queue between them is bounded, so memory stays flat however big the export.
"""

from __future__ import annotations

import pickle
import struct
import subprocess
import sys
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, BinaryIO

from adapters.base import Converted, ReferenceRow, Rejected, SourceRecord, UsesReferenceData, positional_reduce
from adapters.limits import DEFAULT_LIMITS, ReadLimits
from gateway.imports.validator import ImportValidator
from gateway.outcomes import FhirError
from gateway.repository.writes import content_hash
from gateway.search.indexer import IndexRows, index_rows

Key = tuple[str, str]
_DONE = "done"
_ERROR = "error"


@dataclass(slots=True)
class Hints:
    """What the worker computed for a record's resources, keyed by (type, id): the content hash and
    the index rows of the resource exactly as the adapter produced it."""

    __reduce__ = positional_reduce

    digests: dict[Key, str] = field(default_factory=dict)
    index: dict[Key, IndexRows] = field(default_factory=dict)


Item = tuple[SourceRecord, Hints | None]


def prepare(record: SourceRecord, validator: Any) -> Item:
    """Hash, index and check a record's resources (a failed check turns the record into Rejected)."""
    if not isinstance(record, Converted):
        return record, None
    hints = Hints()
    for resource in record.resources:
        key = (resource["resourceType"], resource["id"])
        try:
            validator.check(resource)
        except FhirError as exc:
            issues = exc.outcome.get("issue") or []
            reason = "; ".join(str(i.get("diagnostics", "")) for i in issues[:3]) or "invalid resource"
            return Rejected(record.ref, "IMP-422", f"{key[0]} would be invalid: {reason}"), None
        hints.digests[key] = content_hash(resource)
        hints.index[key] = index_rows(resource)
    return record, hints


def _send(stream: IO[bytes], message: Any) -> None:
    payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(struct.pack("!Q", len(payload)))
    stream.write(payload)
    stream.flush()


def _receive(stream: IO[bytes]) -> Any:
    head = stream.read(8)
    if len(head) < 8:
        raise EOFError
    (size,) = struct.unpack("!Q", head)
    payload = stream.read(size)
    if len(payload) < size:
        raise EOFError
    return pickle.loads(payload)  # noqa: S301 - our own child process, over a private pipe


def produce(source: str, path: str, chunk: int, validate: str, out: BinaryIO,
            reference: list[ReferenceRow] | None = None, limits: ReadLimits = DEFAULT_LIMITS) -> None:
    """Worker body: stream the adapter's records, prepared, in chunks, as length-prefixed pickles.
    A pipe's small buffer is the back-pressure that keeps both processes' memory flat. `reference`
    is the source's kept reference rows (see gateway.imports.reference), when it has any."""
    from adapters.registry import get_adapter

    try:
        validator = ImportValidator(validate)
        items: list[Item] = []
        adapter = get_adapter(source, limits)
        if reference is not None and isinstance(adapter, UsesReferenceData):
            adapter = adapter.with_reference(reference)
        for record in adapter.read(Path(path)):
            items.append(prepare(record, validator))
            if len(items) >= chunk:
                _send(out, items)
                items = []
        if items:
            _send(out, items)
        _send(out, _DONE)
    except BrokenPipeError:  # the importer went away: nothing left to do
        raise SystemExit(1) from None
    except BaseException:  # noqa: BLE001 - reported to the importer, which fails the run
        _send(out, (_ERROR, traceback.format_exc()))


def prepared_in_worker(source: str, path: Path, chunk: int, validate: str,
                       reference: list[ReferenceRow] | None = None,
                       limits: ReadLimits = DEFAULT_LIMITS) -> Iterator[Item]:
    """Items from a worker process (a fresh interpreter running this module), read under `limits`;
    raises RuntimeError with the worker's traceback if it fails. `reference` goes to the worker on
    its stdin, which it reads whole before writing anything, so the two pipes cannot deadlock."""
    command = [sys.executable, "-m", "gateway.imports.worker", source, str(path), str(chunk), validate,
               str(limits.max_line_bytes), str(limits.max_file_bytes)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stdin=subprocess.PIPE)
    assert process.stdout is not None and process.stdin is not None
    try:
        _send(process.stdin, reference)
        process.stdin.close()
        while True:
            try:
                message = _receive(process.stdout)
            except EOFError:
                process.wait(timeout=10)
                raise RuntimeError(f"the {source} import worker exited unexpectedly "
                                   f"(status {process.returncode})") from None
            if message == _DONE:
                return
            if isinstance(message, tuple) and message and message[0] == _ERROR:
                raise RuntimeError(f"the {source} import worker failed:\n{message[1]}")
            yield from message
    finally:
        if process.poll() is None:
            process.kill()
        process.stdout.close()
        process.wait(timeout=10)


def prepared_here(records: Iterator[SourceRecord], validator: Any) -> Iterator[Item]:
    """The same items, computed in this process (small imports, and sources without a registry name)."""
    for record in records:
        yield prepare(record, validator)


if __name__ == "__main__":
    # Run through the importable module, so pickled classes name gateway.imports.worker, not __main__.
    from gateway.imports import worker as _worker

    _worker.produce(sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.stdout.buffer,
                    _worker._receive(sys.stdin.buffer), ReadLimits(int(sys.argv[5]), int(sys.argv[6])))
