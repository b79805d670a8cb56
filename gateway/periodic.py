"""A background task of the app's lifespan that does one thing every period until stopped: the
retention pass, the alert check. One loop for all of them, so each job is only what it does."""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod

log = logging.getLogger(__name__)


class Periodic(ABC):
    """Calls `tick()` after `first_wait()` seconds, then every `period()` seconds; a failing tick is
    logged and tried again next period. Subclasses give the name, the waits and `tick`."""

    name = "periodic"

    def __init__(self) -> None:
        self._task: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()

    @abstractmethod
    def period(self) -> float:
        """Seconds between ticks."""

    def first_wait(self) -> float:
        return self.period()

    @abstractmethod
    async def tick(self) -> None:
        """The job's one piece of work."""

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        self._stop.clear()
        self._task = asyncio.create_task(self._loop(), name=self.name)

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            await self._task
            self._task = None

    async def _loop(self) -> None:
        wait = self.first_wait()
        while True:
            try:
                await asyncio.wait_for(self._stop.wait(), max(1.0, wait))
                return
            except TimeoutError:
                pass
            try:
                await self.tick()
            except Exception:  # noqa: BLE001 - try again next period
                log.exception("%s failed", self.name)
            wait = self.period()
