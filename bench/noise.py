"""How much of the machine other processes used while the benchmark ran (Linux /proc only).

A 2-core benchmark is only as good as the quiet on those cores: a test suite running next to it takes
time slices from the server and the load generator alike and turns thread hand-offs into waits for a
core. The benchmark prints this so a reader can tell a slow gateway from a busy machine.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _busy_seconds() -> float | None:
    """CPU seconds all cores spent on anything but idle and iowait since boot."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except OSError:
        return None
    values = [int(v) for v in fields[:8]]
    return (sum(values) - values[3] - values[4]) / _TICK


def process_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and its waited-for children (0 when it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    parts = stat[stat.rfind(")") + 2 :].split()
    return sum(int(parts[i]) for i in (11, 12, 13, 14)) / _TICK


def context_switches(pid: int) -> dict[int, int]:
    """Voluntary + involuntary context switches so far of each live thread of a process, by thread id."""
    out: dict[int, int] = {}
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return out
    for task in tasks:
        try:
            out[int(task.name)] = sum(int(line.split()[-1]) for line in (task / "status").read_text().splitlines()
                                      if "ctxt_switches:" in line)
        except (OSError, ValueError):
            continue
    return out


def switches_between(before: dict[int, int], after: dict[int, int]) -> int:
    """Switches made between two snapshots by threads alive at the second (threads that exited in
    between, such as idle thread-pool workers, are left out rather than counted negative)."""
    return sum(n - before.get(tid, 0) for tid, n in after.items())


@dataclass
class NoiseMeter:
    """Started before the runs; `report` after them, with the CPU seconds our own processes used."""

    started_wall: float = 0.0
    started_busy: float | None = None
    started_own: float = 0.0

    def start(self) -> None:
        self.started_wall = time.monotonic()
        self.started_busy = _busy_seconds()
        self.started_own = process_seconds(os.getpid())

    def own_since_start(self) -> float:
        return process_seconds(os.getpid()) - self.started_own

    def report(self, server_seconds: float) -> str:
        """One line: how many core-seconds went to other processes during the runs."""
        busy = _busy_seconds()
        if busy is None or self.started_busy is None:
            return "machine noise: unknown (no /proc/stat)"
        wall = time.monotonic() - self.started_wall
        cores = os.cpu_count() or 1
        ours = self.own_since_start() + server_seconds
        others = max(0.0, busy - self.started_busy - ours)
        share = others / (wall * cores) if wall > 0 else 0.0
        verdict = "quiet enough" if share < 0.05 else "NOISY: figures understate both servers; rerun on a quiet machine"
        return (f"machine noise: other processes used {others:.1f} of {wall * cores:.1f} core-seconds "
                f"({share:.0%}) during the runs -> {verdict}")
