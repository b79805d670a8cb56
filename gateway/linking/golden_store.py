"""Where golden Patient versions are written: through the single-write `Writer` for API writes and
people's decisions (audited per write, before-commit hooks see them), or batched like an import's
own resources for import batches and `relink_all` (one executemany per table instead of several
statements per golden Patient; about three times faster at import volumes).
"""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy import Connection

from gateway.repository.base import Hooks
from gateway.repository.bulk import BulkState, flush, load_current
from gateway.repository.writes import Writer, content_hash


class GoldenSink(Protocol):
    def put(self, golden_id: str, resource: dict[str, Any]) -> None: ...

    def remove(self, golden_id: str) -> None: ...

    def close(self) -> tuple[int, int]:
        """Write what is pending; returns (golden versions written, goldens removed)."""
        ...


class WriterSink:
    """Golden writes as normal single writes in the caller's transaction."""

    def __init__(self, writer: Writer) -> None:
        self.writer = writer
        self.written = 0
        self.removed = 0

    def put(self, golden_id: str, resource: dict[str, Any]) -> None:
        self.written += self.writer.put(resource, golden_id, "PUT").outcome != "unchanged"

    def remove(self, golden_id: str) -> None:
        self.removed += self.writer.remove("Patient", golden_id).outcome == "deleted"

    def close(self) -> tuple[int, int]:
        return self.written, self.removed


class BulkSink:
    """Golden writes collected and flushed like an import batch (history, current row, search
    index), then handed to the `on_bulk_write` hooks as the batch's own versions are."""

    def __init__(self, conn: Connection, hooks: Hooks) -> None:
        self.conn = conn
        self.hooks = hooks
        self.pending: dict[str, dict[str, Any] | None] = {}

    def put(self, golden_id: str, resource: dict[str, Any]) -> None:
        self.pending[golden_id] = resource

    def remove(self, golden_id: str) -> None:
        self.pending[golden_id] = None

    def close(self) -> tuple[int, int]:
        if not self.pending:
            return 0, 0
        state = BulkState(load_current(self.conn, [("Patient", g) for g in self.pending]))
        stored = {key for key, cur in state.current.items() if cur.stored}
        written = removed = 0
        for golden_id, resource in sorted(self.pending.items()):
            key = ("Patient", golden_id)
            if resource is None:
                removed += state.delete(key) is not None
                continue
            digest = content_hash(resource)
            current = state.current.get(key)
            if current is not None and not current.deleted and current.content_hash == digest:
                continue
            state.put(key, resource, digest, "PUT")
            written += 1
        self.pending.clear()
        if state.written:
            flush(self.conn, state, stored)
            for hook in self.hooks.on_bulk_write:
                hook(self.conn, state.written)
        return written, removed
