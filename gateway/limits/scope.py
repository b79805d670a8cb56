"""The request scope of the limits: a database budget for each /fhir, /api and /app request, spent
by its queries, and cancelled as soon as the client disconnects.

Disconnects are seen by reading the ASGI `receive` channel once the body has been read (at once
for a request without a body): the server answers `http.disconnect` there when the client goes.
Messages read that way are handed on to the app, so its own `receive` calls still work.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.limits.budget import Budget, current_budget

SCOPED_PREFIXES = ("/fhir", "/api", "/app")


def _has_no_body(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"transfer-encoding" or name == b"content-length" and value.strip() not in (b"", b"0"):
            return False
    return True


class _Watch:
    """`receive` for the app that passes the body through, then keeps reading to see a disconnect."""

    def __init__(self, receive: Receive, on_disconnect: Callable[[], Awaitable[None]]) -> None:
        self._receive = receive
        self._on_disconnect = on_disconnect
        self._read: asyncio.Queue[Message] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self.finished = False  # the response has been sent: a disconnect now is the normal end

    def start(self, body_read: bool = True) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._watch(body_read))

    async def _watch(self, body_read: bool) -> None:
        # After the body a server's next message is the disconnect; anything else (a server that
        # does not follow the ASGI spec here) ends the watch rather than spinning on it.
        while True:
            message = await self._receive()
            self._read.put_nowait(message)
            if message["type"] == "http.disconnect":
                if not self.finished:
                    await self._on_disconnect()
                return
            if body_read or message.get("more_body", False):
                return
            body_read = True  # the (empty) body of a request without one: now wait for the end

    async def receive(self) -> Message:
        if self._task is not None:
            if self._task.done() and self._read.empty():  # the watch has ended: read on directly
                return await self._receive()
            return await self._read.get()
        message = await self._receive()
        if message["type"] == "http.request" and not message.get("more_body", False):
            self.start()
        elif message["type"] == "http.disconnect" and not self.finished:
            await self._on_disconnect()
        return message

    async def stop(self) -> None:
        self.finished = True
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


class RequestScope:
    """ASGI middleware: a `Budget` of `timeout_ms` for each request under `SCOPED_PREFIXES`."""

    def __init__(self, app: ASGIApp, timeout_ms: int) -> None:
        self.app = app
        self.timeout_ms = timeout_ms

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(SCOPED_PREFIXES):
            await self.app(scope, receive, send)
            return
        budget = Budget.starting_now(self.timeout_ms)
        token = current_budget.set(budget)

        async def on_disconnect() -> None:
            await run_in_threadpool(budget.cancel)

        watch = _Watch(receive, on_disconnect)
        if _has_no_body(scope):
            watch.start(body_read=False)

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                watch.finished = True
            await send(message)

        try:
            await self.app(scope, watch.receive, sending)
        finally:
            await watch.stop()
            current_budget.reset(token)
