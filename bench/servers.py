"""Start and stop the server under test in its own process, and wait until it answers."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _answers(port: int, path: str) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(f"GET {path} HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n".encode())
            return s.recv(16).startswith(b"HTTP/1.1 200")
    except OSError:
        return False


@dataclass
class ServerProcess:
    """A running server: its kind, port and process (whose pid py-spy can attach to)."""

    kind: str
    port: int
    process: subprocess.Popen[bytes]

    @property
    def pid(self) -> int:
        return self.process.pid

    def url(self, path: str = "") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self, timeout: float = 20.0) -> int:
        """Graceful stop (SIGTERM: uvicorn runs the lifespan shutdown, so the audit writer drains)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


def start_server(kind: str, core: int | None, env: dict[str, str] | None = None, sqlite_path: str | None = None,
                 ready_path: str = "/healthz", timeout: float = 30.0) -> ServerProcess:
    """Start `python -m bench.serve KIND` pinned to `core`; return once `ready_path` answers 200."""
    port = free_port()
    cmd = [sys.executable, "-m", "bench.serve", kind, "--port", str(port)]
    if core is not None:
        cmd += ["--core", str(core)]
    if sqlite_path:
        cmd += ["--sqlite-path", sqlite_path]
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **(env or {})})
    server = ServerProcess(kind, port, proc)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the {kind} server exited with status {proc.returncode} before answering")
        if _answers(port, ready_path if kind != "echo" else "/"):
            return server
        time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"the {kind} server did not answer {ready_path} within {timeout:.0f}s")
