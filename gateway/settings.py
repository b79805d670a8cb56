"""Settings from `GATEWAY_` environment variables (pydantic-settings); one object per process."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything configurable. Defaults give a working embedded gateway on SQLite."""

    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    database_url: str = "sqlite:///./gateway.db"
    base_url: str = "http://127.0.0.1:8000"

    # Tokens: a local signing key for development (created by `gateway db upgrade`/first start),
    # or an external OpenID Connect issuer's JWKS in production.
    key_dir: Path = Path(".gateway/keys")
    token_issuer: str = "https://care-gateway.example/auth"
    token_audience: str = "care-gateway"
    jwks_url: str | None = None
    token_lifetime_minutes: int = 12 * 60

    # Audit: reads are group-committed; a response waits for its audit row to be durable. The writer
    # commits whatever has queued as soon as its previous commit ends (0) or at most once per this
    # many ms. Measured (bench/read_search, quiet 2-core machine): 0 gave 5,574 reads/s at 32
    # concurrent and 2,864/s from one client (p50 0.3 ms); 2 ms gave 4,100-5,000/s and 470/s (p50 2.1 ms).
    audit_flush_ms: float = 0.0
    audit_batch_size: int = 512

    # Search paging.
    default_page_size: int = 20
    max_page_size: int = 1000

    # Outbound delivery of assessment updates to social care.
    liquidlogic_drop_dir: Path | None = None
    liquidlogic_endpoint: str | None = None
    delivery_give_up_hours: float = 24.0

    # Import pipeline.
    import_batch_rows: int = 2000
    # "sample": cheap checks on every imported resource, full model validation on the first of each
    # type and every 50th; "all": full validation of every resource (slower). API writes: always full.
    import_validate: str = "sample"
    # Exports at least this many bytes are parsed in a worker process; unset: never.
    import_worker_min_bytes: int | None = 4 * 1024 * 1024

    # Subscription and social care delivery worker (gateway/delivery). Retries back off
    # exponentially from `delivery_retry_base_ms` up to `delivery_retry_max_s` until
    # `delivery_give_up_hours` after the event, then the row is dead-lettered.
    # The day the team's pages take as today (falls in the last 12 months, the caseload's markers);
    # unset: the real date. `gateway demo` sets the synthetic sample's own date so its record reads as current.
    pages_as_of: date | None = None
    # Read the caseload in the background at start-up (`gateway serve` turns it on; test apps do not).
    pages_warm_caseload: bool = False
    delivery_worker: bool = True
    delivery_poll_ms: float = 250.0
    delivery_retry_base_ms: float = 500.0
    delivery_retry_max_s: float = 300.0
    delivery_timeout_s: float = 10.0
    delivery_lease_s: float = 60.0
    delivery_batch: int = 50
    liquidlogic_endpoint_token: str | None = None
    subscription_events_max: int = 1000

    # Bulk export ($export, `gateway export`). Files go under `export_dir`, which every gateway process
    # sharing the database must see (a shared folder); they and their job are removed `export_expiry_hours`
    # after the job ends. A process runs a job under a lease of `export_lease_s`, renewed at every
    # checkpoint; a job interrupted `export_max_attempts` times is failed. `export_rows_per_s` (0: no
    # limit) keeps a big export from starving the interactive API on a small machine.
    export_worker: bool = True
    export_dir: Path = Path(".gateway/exports")
    export_expiry_hours: float = 24.0
    export_lease_s: float = 30.0
    export_poll_ms: float = 500.0
    export_chunk_rows: int = 5000
    export_max_attempts: int = 3
    export_rows_per_s: float = 0.0

    # Outbound calls (gateway/outbound): Subscription rest-hook endpoints must fall under one of these
    # comma-separated URL prefixes (https; plain http only on a loopback address named here). The
    # social care endpoint above is allowed by its own setting. Link-local and metadata addresses and
    # the gateway's own host and port are refused whatever the list says.
    outbound_allow: str = ""
    # Where this process listens (set by `gateway serve`): its own address, never called.
    listen_url: str | None = None

    # Import limits (gateway/imports, adapters). Uploads to POST /api/imports/{source} are streamed
    # to `import_upload_dir` (default: the system's temporary folder) and removed when their run ends.
    import_upload_max_bytes: int = 512 * 1024 * 1024
    import_upload_dir: Path | None = None
    # A CSV line (or a row spanning lines, or a JSON form) longer than this is rejected with a reason;
    # a file that unzips to more than `import_max_file_bytes` is refused (declared and actual sizes).
    import_max_line_bytes: int = 1024 * 1024
    import_max_file_bytes: int = 4 * 1024 * 1024 * 1024
    # A running import writes a heartbeat this often; a run whose heartbeat is older than
    # `import_stale_after_s` is marked interrupted (its process died), with how to resume.
    import_heartbeat_s: float = 15.0
    import_stale_after_s: float = 300.0
    # Operating it (gateway/monitoring, gateway/retention, gateway/alerts; README "Operating it").
    # /metrics answers a scraper presenting this bearer token; unset, it needs an admin's gateway token.
    metrics_token: str | None = None
    log_format: str = "json"  # json | text (what `gateway serve` writes to stderr)
    log_level: str = "INFO"
    access_log: bool = False  # one JSON line per request: method, route template, status, ms, request id
    # Retention: days to keep each kind of transient copy, by purger name (JSON, e.g. {"uploads": 30});
    # kinds not named keep their registered defaults (gateway/retention/purgers.py, README).
    retention_days: dict[str, float] = {}
    retention_job: bool = True
    retention_interval_hours: float = 24.0
    # Alerts: checked every `alert_check_s`; a threshold set to null switches its rule off.
    alert_check_s: float = 60.0
    alert_source_quiet_hours: float | None = 26.0  # a source that has imported before, silent this long
    alert_source_quiet_hours_by_source: dict[str, float] = {}  # per-source overrides, e.g. {"liquidlogic": 170}
    alert_dead_letters_above: int | None = 0
    alert_delivery_waiting_minutes: float | None = 30.0  # oldest undelivered row of a queue, this old
    alert_rejected_rate_above: float | None = 0.05  # of the rows in a source's latest completed import
    alert_webhook_url: str | None = None  # POSTed a JSON document when an alert fires or resolves
    alert_webhook_token: str | None = None  # sent as "Authorization: Bearer ..." to the webhook

    # Request limits (gateway/limits): what one request may send and ask for. Exceeding one answers
    # an OperationOutcome (413 for size, 400 for shape, 503 when its database time runs out).
    max_body_bytes: int = 16 * 1024 * 1024  # /fhir, /api and /app bodies; imports keep their own limit
    max_json_depth: int = 100  # nesting of objects and arrays in a JSON body
    max_bundle_entries: int = 1000  # entries in one batch or transaction Bundle
    max_search_params: int = 40  # query parameters in one search
    max_search_values: int = 100  # comma-separated values in one search parameter
    max_sort_keys: int = 5  # keys in `_sort`
    # Database time for one request (PostgreSQL statement_timeout, SQLite progress handler); work
    # is also stopped when the client disconnects. Imports, exports and delivery are not bound by it.
    request_db_timeout_ms: int = 15000


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
