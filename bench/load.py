"""What a load run is asked to do and what it measured, whichever load generator ran it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Scenario:
    """One kind of request: a name for the table and the paths to pick from at random."""

    name: str
    paths: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class LoadSpec:
    """How hard and how long to drive one server with one scenario."""

    scenario: Scenario
    concurrency: int
    duration_s: float
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class LoadResult:
    """Completed requests, how many were 2xx, throughput over the measured time, latency percentiles.

    `in_flight_at_end` bounds the requests the server may still have handled after the generator
    stopped counting (wrk closes its connections mid-request; the raw client drains them, so 0).
    """

    requests: int
    ok: int
    errors: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    in_flight_at_end: int
    tool: str
    server_cpu_us: float | None = None  # server process CPU time per completed request
    server_switches: float | None = None  # server context switches (all threads) per completed request

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds > 0 else 0.0


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of already sorted values (0 for none)."""
    if not sorted_values:
        return 0.0
    rank = max(1, min(len(sorted_values), round(q / 100.0 * len(sorted_values) + 0.5)))
    return sorted_values[rank - 1]
