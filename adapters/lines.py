"""The physical lines of a CSV file, decoded, none longer than the line limit.

Lines are cut at b"\\n" only (a lone CR stays inside its line, as the csv module expects with
newline=""), and keep their line ending. The file is read in 1 MiB chunks, so however long a line
is, at most the limit plus one chunk is held: a line over the limit is skipped to its end without
being kept, and `LineTooLong` is raised in its place. The reader stays usable after that, so the
caller rejects that one row and reads on. `RowBudget` applies the same limit to a row that a quoted
field spreads over many short lines.
"""

from __future__ import annotations

import codecs
from typing import IO

from adapters.limits import LineTooLong

CHUNK = 1 << 20


class BoundedLines:
    """Iterator of the decoded lines of `stream`; raises LineTooLong (and carries on) for a line
    longer than `limit` bytes. `count` is the physical lines handed out or skipped so far."""

    def __init__(self, stream: IO[bytes], encoding: str, limit: int, chunk: int = CHUNK) -> None:
        self._stream = stream
        self._codec = {"utf-8-sig": "utf-8", "ascii": "cp1252"}.get(encoding, encoding)
        self._limit = limit
        self._chunk = chunk
        self._ready: list[bytes | int] = []  # complete lines, or the size of a skipped over-long line
        self._next = 0
        self._tail = b""  # the start of a line whose end is not read yet
        self._skipping = -1  # bytes of an over-long line skipped so far (-1: not skipping)
        self._eof = False
        self._first = True
        self.count = 0

    def __iter__(self) -> BoundedLines:
        return self

    def __next__(self) -> str:
        while self._next >= len(self._ready):
            if self._eof:
                raise StopIteration
            self._fill()
        item = self._ready[self._next]
        self._next += 1
        self.count += 1
        if isinstance(item, int):
            raise LineTooLong(item, self._limit)
        if self._first:
            self._first = False
            item = item.removeprefix(codecs.BOM_UTF8)
        return item.decode(self._codec, errors="replace")

    def _fill(self) -> None:
        self._ready, self._next = [], 0
        chunk = self._stream.read(self._chunk)
        if not chunk:
            self._eof = True
            if self._skipping >= 0:
                self._ready.append(self._skipping)
            elif self._tail:
                self._ready.append(self._tail)
            self._tail = b""
            return
        if self._skipping >= 0:  # inside an over-long line: drop bytes up to its end
            end = chunk.find(b"\n")
            if end < 0:
                self._skipping += len(chunk)
                return
            self._ready.append(self._skipping + end + 1)
            self._skipping = -1
            chunk = chunk[end + 1:]
        parts = (self._tail + chunk).split(b"\n") if self._tail else chunk.split(b"\n")
        self._tail = parts.pop()
        limit = self._limit
        for part in parts:
            size = len(part) + 1
            self._ready.append(size if size > limit else part + b"\n")
        if len(self._tail) > limit:
            self._skipping, self._tail = len(self._tail), b""


class RowBudget:
    """Counts the characters of the lines one row has taken; `take` raises LineTooLong(row=True)
    when a row grows past the limit (a quote left open would otherwise gather the rest of the file
    into one field)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0

    def start_row(self) -> None:
        self.used = 0

    def take(self, line: str) -> None:
        self.used += len(line)
        if self.used > self.limit:
            raise LineTooLong(self.used, self.limit, row=True)
