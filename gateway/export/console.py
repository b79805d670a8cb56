"""`gateway export`: the same NDJSON writer as the API's jobs, straight into a folder, with a
progress bar per resource type and one audit record for the run."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from gateway.audit.entry import AuditEntry
from gateway.audit.writer import record_in
from gateway.export.ndjson import write_export
from gateway.export.spec import ExportSpec
from gateway.export.state import ExportState
from gateway.repository.sql import SqlRepository
from gateway.storage.times import now_us, us_to_instant


class ExportProgress:
    """A bar per type, by resources written against the number expected."""

    def __init__(self, console: Console) -> None:
        self.progress = Progress(TextColumn("{task.description:<24}"), BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn(), console=console)
        self.tasks: dict[str, TaskID] = {}

    def __call__(self, state: ExportState) -> bool:
        for res_type, total in state.totals.items():
            if res_type not in self.tasks:
                self.tasks[res_type] = self.progress.add_task(res_type, total=total)
        done = {t: 0 for t in self.tasks}
        for part in state.files:
            if part.type in done:
                done[part.type] += part.count
        for res_type, task in self.tasks.items():
            finished = res_type not in state.pending
            total = done[res_type] if finished else max(state.totals.get(res_type, 0), done[res_type])
            self.progress.update(task, completed=done[res_type], total=total)
        return True


def export_to_folder(repo: SqlRepository, types: tuple[str, ...], since: int | None, out: Path,
                     console: Console, who: str = "cli:export") -> tuple[ExportState, int]:
    """Write every type into `out` (`Type.ndjson`) as the store stands now; returns the final state
    and the transaction time. Audited as one run."""
    spec = ExportSpec("system", types, since=since)
    state = ExportState(pending=list(types))
    snapshot = now_us()
    display = ExportProgress(console)
    with display.progress:
        write_export(repo.reading, spec, state, out, snapshot, display, checkpoint_s=0.2)
        display(state)
    with repo.db.writer.begin() as conn:
        record_in(conn, AuditEntry(user=who, role="system", interaction="operation",
                                   query=f"$export (command line) as at {us_to_instant(snapshot)} to {out}: "
                                   f"{state.written} resources in {len(state.files)} files"))
    return state, snapshot


def summary_table(state: ExportState, out: Path, snapshot: int) -> Table:
    table = Table(title=f"Exported to {out} (as at {us_to_instant(snapshot)})")
    table.add_column("type")
    table.add_column("resources", justify="right")
    table.add_column("file")
    for part in state.files:
        table.add_row(part.type, str(part.count), part.name)
    table.add_row("total", str(state.written), "")
    return table
