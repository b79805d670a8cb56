"""Opening a Liquidlogic export, folder or zip alike, as a list of named byte streams.

Every reader works on `ExportEntry.open()` so the CSV can be streamed from disk or from inside a
zip without unpacking it; the checksum pass also decides the text encoding (UTF-8, else
Windows-1252) before any row is parsed.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

from adapters.encoding import byte_facts, chunks_of

CHUNK = 1 << 16


@dataclass(frozen=True, slots=True)
class ExportEntry:
    """One file of the export: `name` is its path inside the export, with forward slashes."""

    root: Path
    name: str
    is_zip: bool

    @contextmanager
    def open(self) -> Iterator[IO[bytes]]:
        if self.is_zip:
            with zipfile.ZipFile(self.root) as archive, archive.open(self.name) as stream:
                yield stream
        else:
            with (self.root / self.name).open("rb") as stream:
                yield stream


@dataclass(frozen=True, slots=True)
class FileFacts:
    """What one pass over the bytes tells: checksum, size and the encoding to decode with."""

    sha256: str
    size_bytes: int
    encoding: str


def list_entries(path: Path) -> list[ExportEntry]:
    """Every file in the export, sorted by name; a zip's top folder (if all files share one) is
    kept in `name` so reports point at the file as the user sees it."""
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file())
        return [ExportEntry(path, p.relative_to(path).as_posix(), False) for p in files]
    with zipfile.ZipFile(path) as archive:
        names = sorted(i.filename for i in archive.infolist() if not i.is_dir())
    return [ExportEntry(path, name, True) for name in names]


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
def open_text(entry: ExportEntry, encoding: str) -> Iterator[IO[str]]:
    """The file as text; Windows-1252 bytes it cannot map (0x81, 0x8d...) become U+FFFD rather
    than stopping the import."""
    with entry.open() as stream:
        yield io.TextIOWrapper(stream, encoding=encoding, errors="replace", newline="")
