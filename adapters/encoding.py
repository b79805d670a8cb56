"""One pass over an export file's bytes: its sha256, size, and whether it is valid UTF-8.

Both row-based adapters pick a file's encoding the same way (valid UTF-8, BOM or not, else
Windows-1252, the default of the systems they read), and hash it for the import run's record, so
the reading happens once, here.
"""

from __future__ import annotations

import codecs
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ByteFacts:
    sha256: str
    size: int
    utf8: bool  # every byte decodes as UTF-8
    ascii_only: bool
    head: bytes  # the first chunk (for a BOM check)


def byte_facts(chunks: Iterable[bytes]) -> ByteFacts:
    """Hash, size and UTF-8 validity of a stream of chunks, without holding more than one."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8 = ascii_only = True
    size = 0
    head = b""
    for chunk in chunks:
        if not head:
            head = chunk[:65536]
        digest.update(chunk)
        size += len(chunk)
        ascii_only = ascii_only and chunk.isascii()
        if utf8:
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                utf8 = False
    if utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8 = False
    return ByteFacts(digest.hexdigest(), size, utf8, ascii_only, head)


def chunks_of(stream: object, size: int) -> Iterable[bytes]:
    """The stream's bytes in chunks of `size`."""
    while chunk := stream.read(size):  # type: ignore[attr-defined]
        yield chunk
