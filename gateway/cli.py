"""The `gateway` command line (typer + rich). Exit codes: 0 success, 1 failure, 2 usage error."""

from __future__ import annotations

import os
import sys
from datetime import timedelta
from pathlib import Path

import typer
from rich.console import Console

from gateway.settings import get_settings

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Care-record gateway")
db_app = typer.Typer(no_args_is_help=True, help="Database schema")
app.add_typer(db_app, name="db")
console = Console(stderr=True)


def _fail(message: str, code: int = 1) -> None:
    console.print(f"[red]error:[/red] {message}")
    raise typer.Exit(code)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every migration to GATEWAY_DATABASE_URL and create the local signing key."""
    from gateway.app import build_repository
    from gateway.assessments.questionnaire import publish_questionnaire
    from gateway.auth.keys import ensure_local_key
    from gateway.imports.terminology import publish_terminology
    from gateway.storage.migrate import upgrade

    settings = get_settings()
    upgrade(settings.database_url)
    if not settings.jwks_url:
        ensure_local_key(settings.key_dir)
    repo = build_repository(settings)
    published = publish_terminology(repo)
    publish_questionnaire(repo)
    repo.db.dispose()
    console.print(f"[green]database is up to date[/green] ({_safe_url(settings.database_url)}); "
                  f"terminology: {published.counts.get('created', 0)} new, {published.counts.get('updated', 0)} "
                  f"updated, {published.counts.get('unchanged', 0)} unchanged, "
                  f"{published.counts.get('rejected', 0)} rejected; Omaha assessment Questionnaire published")


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on"),
    port: int = typer.Option(8000, help="Port"),
    mllp_port: int | None = typer.Option(None, "--mllp-port", help="Also listen for HL7 v2 over MLLP"),
) -> None:
    """Serve the FHIR API and the team's pages."""
    import uvicorn

    from gateway.app import create_app
    from gateway.storage.migrate import DatabaseBehind

    if mllp_port is not None:
        _fail("the MLLP listener is not part of this build yet (HL7 v2 feeds are a later issue)", 2)
    settings = get_settings()
    if "GATEWAY_BASE_URL" not in os.environ:  # links and Locations should name where we actually listen
        shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
        settings = settings.model_copy(update={"base_url": f"http://{shown}:{port}"})
    try:
        application = create_app(settings)
    except DatabaseBehind as exc:
        _fail(str(exc))
    uvicorn.run(application, host=host, port=port, log_level="warning", access_log=False)


@app.command()
def token(
    user: str = typer.Option(..., "--user", help="User id (the token's subject)"),
    role: str = typer.Option(..., "--role", help="nurse | social-worker | integrator | admin"),
    team: list[str] = typer.Option([], "--team", help="CareTeam id(s) the user works in"),
    scope: list[str] = typer.Option([], "--scope", help="SMART scope(s); default: the role's"),
    minutes: int | None = typer.Option(None, help="Lifetime in minutes"),
) -> None:
    """Mint a development token signed with the local key; prints it on stdout."""
    from gateway.auth.roles import UnknownRole
    from gateway.auth.tokens import mint_token

    settings = get_settings()
    if settings.jwks_url:
        _fail("GATEWAY_JWKS_URL is set: tokens come from your identity provider, not from this command", 2)
    try:
        value = mint_token(settings, user, role, teams=tuple(team), scopes=list(scope) or None,
                           lifetime=timedelta(minutes=minutes) if minutes else None)
    except (UnknownRole, ValueError) as exc:
        _fail(str(exc), 2)
    sys.stdout.write(value + "\n")


@app.command()
def openapi(out: Path = typer.Option(Path("openapi.yaml"), help="Where to write the document")) -> None:
    """Write the OpenAPI document the app serves (keep openapi.yaml equal to it)."""
    from gateway.openapi_doc import build_openapi, dump_yaml

    out.write_text(dump_yaml(build_openapi()), encoding="utf-8")
    console.print(f"wrote {out}")


@app.command("import")
def import_(
    source: str = typer.Argument(..., help="systmone | liquidlogic | omaha"),
    path: Path = typer.Argument(..., help="An export folder or .zip (omaha: a folder of assessment forms)"),
    strict: bool = typer.Option(False, "--strict", help="Exit 1 when any row is rejected"),
    show_rejected: int = typer.Option(20, help="How many rejected rows to list"),
) -> None:
    """Import a source export; prints the run's reconciliation (counts add up to rows read)."""
    from adapters.registry import UnknownSource, get_adapter, sources
    from gateway.app import build_repository
    from gateway.imports.console import ProgressDisplay, summary_tables
    from gateway.imports.pipeline import ImportRunner
    from gateway.imports.report import run_rows
    from gateway.storage.migrate import DatabaseBehind

    if not path.exists():
        _fail(f"{path} does not exist", 2)
    if source == "omaha":
        _import_forms(path, strict, show_rejected)
        return
    try:
        adapter = get_adapter(source)
    except UnknownSource:
        _fail(f"unknown source {source!r}; choose one of {', '.join([*sources(), 'omaha'])}", 2)
    settings = get_settings()
    try:
        repo = build_repository(settings)
    except DatabaseBehind as exc:
        _fail(str(exc))
    runner = ImportRunner.from_settings(repo, settings, f"cli:{source}")
    out = Console()
    try:
        with ProgressDisplay(out) as progress:
            summary = runner.run(adapter, path, progress)
    except Exception as exc:  # noqa: BLE001 - reported, exit code 1
        _fail(f"import failed: {type(exc).__name__}: {exc}")
    with repo.reading() as conn:
        rejected, _ = run_rows(conn, summary.run_id, "rejected", limit=show_rejected)
    for table in summary_tables(summary, rejected):
        out.print(table)
    repo.db.dispose()
    if summary.status != "completed":
        _fail(f"import {summary.status}: {summary.error}")
    if strict and summary.counts.get("rejected", 0):
        raise typer.Exit(1)


def _import_forms(folder: Path, strict: bool, show_rejected: int) -> None:
    """Omaha assessment forms: each file submitted as one assessment (see gateway.assessments.load)."""
    from gateway.app import build_repository
    from gateway.assessments.load import load_forms
    from gateway.storage.migrate import DatabaseBehind

    if not folder.is_dir():
        _fail(f"{folder} is not a folder of assessment forms", 2)
    try:
        repo = build_repository(get_settings())
    except DatabaseBehind as exc:
        _fail(str(exc))
    summary = load_forms(repo, folder, "cli:omaha")
    repo.db.dispose()
    console.print(f"omaha: {summary.describe()}")
    for item in summary.rejected[:show_rejected]:
        console.print(f"  [red]rejected[/red] {item.file}: {item.reason}")
    if strict and summary.rejected:
        raise typer.Exit(1)


@app.command()
def sample(
    people: int = typer.Option(300, "--people", help="How many people (a caseload of ~60 is drawn from them)"),
    out: Path = typer.Option(Path("sample-data"), "--out", help="Folder to write the exports into"),
    seed: int = typer.Option(1, "--seed", help="Same seed, same bytes"),
) -> None:
    """Write deterministic synthetic exports: SystmOne (out/systmone), Liquidlogic (out/liquidlogic) and
    Omaha assessment forms (out/omaha)."""
    from gateway.samples import write_samples

    for name, folder in write_samples(people, out, seed).items():
        console.print(f"{name}: {folder}")


@app.command()
def demo(
    people: int = typer.Option(300, "--people", help="Practice population size (a caseload of ~60 is drawn from it)"),
    out: Path = typer.Option(Path("sample-data"), "--out", help="Where the sample exports are written"),
    host: str = typer.Option("127.0.0.1"),
    port: int = typer.Option(8000),
    seed: int = typer.Option(1),
) -> None:
    """Upgrade the embedded database, write and import the synthetic sample of every source, then serve."""
    from adapters.sample.people import REFERENCE_DATE
    from gateway.app import build_repository
    from gateway.assessments.load import load_forms
    from gateway.imports.pipeline import ImportRunner
    from gateway.samples import write_samples

    # The sample is dated; the pages read it as of that day (falls in the last year, this week's changes).
    os.environ.setdefault("GATEWAY_PAGES_AS_OF", REFERENCE_DATE.isoformat())
    get_settings.cache_clear()
    db_upgrade()
    settings = get_settings()
    exports = write_samples(people, out, seed)
    repo = build_repository(settings)
    runner = ImportRunner.from_settings(repo, settings, "cli:demo")
    from adapters.registry import get_adapter

    for source, folder in exports.items():
        if source == "omaha":
            console.print(f"[green]imported omaha[/green]: {load_forms(repo, folder, 'cli:demo').describe()}")
            continue
        summary = runner.run(get_adapter(source), folder)
        counts = ", ".join(f"{k} {v}" for k, v in summary.counts.items() if v)
        console.print(f"[green]imported {source}[/green]: {summary.rows} rows ({counts})")
    repo.db.dispose()
    from gateway.auth.tokens import mint_token

    nurse = mint_token(settings, "nurse.demo", "nurse")
    console.print(f"\nThe team's pages: [bold]http://{host}:{port}/app[/bold]  (sign in with any name and the role "
                  "'nurse', 'social-worker' or 'admin': development sign-in)")
    console.print(f"The pages read the sample as of {settings.pages_as_of}, the day it was written for "
                  "(GATEWAY_PAGES_AS_OF).")
    console.print(f"The FHIR API: [bold]http://{host}:{port}/fhir[/bold]")
    console.print("A nurse's token for the API (Authorization: Bearer ...):")
    sys.stdout.write(f"{nurse}\n\n")  # unwrapped, so it can be copied whole
    sys.stdout.flush()
    serve(host=host, port=port, mllp_port=None)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
