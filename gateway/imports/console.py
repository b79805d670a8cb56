"""What `gateway import` shows a person: a progress bar per file, then the run's reconciliation (with
the first rejected rows and warnings); and what `gateway import-report` prints: the whole list."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from adapters.base import FileNotice
from gateway.imports.pipeline import OUTCOMES, ImportSummary
from gateway.imports.report import run_rows, run_warnings

MAX_FILES_SHOWN = 25


class ProgressDisplay:
    """Receives the pipeline's progress events and draws one bar per file (by bytes read)."""

    def __init__(self, console: Console) -> None:
        self.progress = Progress(
            TextColumn("{task.description:<32}"), BarColumn(), DownloadColumn(), TextColumn("{task.fields[rows]} rows"),
            TimeElapsedColumn(), console=console, transient=False,
        )
        self.tasks: dict[str, TaskID] = {}
        self.current: str | None = None

    def __enter__(self) -> ProgressDisplay:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._complete(self.current)
        self.progress.stop()

    def _complete(self, name: str | None) -> None:
        if name is not None and name in self.tasks:
            task = self.progress.tasks[self.tasks[name]]
            self.progress.update(self.tasks[name], completed=task.total or task.completed)

    def __call__(self, event: str, payload: Any) -> None:
        if event == "file" and isinstance(payload, FileNotice) and payload.level == "info":
            self._complete(self.current)
            self.current = payload.file
            self.tasks[payload.file] = self.progress.add_task(payload.file, total=payload.size_bytes or None, rows=0)
        elif event == "rows":
            for name, (rows, fraction) in payload.items():
                task_id = self.tasks.get(name)
                if task_id is None:
                    continue
                task = self.progress.tasks[task_id]
                completed = (task.total or 0) * fraction if fraction is not None else task.completed
                self.progress.update(task_id, completed=completed, rows=task.fields["rows"] + rows)


def summary_tables(summary: ImportSummary, rejected: list[dict[str, Any]], warned: list[dict[str, Any]] | None = None,
                   codes: dict[str, Any] | None = None) -> list[Table]:
    """The reconciliation (counts add up to the rows read), the files, the counts per reject and
    warning code, and the first rejected rows and warnings."""
    counts = Table(title=f"Import run {summary.run_id} ({summary.source}): {summary.status}")
    for outcome in OUTCOMES:
        counts.add_column(outcome, justify="right")
    counts.add_column("rows read", justify="right")
    counts.add_row(*(str(summary.counts.get(o, 0)) for o in OUTCOMES), str(summary.rows))

    files = Table(title="Files")
    files.add_column("file")
    files.add_column("sha256")
    files.add_column("notes")
    shown = [f for f in summary.files if f.get("notices")] or summary.files
    shown = (shown + [f for f in summary.files if f not in shown])[:MAX_FILES_SHOWN]
    for item in shown:
        notes = "; ".join(f"{n['level']}: {n['message']}" for n in item.get("notices", []))
        files.add_row(item["file"], (item.get("sha256") or "")[:12], notes)
    if len(summary.files) > len(shown):
        files.add_row(f"... and {len(summary.files) - len(shown)} more files", "", "")

    tables = [counts, files]
    if rejected:
        rej = Table(title=f"Rejected rows (first {len(rejected)})")
        for col in ("file", "line", "row", "code", "reason"):
            rej.add_column(col)
        for row in rejected:
            rej.add_row(row["file"], str(row["line"]), row.get("row_key") or "", row.get("code") or "",
                        row.get("reason") or "")
        tables.append(rej)
    if codes and (codes["rejected_by_code"] or codes["warnings_by_code"]):
        per_code = Table(title=f"Per code ({codes['warnings']} warning(s) on rows that were kept)")
        for col in ("code", "rejected rows", "warnings"):
            per_code.add_column(col, justify="left" if col == "code" else "right")
        rejected_by, warned_by = codes["rejected_by_code"], codes["warnings_by_code"]
        for code in sorted({*rejected_by, *warned_by}):
            per_code.add_row(code, str(rejected_by.get(code, "")), str(warned_by.get(code, "")))
        tables.append(per_code)
    if warned:
        warn = Table(title=f"Warnings (first {len(warned)}; the row was kept)")
        for col in ("file", "line", "row", "code", "column", "value", "message"):
            warn.add_column(col)
        for item in warned:
            warn.add_row(item["file"], str(item["line"]), item.get("row_key") or "", item["code"],
                         item.get("column") or "", item.get("value") or "", item["message"])
        tables.append(warn)
    return tables


REPORT_COLUMNS = ("file", "line", "row", "outcome", "code", "column", "value", "message")


def report_lines(conn: Any, run_id: str, code: str | None = None, only: str | None = None) -> Iterator[str]:
    """Every rejected row, then every warning, of a run (optionally one code, or only `rejected` or
    `warnings`), as tab-separated lines under a header, page by page so memory stays flat."""
    def line(*fields: object) -> str:
        return "\t".join("" if f is None else str(f).replace("\t", " ").replace("\n", " ") for f in fields)

    yield line(*REPORT_COLUMNS)
    if only in (None, "rejected"):
        after: int | None = None
        while True:
            rows, after = run_rows(conn, run_id, "rejected", after, 1000, code)
            for row in rows:
                if code is None or row["code"] == code:
                    yield line(row["file"], row["line"], row["row_key"], "rejected", row["code"], "", "", row["reason"])
            if after is None:
                break
    if only in (None, "warnings"):
        seq: int | None = None
        while True:
            items, seq = run_warnings(conn, run_id, code, seq, 1000)
            for item in items:
                yield line(item["file"], item["line"], item["row_key"], item["outcome"], item["code"], item["column"],
                           item["value"], item["message"])
            if seq is None:
                break
