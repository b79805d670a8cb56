"""Profile the gateway's read path under load with py-spy, and say where the samples went.

    .venv/bin/python -m bench.profile_read --duration 10 --out /work/notes/read-profile

Starts the gateway on a freshly loaded database (pinned to the server core), drives authenticated
reads at one concurrency with wrk (or the raw client) from the client core, and records the server
process with `py-spy record` twice: once as a flame graph (`OUT.svg`), once as collapsed stacks
(`OUT.txt`), which `summarize` buckets by the layer each sample was in. py-spy needs ptrace (root,
or CAP_SYS_PTRACE) and is a PyPI package (`pip install py-spy`).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import threading
from collections import Counter
from pathlib import Path

from bench import dataset
from bench.load import LoadSpec
from bench.rawclient import run_raw
from bench.read_search import READ, scenarios
from bench.servers import start_server
from bench.wrk_driver import run_wrk, wrk_path
from gateway.auth.tokens import mint_token
from gateway.settings import Settings
from gateway.storage.migrate import upgrade

# Whole-thread buckets, decided on the full stack first: idle threads and the audit writer's own work.
THREAD_LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("idle: worker thread waiting for work", ("Queue.get (queue.py",)),
    ("audit writer thread (batch insert + commit)", ("AuditWriter._flush", "AuditWriter._count")),
    ("idle: audit writer waiting for a batch", ("AuditWriter._next_batch",)),
)
# Request-path layers: substrings of a frame ("function (path:line)"), matched from the leaf up, so a
# sample is charged to the innermost layer it was in (uuid4 under `caller` counts as auth).
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("audit enqueue (Condition.notify wakes the writer)", ("AuditWriter.record", "audit (gateway/security.py")),
    ("auth: token verify + scopes + Caller/uuid4", ("auth/principal.py", "auth/tokens.py", "auth/scopes.py",
                                                   "caller (gateway/security.py", "authorized (gateway")),
    ("SQLite read (SQLAlchemy + sqlite3, worker thread)", ("sqlalchemy/", "repository/sql.py", "storage/engine.py")),
    ("threadpool hop (anyio handoff, both sides)", ("anyio/", "run_in_threadpool", "starlette/concurrency.py",
                                                    "concurrent/futures")),
    ("response building/sending", ("gateway/responses.py", "starlette/responses.py", "storage/times.py")),
    ("FastAPI telemetry check (os.environ per request)", ("NativeTelemetry", "opentelemetry")),
    ("FastAPI routing + dependency solving + handler", ("fastapi/routing.py", "fastapi/dependencies",
                                                        "starlette/routing.py", "gateway/routes.py",
                                                        "fastapi/_compat", "pydantic")),
    ("middleware/exception layers", ("starlette/middleware", "starlette/_exception_handler", "fastapi/middleware",
                                     "fastapi/_body_limit", "fastapi/telemetry", "fastapi/applications.py",
                                     "starlette/applications.py", "gateway/errors.py")),
    ("uvicorn/httptools protocol + proxy headers", ("uvicorn/",)),
    ("event loop in C (uvloop: socket I/O, epoll, callbacks)", ("Runner.run (asyncio/runners.py", "asyncio/")),
)


def classify(stack: str) -> str:
    """The layer of one collapsed stack (root first, frames separated by ';')."""
    frames = stack.split(";")
    for name, needles in THREAD_LAYERS:
        if any(n in f for f in frames for n in needles):
            return name
    for frame in reversed(frames):
        for name, needles in LAYERS:
            if any(n in frame for n in needles):
                return name
    return "other"


def summarize(collapsed: Path) -> list[tuple[str, int, float]]:
    """(layer, samples, share of busy samples) from py-spy's raw output, largest first; idle layers get
    their share of all samples, in brackets when printed."""
    counts: Counter[str] = Counter()
    for line in collapsed.read_text(encoding="utf-8").splitlines():
        stack, _, n = line.rpartition(" ")
        if stack and n.isdigit():
            counts[classify(stack)] += int(n)
    busy = sum(n for name, n in counts.items() if not name.startswith("idle")) or 1
    total = sum(counts.values()) or 1
    return [(name, n, n / (total if name.startswith("idle") else busy)) for name, n in counts.most_common()]


def top_frames(collapsed: Path, limit: int = 25) -> list[tuple[str, float]]:
    """Leaf-most frames by self time, to see what inside each layer costs most."""
    counts: Counter[str] = Counter()
    for line in collapsed.read_text(encoding="utf-8").splitlines():
        stack, _, n = line.rpartition(" ")
        if stack and n.isdigit():
            counts[stack.split(";")[-1]] += int(n)
    total = sum(counts.values()) or 1
    return [(frame, n / total) for frame, n in counts.most_common(limit)]


def _py_spy() -> str:
    exe = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(exe).exists():
        raise SystemExit("py-spy is not installed: .venv/bin/pip install py-spy")
    return exe


def _record(pid: int, out: Path, fmt: str, seconds: float, rate: int) -> None:
    subprocess.run([_py_spy(), "record", "--pid", str(pid), "--duration", str(round(seconds)), "--rate", str(rate),
                    "--format", fmt, "--output", str(out), "--nonblocking", "--threads"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.profile_read", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--resources", type=int, default=10000)
    p.add_argument("--duration", type=float, default=10.0)
    p.add_argument("--concurrency", type=int, default=32)
    p.add_argument("--rate", type=int, default=250, help="py-spy samples per second")
    p.add_argument("--out", type=Path, default=Path("read-profile"), help="output stem (.svg and .txt)")
    args = p.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="bench-profile-"))
    url = f"sqlite:///{tmp / 'gateway.db'}"
    data, resources = dataset.generate(args.resources)
    upgrade(url)
    dataset.load(url, resources)
    settings = Settings(database_url=url, key_dir=tmp / "keys")
    headers = {"Authorization": f"Bearer {mint_token(settings, 'bench-nurse', 'nurse')}"}
    scenario = next(s for s in scenarios(data) if s.name == READ)

    gateway = start_server("gateway", 0, env={"GATEWAY_DATABASE_URL": url, "GATEWAY_KEY_DIR": str(tmp / "keys")})
    try:
        for fmt, suffix in (("flamegraph", ".svg"), ("raw", ".txt")):
            spec = LoadSpec(scenario, args.concurrency, args.duration + 2, headers)
            recorder = threading.Thread(target=_record, args=(gateway.pid, args.out.with_suffix(suffix), fmt,
                                                              args.duration, args.rate))
            recorder.start()
            result = run_wrk(gateway.url(), spec) if wrk_path() else run_raw("127.0.0.1", gateway.port, spec)[0]
            recorder.join()
            print(f"{fmt}: {result.rps:,.0f} reads/s, p50 {result.p50_ms:.2f} ms, p99 {result.p99_ms:.2f} ms "
                  f"(while sampled)")
    finally:
        gateway.stop()

    collapsed = args.out.with_suffix(".txt")
    print(f"\nwhere the busy samples went ({collapsed}; idle threads as a share of all samples, in brackets):")
    for name, n, share in summarize(collapsed):
        shown = f"({share:.1%})" if name.startswith("idle") else f"{share:.1%}"
        print(f"  {shown:>8} {n:>7}  {name}")
    print("\nleaf frames by self time:")
    for frame, share in top_frames(collapsed):
        print(f"  {share:6.1%}  {frame}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
