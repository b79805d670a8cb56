"""A job's checkpoint: the types still to write, how far the current one got, and the files so far.

Files are append-only and each is named for the attempt that wrote it, so a process that lost its
lease and has not noticed yet can never write into a file another process is writing. What counts
is what was checkpointed: a file is served up to its checkpointed byte length, which always ends
on a line written before the checkpoint, never beyond.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import orjson


@dataclass(slots=True)
class FilePart:
    """One NDJSON file: its resource type, name in the job's folder, lines and bytes checkpointed."""

    type: str
    name: str
    count: int = 0
    bytes: int = 0


@dataclass(slots=True)
class ExportState:
    """Everything a resumed job needs; stored as JSON in `export_jobs.state`."""

    pending: list[str]  # types not finished yet, the current one first
    after: str | None = None  # the last id checkpointed of the current type
    files: list[FilePart] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=dict)  # expected resources per type, for progress
    interruptions: int = 0  # times a process died (or lost its lease) while running the job

    @property
    def written(self) -> int:
        return sum(f.count for f in self.files)

    def progress(self) -> str:
        """For `X-Progress`: how far, in resources and per cent of the expected total."""
        total = sum(self.totals.values())
        if not self.totals:
            return "queued"
        percent = 100 if total == 0 else min(99, int(self.written * 100 / total))
        current = f", writing {self.pending[0]}" if self.pending else ""
        return f"{percent}% ({self.written} of about {total} resources{current})"

    def to_json(self) -> str:
        return orjson.dumps(asdict(self)).decode()

    @classmethod
    def from_json(cls, text: str) -> ExportState:
        data: dict[str, Any] = orjson.loads(text)
        return cls(pending=list(data["pending"]), after=data.get("after"),
                   files=[FilePart(**f) for f in data.get("files") or []], totals=dict(data.get("totals") or {}),
                   interruptions=int(data.get("interruptions") or 0))
