"""The shared reading layer's caps: no line (or row spanning lines, or form) longer than the line
limit is held in memory, and no file inflates past the per-file limit. An over-long row is rejected
with a reason and reading goes on; an over-large file, or a zip member that lies about its size,
is refused with a reason."""

from __future__ import annotations

import io
import shutil
import struct
import zipfile
from pathlib import Path

import pytest

from adapters.base import Converted, FileNotice, Rejected
from adapters.limits import FileTooLarge, LineTooLong, ReadLimits, open_capped
from adapters.lines import BoundedLines
from adapters.liquidlogic.adapter import LiquidlogicAdapter
from adapters.systmone.adapter import SystmOneAdapter
from tests.adapters.systmone.test_adapter import PATIENT_HEADER, _patient

LL_EXPORT = Path(__file__).resolve().parents[1] / "fixtures" / "liquidlogic" / "export-small"
NHS = "9990000018"  # a synthetic NHS number from the 999 test range (passes Modulus 11)


def lines_of(data: bytes, limit: int, chunk: int = 7) -> list[str | int]:
    """Every line, or the size of each over-long one, reading `chunk` bytes at a time."""
    reader = BoundedLines(io.BytesIO(data), "utf-8", limit, chunk=chunk)
    out: list[str | int] = []
    while True:
        try:
            out.append(next(reader))
        except StopIteration:
            return out
        except LineTooLong as exc:
            out.append(exc.size)


@pytest.mark.parametrize("chunk", [1, 3, 7, 64, 1 << 20])
def test_lines_over_the_limit_are_skipped_and_reading_goes_on(chunk: int) -> None:
    data = b"\xef\xbb\xbfa,b\r\n" + b"x" * 25 + b"\r\n" + b"c,d\n\n" + b"y" * 40 + b"\ne,f"
    assert lines_of(data, 10, chunk) == ["a,b\r\n", 27, "c,d\n", "\n", 41, "e,f"]
    assert lines_of(b"short\n" + b"z" * 11, 10, chunk) == ["short\n", 11]  # over-long at the end of the file
    assert lines_of(b"exactly10\n", 10, chunk) == ["exactly10\n"]


def test_a_huge_line_is_never_held() -> None:
    class Endless(io.RawIOBase):
        """64 MiB of one line without a line break, then a short line; counts what was read."""

        def __init__(self) -> None:
            self.left = 64 << 20
            self.tail = b"\nlast\n"

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]  # RawIOBase's buffer type
            if self.left:
                n = min(len(buffer), self.left)
                buffer[:n] = b"q" * n
                self.left -= n
                return n
            n = len(self.tail)
            buffer[:n], self.tail = self.tail, b""
            return n

    reader = BoundedLines(io.BufferedReader(Endless()), "ascii", 1 << 20)
    with pytest.raises(LineTooLong) as too_long:
        next(reader)
    assert too_long.value.size == (64 << 20) + 1 and "over the import's limit of 1 MiB" in str(too_long.value)
    assert next(reader) == "last\n" and reader.count == 2
    assert len(reader._tail) <= 1 << 20  # noqa: SLF001 - the buffer never grew past the limit


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_a_member_declared_over_the_limit_is_refused_before_reading(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "x.zip", {"SRPatient.csv": b"a" * 5000})
    with pytest.raises(FileTooLarge, match="would unzip to 5,000 bytes, over the import's limit of 4,000 bytes"):
        open_capped(archive, "SRPatient.csv", ReadLimits(max_file_bytes=4000)).__enter__()


def _lie_about_size(path: Path, name: str, declared: int) -> None:
    """Rewrite the member's uncompressed size in its local header and central directory entry."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(name)
    struct.pack_into("<I", data, info.header_offset + 22, declared)
    central = data.rfind(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, declared)
    path.write_bytes(bytes(data))


def test_a_member_that_inflates_past_its_declared_size_is_refused(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "bomb.zip", {"SRPatient.csv": b"a" * 200_000})
    _lie_about_size(archive, "SRPatient.csv", 100)
    records = list(SystmOneAdapter(limits=ReadLimits(max_file_bytes=10_000)).read(archive))
    errors = [r for r in records if isinstance(r, FileNotice) and r.level == "error"]
    assert len(errors) == 1 and errors[0].file == "SRPatient.csv"
    assert "cannot read the file" in errors[0].message
    assert not [r for r in records if isinstance(r, (Converted, Rejected))]


def test_systmone_refuses_an_over_large_member_and_reads_the_others(tmp_path: Path) -> None:
    big = f"{PATIENT_HEADER}\r\n" + "".join(f"{_patient(str(n), NHS)}\r\n" for n in range(1, 200))
    small = f"{PATIENT_HEADER}\r\n{_patient('1', NHS)}\r\n"
    archive = _zip(tmp_path / "extract.zip", {"SRPatient.csv": big.encode(), "SRPatientX.csv": small.encode(),
                                              "SRCode.csv": b"RowIdentifier,IDPatient\r\n"})
    records = list(SystmOneAdapter(limits=ReadLimits(max_file_bytes=len(small) * 3)).read(archive))
    refused = [r for r in records if isinstance(r, FileNotice) and r.level == "error"]
    assert [(r.file, "over the import's limit" in r.message and "refused" in r.message) for r in refused] == [
        ("SRPatient.csv", True)]
    assert not [r for r in records if isinstance(r, (Converted, Rejected)) and r.ref.file == "SRPatient.csv"]


def test_systmone_rejects_an_over_long_line_and_reads_on(tmp_path: Path) -> None:
    folder = tmp_path / "extract"
    folder.mkdir()
    body = "\r\n".join([PATIENT_HEADER, _patient("1", NHS), "9," + "x" * 5000, _patient("3", NHS)]) + "\r\n"
    (folder / "SRPatient.csv").write_text(body)
    records = [r for r in SystmOneAdapter(limits=ReadLimits(max_line_bytes=2000)).read(folder)
               if isinstance(r, (Converted, Rejected))]
    assert [(type(r).__name__, r.ref.line) for r in records] == [("Converted", 2), ("Rejected", 3),
                                                                 ("Converted", 4)]
    rejected = records[1]
    assert isinstance(rejected, Rejected)
    assert "5,004 bytes long" in rejected.reason and "limit of 2,000 bytes" in rejected.reason


def test_systmone_cuts_off_a_row_a_left_open_quote_runs_on(tmp_path: Path) -> None:
    folder = tmp_path / "extract"
    folder.mkdir()
    rows = [_patient(str(n), NHS) for n in range(3, 40)]
    body = "\r\n".join([PATIENT_HEADER, _patient("1", NHS), '2,"never closed', *rows]) + "\r\n"
    (folder / "SRPatient.csv").write_text(body)
    records = [r for r in SystmOneAdapter(limits=ReadLimits(max_line_bytes=1000)).read(folder)
               if isinstance(r, (Converted, Rejected))]
    rejected = [r for r in records if isinstance(r, Rejected)]
    assert [r.ref.line for r in rejected] == [3] and "quote left open" in rejected[0].reason
    assert sorted(r.ref.line for r in records if isinstance(r, Converted)) == [2, *range(4, 41)]


def _ll_export(tmp_path: Path) -> Path:
    export = tmp_path / "export"
    shutil.copytree(LL_EXPORT, export)
    return export


def test_liquidlogic_rejects_an_over_long_line_and_reads_on(tmp_path: Path) -> None:
    export = _ll_export(tmp_path)
    events = export / "cld_events.csv"
    original = events.read_bytes().split(b"\n")
    events.write_bytes(b"\n".join([*original[:3], b"LONG," + b"z" * 9000, *original[3:]]))
    before = [r for r in LiquidlogicAdapter().read(_ll_export(tmp_path / "clean"))
              if isinstance(r, (Converted, Rejected)) and r.ref.file == "cld_events.csv"]
    after = [r for r in LiquidlogicAdapter(limits=ReadLimits(max_line_bytes=8000)).read(export)
             if isinstance(r, (Converted, Rejected)) and r.ref.file == "cld_events.csv"]
    long_row = [r for r in after if r.ref.line == 4]
    assert len(long_row) == 1 and isinstance(long_row[0], Rejected) and long_row[0].code == "LL-108"
    assert "9,006 bytes long" in long_row[0].reason
    # Every other row reads as it did, one line further down.
    shifted = [(type(r).__name__, r.ref.line + (1 if r.ref.line >= 4 else 0)) for r in before]
    assert [(type(r).__name__, r.ref.line) for r in after if r.ref.line != 4] == shifted


def test_liquidlogic_rejects_an_over_large_form(tmp_path: Path) -> None:
    export = _ll_export(tmp_path)
    form = export / "forms" / "SP-5003.json"
    form.write_bytes(form.read_bytes()[:-1] + b"," + b" " * 5000 + b"}")
    records = list(LiquidlogicAdapter(limits=ReadLimits(max_line_bytes=4000)).read(export))
    refused = [r for r in records if isinstance(r, Rejected) and r.ref.file == "forms/SP-5003.json"]
    assert len(refused) == 1 and refused[0].code == "LL-108" and "larger than" in refused[0].reason
    assert any(isinstance(r, Converted) and r.ref.file == "forms/CAA-5002.json" for r in records)


def test_liquidlogic_refuses_an_over_large_events_file(tmp_path: Path) -> None:
    export = _ll_export(tmp_path)
    size = (export / "cld_events.csv").stat().st_size
    records = list(LiquidlogicAdapter(limits=ReadLimits(max_file_bytes=size - 1)).read(export))
    errors = [r for r in records if isinstance(r, FileNotice) and r.level == "error"]
    assert [e.file for e in errors] == ["cld_events.csv"] and "over the import's limit" in errors[0].message
