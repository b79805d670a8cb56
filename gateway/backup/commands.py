"""The `gateway backup`, `gateway restore` and `gateway verify` commands (registered by gateway.cli).
Exit codes as everywhere: 0 success, 1 failure (the store or copy is not sound), 2 usage error."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

console = Console(stderr=True)


def _counts(manifest: object) -> str:
    from gateway.backup.manifest import Manifest

    assert isinstance(manifest, Manifest)
    total = sum(manifest.resources_by_type.values())
    kinds = len(manifest.resources_by_type)
    return f"schema {manifest.schema_revision}, {total} current resources of {kinds} types"


def backup(dest: Path = typer.Argument(..., help="A new (or empty) folder for the copy and its manifest")) -> None:
    """Take a consistent online copy of the SQLite store (while the gateway serves), with a manifest."""
    from gateway.backup.store import BackupError
    from gateway.backup.store import backup as take_backup
    from gateway.settings import get_settings

    try:
        manifest = take_backup(get_settings().database_url, dest)
    except BackupError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    console.print(f"[green]backed up[/green] to {dest}: {_counts(manifest)}; sha256 {manifest.file_sha256}")


def restore(
    src: Path = typer.Argument(..., help="A backup folder made by `gateway backup`"),
    replace: bool = typer.Option(False, "--replace", help="Overwrite an existing (stopped) store"),
) -> None:
    """Restore a verified backup into the stopped SQLite store at GATEWAY_DATABASE_URL."""
    from gateway.backup.store import BackupError
    from gateway.backup.store import restore as put_back
    from gateway.settings import get_settings

    try:
        manifest = put_back(src, get_settings().database_url, replace=replace)
    except BackupError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from None
    console.print(f"[green]restored[/green] {src}: {_counts(manifest)}; run `gateway db upgrade` if this "
                  "gateway is newer than the backup")


def verify(
    backup_dir: Path | None = typer.Argument(None, help="A backup folder; without one, the live store"),
    against: Path | None = typer.Option(None, "--against", help="A manifest.json the live store must match"),
    write_manifest: Path | None = typer.Option(None, "--write-manifest", help="Also write the store's manifest"),
) -> None:
    """Check a backup against its manifest, or the live store (SQLite or PostgreSQL): counts and hashes."""
    from gateway.backup.manifest import Manifest
    from gateway.backup.store import BackupError, verify_backup, verify_store
    from gateway.settings import get_settings

    try:
        if backup_dir is not None:
            result = verify_backup(backup_dir)
        else:
            expected = Manifest.load(against) if against is not None else None
            result = verify_store(get_settings().database_url, expected)
    except (BackupError, ValueError, OSError) as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    if write_manifest is not None:
        write_manifest.write_text(result.manifest.to_json(), encoding="utf-8")
    for problem in result.problems[:50]:
        console.print(f"  [red]problem[/red] {problem}")
    if not result.ok:
        console.print(f"[red]not verified[/red]: {len(result.problems)} problem(s)")
        raise typer.Exit(1)
    console.print(f"[green]verified[/green]: {_counts(result.manifest)}; digest {result.manifest.content_digest}")


def register(app: typer.Typer) -> None:
    """Add the commands to the `gateway` command line."""
    app.command()(backup)
    app.command()(restore)
    app.command()(verify)
