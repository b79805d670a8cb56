"""A real HTTP receiver for notifications: a threaded server on 127.0.0.1 that records every POST
(body, headers, arrival time) and can be stopped and started again on the same port, to play a
receiver that goes down and comes back."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.gateway.api.live_server import free_port


@dataclass(frozen=True, slots=True)
class Received:
    body: dict[str, Any]
    headers: dict[str, str]
    at: float  # time.monotonic() on arrival

    @property
    def status(self) -> dict[str, Any]:
        """The SubscriptionStatus parameters as a name -> value/parts mapping."""
        params = self.body["entry"][0]["resource"]["parameter"]
        out: dict[str, Any] = {}
        for p in params:
            value = p.get("part") or next((v for k, v in p.items() if k.startswith("value")), None)
            out.setdefault(p["name"], []).append(value)
        return out

    @property
    def kind(self) -> str:
        return str(self.status["type"][0])

    @property
    def event_numbers(self) -> list[int]:
        numbers = []
        for parts in self.status.get("notification-event", []):
            numbers += [int(p["valueString"]) for p in parts if p["name"] == "event-number"]
        return numbers


class Receiver:
    """Records notifications; `answer` is the status it replies with (503 to play a failing receiver)."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self.received: list[Received] = []
        self.answer = 200
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server API
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                if receiver.answer < 300:
                    with receiver._lock:
                        receiver.received.append(Received(json.loads(raw), dict(self.headers), time.monotonic()))
                self.send_response(receiver.answer)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                return

        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True, name=f"receiver-{self.port}").start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def events(self) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.kind == "event-notification"]

    def of_kind(self, kind: str) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.kind == kind]

    def wait_for(self, predicate: Any, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(0.01)
        return bool(predicate())
