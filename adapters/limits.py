"""How much of an export one file may make the gateway read: its unzipped size, and the length of
one line (or one row spanning lines). A zip can say a member is small and inflate to gigabytes, and
one line can be a gigabyte long; without these caps either would be read into memory whole.

Both adapters open files through `open_capped`, which refuses a member whose declared size is over
the cap before reading a byte, and stops with `FileTooLarge` if the bytes actually inflated pass
the cap (or the declared size) while reading. `FileTooLarge` is an OSError, so every adapter's
"cannot read this file" path reports it with its reason.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

DEFAULT_MAX_LINE_BYTES = 1024 * 1024
DEFAULT_MAX_FILE_BYTES = 4 * 1024 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class ReadLimits:
    """The caps one import reads under (the gateway's `GATEWAY_IMPORT_MAX_*` settings)."""

    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES


DEFAULT_LIMITS = ReadLimits()


def size_text(size: int) -> str:
    """A byte count as people read it: "1 MiB" when it is a whole number of units, else exact."""
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= scale and size % scale == 0:
            return f"{size // scale} {unit}"
    return f"{size:,} bytes"


class FileTooLarge(OSError):
    """A file of the export is (or inflates to) more bytes than the per-file limit allows."""


class LineTooLong(Exception):
    """One line of a file, or one row spanning lines, is longer than the line limit. Raised by the
    line reader after it has skipped past that line, so reading can carry on after it."""

    def __init__(self, size: int, limit: int, row: bool = False) -> None:
        self.size = size
        self.limit = limit
        self.row = row
        what = "the row runs over more than" if row else f"the line is {size:,} bytes long, over"
        super().__init__(f"{what} the import's limit of {size_text(limit)} per line; the row is rejected")


class _Capped(io.RawIOBase):
    """A byte stream that raises FileTooLarge once more than `cap` bytes have come out of it."""

    def __init__(self, inner: IO[bytes], name: str, cap: int, declared: int | None) -> None:
        self._inner = inner
        self._name = name
        self._cap = cap
        self._declared = declared
        self._seen = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]  # RawIOBase's buffer type
        data = self._inner.read(len(buffer))
        self._seen += len(data)
        if self._seen > self._cap:
            raise FileTooLarge(f"{self._name} unzips to more than {size_text(self._cap)}, the import's limit "
                               "per file; the file is refused")
        if self._declared is not None and self._seen > self._declared:
            raise FileTooLarge(f"{self._name} inflates to more bytes than its zip entry declares "
                               f"({self._declared:,}); the file is refused")
        buffer[: len(data)] = data
        return len(data)


@contextmanager
def open_capped(root: Path, name: str | None, limits: ReadLimits) -> Iterator[IO[bytes]]:
    """Open member `name` of the zip at `root` (or the plain file `root` when `name` is None) as a
    buffered byte stream that will not yield more than the per-file limit."""
    cap = limits.max_file_bytes
    if name is None:
        if root.stat().st_size > cap:
            raise FileTooLarge(f"{root.name} is {root.stat().st_size:,} bytes, over the import's limit of "
                               f"{size_text(cap)} per file; the file is refused")
        with root.open("rb") as plain:
            yield io.BufferedReader(_Capped(plain, root.name, cap, None), 1 << 16)
        return
    with zipfile.ZipFile(root) as archive:
        info = archive.getinfo(name)
        if info.file_size > cap:
            raise FileTooLarge(f"{name} would unzip to {info.file_size:,} bytes, over the import's limit of "
                               f"{size_text(cap)} per file; the file is refused")
        with archive.open(info) as member:
            yield io.BufferedReader(_Capped(member, name, cap, info.file_size), 1 << 16)
