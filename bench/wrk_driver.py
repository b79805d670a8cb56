"""Drive a server with wrk (C, epoll, one thread) and a Lua script that picks a random path per request.

wrk keeps HTTP/1.1 connections open and costs far less CPU per request than any Python client, so one
core of load generation saturates a single-process Python server. The script adds the Authorization
header to every request and prints the summary and latency percentiles as one JSON line at the end.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

from bench.load import LoadResult, LoadSpec

_MARK = "BENCH_JSON "

_SCRIPT = r"""
local paths = {}

init = function(args)
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  math.randomseed(tonumber(args[2]))
end

request = function()
  return wrk.format("GET", paths[math.random(#paths)])
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '%s{"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,' ..
    '"p50":%d,"p95":%d,"p99":%d,"max":%d}\n',
    "__MARK__", summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
"""


def wrk_path() -> str | None:
    return shutil.which("wrk")


def run_wrk(base_url: str, spec: LoadSpec, seed: int = 1) -> LoadResult:
    """One wrk run of `spec` against `base_url` (http://host:port); runs on the calling process's cores."""
    exe = wrk_path()
    if exe is None:
        raise RuntimeError("wrk is not installed (apt-get install -y wrk)")
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as tmp:
        script, paths = Path(tmp) / "bench.lua", Path(tmp) / "paths.txt"
        headers = "".join(
            f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}\n" for k, v in spec.headers.items()
        )
        script.write_text(headers + _SCRIPT.replace("__MARK__", _MARK), encoding="utf-8")
        paths.write_text("\n".join(spec.scenario.paths) + "\n", encoding="utf-8")
        cmd = [exe, "-t1", f"-c{spec.concurrency}", f"-d{max(1, round(spec.duration_s))}s", "--timeout", "5s",
               "-s", str(script), base_url, "--", str(paths), str(seed)]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith(_MARK)), None)
    if proc.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {proc.stderr.strip() or proc.stdout.strip()}")
    data = json.loads(line[len(_MARK):])
    socket_errors = data["connect"] + data["read"] + data["write"] + data["timeout"]
    return LoadResult(
        requests=data["requests"],
        ok=data["requests"] - data["status"],
        errors=data["status"] + socket_errors,
        seconds=data["duration_us"] / 1e6,
        p50_ms=data["p50"] / 1000.0,
        p95_ms=data["p95"] / 1000.0,
        p99_ms=data["p99"] / 1000.0,
        max_ms=data["max"] / 1000.0,
        in_flight_at_end=spec.concurrency,
        tool="wrk",
    )
