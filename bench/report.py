"""The benchmark's printed table and target verdicts, from the measured results."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bench.load import LoadResult

# The targets, for one gateway process on one core with the load generator on another.
TARGET_READS_PER_S = 5000.0
TARGET_RATIO = 0.2
TARGET_P99_MS = 20.0
TARGET_CONCURRENCY = 32


@dataclass(frozen=True, slots=True)
class Pair:
    """The gateway and the bare ceiling on the same scenario at the same concurrency."""

    scenario: str
    concurrency: int
    gateway: LoadResult
    bare: LoadResult

    @property
    def ratio(self) -> float:
        return self.gateway.rps / self.bare.rps if self.bare.rps else 0.0


def _ms(x: float) -> str:
    return f"{x:7.2f}"


def _cpu(r: LoadResult) -> str:
    return f"{r.server_cpu_us:6.0f}" if r.server_cpu_us is not None else f"{'-':>6}"


def _sw(r: LoadResult) -> str:
    return f"{r.server_switches:4.1f}" if r.server_switches is not None else f"{'-':>4}"


def table(pairs: Iterable[Pair]) -> str:
    """Throughput (req/s), latency percentiles (ms), server CPU µs and context switches per request,
    for both servers per scenario and concurrency."""
    head = (
        f"{'scenario':<20} {'conc':>4} | {'gateway/s':>9} {'p50':>7} {'p95':>7} {'p99':>7} {'err':>4} "
        f"{'cpu-us':>6} {'csw':>4} | {'bare/s':>9} {'p50':>7} {'p95':>7} {'p99':>7} {'cpu-us':>6} {'csw':>4} | "
        f"{'ratio':>5} {'cpu-ratio':>9}"
    )
    lines = [head, "-" * len(head)]
    for p in pairs:
        g, b = p.gateway, p.bare
        lines.append(
            f"{p.scenario:<20} {p.concurrency:>4} | {g.rps:>9.0f} {_ms(g.p50_ms)} {_ms(g.p95_ms)} {_ms(g.p99_ms)} "
            f"{g.errors:>4} {_cpu(g)} {_sw(g)} | {b.rps:>9.0f} {_ms(b.p50_ms)} {_ms(b.p95_ms)} {_ms(b.p99_ms)} "
            f"{_cpu(b)} {_sw(b)} | {p.ratio:>5.2f} {_cpu_ratio(p):>9}"
        )
    return "\n".join(lines)


def _cpu_ratio(p: Pair) -> str:
    g, b = p.gateway.server_cpu_us, p.bare.server_cpu_us
    return f"{b / g:.2f}" if g and b else "-"


def _verdict(met: bool) -> str:
    return "MET" if met else "NOT MET"


def targets(pairs: list[Pair], read_scenario: str) -> list[str]:
    """One line per issue target, judged on the authenticated read scenario."""
    reads = [p for p in pairs if p.scenario == read_scenario]
    if not reads:
        return ["(no read runs: targets not judged)"]
    best = max(reads, key=lambda p: p.gateway.rps)
    at_target = next((p for p in reads if p.concurrency == TARGET_CONCURRENCY), None)
    judged = at_target or max(reads, key=lambda p: p.concurrency)
    lines = [
        f"reads/s >= {TARGET_READS_PER_S:,.0f}: best {best.gateway.rps:,.0f}/s at concurrency {best.concurrency} "
        f"-> {_verdict(best.gateway.rps >= TARGET_READS_PER_S)}",
        f"gateway/bare >= {TARGET_RATIO}: {judged.ratio:.2f} at concurrency {judged.concurrency} "
        f"({judged.gateway.rps:,.0f} vs {judged.bare.rps:,.0f}/s) -> {_verdict(judged.ratio >= TARGET_RATIO)}; "
        f"by CPU per request {_cpu_ratio(judged)} -> "
        f"{_verdict(_cpu_ratio(judged) != '-' and float(_cpu_ratio(judged)) >= TARGET_RATIO)} "
        f"(trust this one when the machine is noisy)",
        f"p99 < {TARGET_P99_MS:.0f} ms at concurrency {judged.concurrency}: {judged.gateway.p99_ms:.2f} ms "
        f"-> {_verdict(judged.gateway.p99_ms < TARGET_P99_MS)}",
    ]
    if at_target is None:
        lines.append(f"(concurrency {TARGET_CONCURRENCY} was not run; judged at {judged.concurrency})")
    return lines


def as_json(pairs: Iterable[Pair]) -> list[dict[str, object]]:
    """Machine-readable results, for comparing runs."""
    out: list[dict[str, object]] = []
    for p in pairs:
        row: dict[str, object] = {"scenario": p.scenario, "concurrency": p.concurrency, "ratio": round(p.ratio, 4)}
        for name, r in (("gateway", p.gateway), ("bare", p.bare)):
            row[name] = {"rps": round(r.rps, 1), "p50_ms": r.p50_ms, "p95_ms": r.p95_ms, "p99_ms": r.p99_ms,
                         "max_ms": r.max_ms, "requests": r.requests, "errors": r.errors, "tool": r.tool,
                         "server_cpu_us": r.server_cpu_us, "server_switches": r.server_switches}
        out.append(row)
    return out
