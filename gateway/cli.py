"""The `gateway` command line (typer + rich). Exit codes: 0 success, 1 failure, 2 usage error."""

from __future__ import annotations

import os
import sys
from datetime import timedelta
from pathlib import Path

import typer
from rich.console import Console

from gateway.backup.commands import register as register_backup_commands
from gateway.settings import get_settings

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Care-record gateway")
db_app = typer.Typer(no_args_is_help=True, help="Database schema")
app.add_typer(db_app, name="db")
register_backup_commands(app)  # backup, restore, verify
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
    from gateway.outbound.policy import OutboundConfigError
    from gateway.storage.migrate import DatabaseBehind

    if mllp_port is not None:
        _fail("the MLLP listener is not part of this build yet (HL7 v2 feeds are a later issue)", 2)
    settings = get_settings()
    from gateway.monitoring.logs import configure_logging

    configure_logging(settings.log_format, settings.log_level)
    if "GATEWAY_BASE_URL" not in os.environ:  # links and Locations should name where we actually listen
        shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
        settings = settings.model_copy(update={"base_url": f"http://{shown}:{port}"})
    listen = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    settings = settings.model_copy(update={"listen_url": f"http://{listen}"})  # never called: it is us
    if "GATEWAY_PAGES_WARM_CASELOAD" not in os.environ:  # a served gateway reads the caseload ahead of its users
        settings = settings.model_copy(update={"pages_warm_caseload": True})
    try:
        application = create_app(settings)
    except (DatabaseBehind, OutboundConfigError) as exc:
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
    show_rejected: int = typer.Option(20, help="How many rejected rows (and warnings) to list"),
) -> None:
    """Import a source export; prints the run's reconciliation (counts add up to rows read), the
    first rejected rows and warnings; `gateway import-report RUN_ID` prints them all."""
    from adapters.registry import UnknownSource, get_adapter, sources
    from gateway.app import build_repository
    from gateway.imports.console import ProgressDisplay, summary_tables
    from gateway.imports.pipeline import ImportRunner, read_limits
    from gateway.imports.report import code_counts, run_rows, run_warnings
    from gateway.outbound.policy import OutboundConfigError
    from gateway.storage.migrate import DatabaseBehind

    if not path.exists():
        _fail(f"{path} does not exist", 2)
    if source == "omaha":
        _import_forms(path, strict, show_rejected)
        return
    settings = get_settings()
    try:
        adapter = get_adapter(source, read_limits(settings))
    except UnknownSource:
        _fail(f"unknown source {source!r}; choose one of {', '.join([*sources(), 'omaha'])}", 2)
    try:
        repo = build_repository(settings)
    except (DatabaseBehind, OutboundConfigError) as exc:
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
        warned, _ = run_warnings(conn, summary.run_id, limit=show_rejected)
        codes = code_counts(conn, summary.run_id)
    for table in summary_tables(summary, rejected, warned, codes):
        out.print(table)
    if rejected or warned:
        out.print(f"Every rejected row and warning: gateway import-report {summary.run_id}")
    repo.db.dispose()
    if summary.status != "completed":
        _fail(f"import {summary.status}: {summary.error}")
    if strict and summary.counts.get("rejected", 0):
        raise typer.Exit(1)


@app.command("import-report")
def import_report(
    run_id: str = typer.Argument(..., help="The import run's id (printed by `gateway import`)"),
    code: str | None = typer.Option(None, "--code", help="Only this reject or warning code, e.g. S1-301"),
    only: str | None = typer.Option(None, "--only", help="rejected | warnings"),
) -> None:
    """Print every rejected row and every warning of an import run, tab-separated, with counts per code."""
    from gateway.app import build_repository
    from gateway.imports.console import report_lines
    from gateway.imports.report import run_summary
    from gateway.outcomes import FhirError
    from gateway.storage.migrate import DatabaseBehind

    if only not in (None, "rejected", "warnings"):
        _fail("--only is rejected or warnings", 2)
    try:
        repo = build_repository(get_settings())
    except DatabaseBehind as exc:
        _fail(str(exc))
    with repo.reading() as conn:
        try:
            run = run_summary(conn, run_id)
        except FhirError:
            _fail(f"no import run {run_id}")
        counts = ", ".join(f"{k} {v}" for k, v in run["counts"].items() if v)
        sys.stderr.write(f"run {run_id} ({run['source']}, {run['status']}): {run['rows']} rows ({counts}); "
                         f"rejected by code {run['rejected_by_code']}; {run['warnings']} warning(s) by code "
                         f"{run['warnings_by_code']}\n")
        for line in report_lines(conn, run_id, code, only):
            sys.stdout.write(line + "\n")
    repo.db.dispose()


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
def export(
    out: Path = typer.Option(..., "--out", help="Folder for the NDJSON files (one per type: Patient.ndjson...)"),
    type_: list[str] = typer.Option([], "--type", help="Resource type(s) to export; default: every stored type"),
    since: str | None = typer.Option(None, "--since", help="Only resources changed since this date or instant"),
) -> None:
    """Bulk export the store as FHIR NDJSON, as it stands when the command starts (progress bar per type)."""
    from gateway.app import build_repository
    from gateway.export.console import export_to_folder, summary_table
    from gateway.export.spec import EXPORTABLE_TYPES
    from gateway.interactions.history import parse_since
    from gateway.outcomes import FhirError
    from gateway.storage.migrate import DatabaseBehind

    unknown = sorted(set(type_) - EXPORTABLE_TYPES)
    if unknown:
        _fail(f"cannot export {', '.join(unknown)}; choose from {', '.join(sorted(EXPORTABLE_TYPES))}", 2)
    try:
        since_us = parse_since(since)
    except FhirError:
        _fail(f"--since {since!r} is not a date (2026-01-31) or an instant (2026-01-31T09:00:00Z)", 2)
    try:
        repo = build_repository(get_settings())
    except DatabaseBehind as exc:
        _fail(str(exc))
    out_console = Console()
    try:
        state, snapshot = export_to_folder(repo, tuple(sorted(set(type_) or EXPORTABLE_TYPES)), since_us, out,
                                           out_console)
    except OSError as exc:
        _fail(f"could not write to {out}: {exc}")
    finally:
        repo.db.dispose()
    out_console.print(summary_table(state, out, snapshot))


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
    from gateway.samples import import_samples, write_samples

    # The sample is dated; the pages read it as of that day (falls in the last year, this week's changes).
    os.environ.setdefault("GATEWAY_PAGES_AS_OF", REFERENCE_DATE.isoformat())
    get_settings.cache_clear()
    db_upgrade()
    settings = get_settings()
    exports = write_samples(people, out, seed)
    repo = build_repository(settings)
    for source, described in import_samples(repo, settings, exports, "cli:demo"):
        console.print(f"[green]imported {source}[/green]: {described}")
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
