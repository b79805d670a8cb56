"""Opening a Liquidlogic export, folder or zip alike, as a list of named byte streams.

Every reader works on `ExportEntry.open()` so the CSV can be streamed from disk or from inside a
zip without unpacking it; the checksum pass also decides the text encoding (UTF-8, else
Windows-1252) before any row is parsed. Each entry is opened under the import's `ReadLimits`: a
file over the size limit raises `FileTooLarge` (an OSError), and lines come through `BoundedLines`.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

from adapters.encoding import byte_facts, chunks_of
from adapters.limits import DEFAULT_LIMITS, ReadLimits, open_capped, size_text
from adapters.lines import BoundedLines
from adapters.liquidlogic.errors import RowTooLong

CHUNK = 1 << 16


@dataclass(frozen=True, slots=True)
class ExportEntry:
    """One file of the export: `name` is its path inside the export, with forward slashes."""

    root: Path
    name: str
    is_zip: bool
    limits: ReadLimits = DEFAULT_LIMITS

    @contextmanager
    def open(self) -> Iterator[IO[bytes]]:
        """The file's bytes, no more than the per-file limit (FileTooLarge past it)."""
        if self.is_zip:
            with open_capped(self.root, self.name, self.limits) as stream:
                yield stream
        else:
            with open_capped(self.root / self.name, None, self.limits) as stream:
                yield stream


@dataclass(frozen=True, slots=True)
class FileFacts:
    """What one pass over the bytes tells: checksum, size and the encoding to decode with."""

    sha256: str
    size_bytes: int
    encoding: str


def list_entries(path: Path, limits: ReadLimits = DEFAULT_LIMITS) -> list[ExportEntry]:
    """Every file in the export, sorted by name; a zip's top folder (if all files share one) is
    kept in `name` so reports point at the file as the user sees it."""
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file())
        return [ExportEntry(path, p.relative_to(path).as_posix(), False, limits) for p in files]
    with zipfile.ZipFile(path) as archive:
        names = sorted(i.filename for i in archive.infolist() if not i.is_dir())
    return [ExportEntry(path, name, True, limits) for name in names]


def logical_name(entry: ExportEntry, prefix: str) -> str:
    """The entry's name relative to the export's data folder (`prefix`, '' for none)."""
    return entry.name[len(prefix) :] if prefix and entry.name.startswith(prefix) else entry.name


def data_prefix(entries: list[ExportEntry]) -> str:
    """The folder holding `cld_events.csv`, when a zip wraps everything in one top folder."""
    for entry in entries:
        pure = PurePosixPath(entry.name)
        if pure.name == "cld_events.csv":
            parent = str(pure.parent)
            return "" if parent == "." else parent + "/"
    return ""


def file_facts(entry: ExportEntry) -> FileFacts:
    """Hash and size the file, and check whether it decodes as UTF-8 (BOM allowed) in one pass."""
    with entry.open() as stream:
        facts = byte_facts(chunks_of(stream, CHUNK))
    return FileFacts(facts.sha256, facts.size, "utf-8-sig" if facts.utf8 else "cp1252")


@contextmanager
def open_text(entry: ExportEntry, encoding: str) -> Iterator[BoundedLines]:
    """The file's lines as text, none longer than the line limit (see `adapters.lines`);
    Windows-1252 bytes it cannot map (0x81, 0x8d...) become U+FFFD rather than stopping the import."""
    with entry.open() as stream:
        yield BoundedLines(stream, encoding, entry.limits.max_line_bytes)


def read_form_bytes(entry: ExportEntry) -> bytes:
    """A whole (JSON) form, which is one row: RowTooLong when it is longer than the line limit, so a
    giant form is never held in memory."""
    limit = entry.limits.max_line_bytes
    with entry.open() as stream:
        data = stream.read(limit + 1)
    if len(data) > limit:
        raise RowTooLong(f"the form is larger than {size_text(limit)}, the import's limit per row; it is rejected")
    return data
