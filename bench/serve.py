"""Server process entry point: the gateway, the bare ceiling app or the echo server, pinned to one core.

Run by `bench.servers` as `python -m bench.serve KIND --port P [--core C]`, so the server under test has a
core of its own and the load generator cannot steal its time. The gateway reads its settings from the
`GATEWAY_` environment variables the parent sets (database URL, key directory).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
from typing import Any

ECHO_BODY = b'{"resourceType":"Patient","id":"echo"}' * 13  # about the size of a benchmark Patient


def pin(core: int | None) -> None:
    """Run this process (and the threads it starts later) on `core` only, where the machine has it."""
    if core is not None and hasattr(os, "sched_setaffinity") and core < (os.cpu_count() or 1):
        os.sched_setaffinity(0, {core})


def uvicorn_options() -> dict[str, Any]:
    """The fastest uvicorn stack installed: uvloop and httptools when present; no access log."""
    return {
        "loop": "uvloop" if importlib.util.find_spec("uvloop") else "asyncio",
        "http": "httptools" if importlib.util.find_spec("httptools") else "h11",
        "log_level": "warning",
        "access_log": False,
        "lifespan": "on",
    }


class _EchoProtocol(asyncio.Protocol):
    """Answers every request head with the same small response: the load generator's own ceiling."""

    response = (
        b"HTTP/1.1 200 OK\r\ncontent-type: application/fhir+json\r\ncontent-length: "
        + str(len(ECHO_BODY)).encode() + b"\r\n\r\n" + ECHO_BODY
    )

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport: asyncio.Transport = transport  # type: ignore[assignment]
        self.pending = b""

    def data_received(self, data: bytes) -> None:
        data = self.pending + data
        heads = data.count(b"\r\n\r\n")
        self.pending = data[data.rfind(b"\r\n\r\n") + 4 :] if heads else data
        if heads:
            self.transport.write(self.response * heads)


def _serve_echo(port: int) -> None:
    if importlib.util.find_spec("uvloop"):
        import uvloop

        uvloop.install()

    async def main() -> None:
        server = await asyncio.get_running_loop().create_server(_EchoProtocol, "127.0.0.1", port, backlog=1024)
        async with server:
            await server.serve_forever()

    asyncio.run(main())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("kind", choices=("gateway", "bare", "echo"))
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--core", type=int, default=None)
    parser.add_argument("--sqlite-path", default=None, help="database file of the bare app")
    args = parser.parse_args()
    pin(args.core)
    if args.kind == "echo":
        _serve_echo(args.port)
        return

    import uvicorn

    if args.kind == "gateway":
        from gateway.app import create_app
        from gateway.settings import Settings

        app: Any = create_app(Settings())
    else:
        from bench.bare_app import create_bare_app

        app = create_bare_app(args.sqlite_path)
    uvicorn.run(app, host="127.0.0.1", port=args.port, backlog=1024, **uvicorn_options())


if __name__ == "__main__":
    main()
