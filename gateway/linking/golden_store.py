"""Where golden Patient versions are written: through the caller's unit of work, like any other
write (versioned, indexed, audited, seen by the hooks), whichever door the change came through."""

from __future__ import annotations

from typing import Any

from gateway.repository.unit import UnitOfWork


class GoldenSink:
    """Golden writes in the caller's unit of work; counts what actually changed."""

    def __init__(self, unit: UnitOfWork) -> None:
        self.unit = unit
        self.written = 0
        self.removed = 0

    def put(self, golden_id: str, resource: dict[str, Any]) -> None:
        self.written += self.unit.put(resource, golden_id, "PUT").outcome != "unchanged"

    def remove(self, golden_id: str) -> None:
        self.removed += self.unit.remove("Patient", golden_id).outcome == "deleted"

    def close(self) -> tuple[int, int]:
        """(golden versions written, goldens removed)."""
        return self.written, self.removed
