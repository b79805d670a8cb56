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
    delivery_worker: bool = True
    delivery_poll_ms: float = 250.0
    delivery_retry_base_ms: float = 500.0
    delivery_retry_max_s: float = 300.0
    delivery_timeout_s: float = 10.0
    delivery_lease_s: float = 60.0
    delivery_batch: int = 50
    liquidlogic_endpoint_token: str | None = None
    subscription_events_max: int = 1000


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
