"""What the line and file caps cost the adapters' reading layer, against the uncapped reading it
replaced, measured in the same run on the same zipped synthetic exports.

    .venv/bin/python -m bench.read_limits [--people 2000] [--repeat 3]

Ceiling (what the adapters did before the caps): each zip member read with the C line iterator
(`for raw in member`), each line decoded, fed to `csv.reader` (SystmOne); `io.TextIOWrapper` fed to
`csv.reader` (Liquidlogic). Capped: the adapters' own readers (`systmone.parse.read_rows`,
`liquidlogic.export.open_text` + `RowReader`'s csv reader) under the default `ReadLimits`. Rows are
counted, not converted, so the figure is the reading layer alone (conversion to FHIR costs far more:
see bench/import_throughput). Prints rows per CPU second of each and the ratio, best of `--repeat`
runs: CPU time, because on a shared machine wall time measured mostly the neighbours.
"""

from __future__ import annotations

import argparse
import csv
import io
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

from adapters.limits import DEFAULT_LIMITS
from adapters.liquidlogic.export import list_entries, open_text
from adapters.liquidlogic.parse import RowReader
from adapters.liquidlogic.sample import write_export
from adapters.sample.people import generate_people
from adapters.systmone import parse
from adapters.systmone.sample import write_extract


def _zip(folder: Path, out: Path) -> Path:
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in sorted(folder.rglob("*")):
            if item.is_file():
                archive.write(item, item.relative_to(folder).as_posix())
    return out


def _systmone_ceiling(path: Path) -> int:
    rows = 0
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if not name.endswith(".csv"):
                continue
            with archive.open(name) as member:
                rows += sum(1 for _ in csv.reader(raw.decode("cp1252", errors="replace") for raw in member))
    return rows


_ENCODINGS: dict[str, str] = {}  # file -> encoding, found before timing (the hash pass is not timed)


def _systmone_capped(path: Path) -> int:
    rows = 0
    for source in parse.list_files(path, DEFAULT_LIMITS):
        rows += sum(1 for _ in parse.read_rows(source, _ENCODINGS[source.name]))
    return rows


def _systmone_fingerprints(path: Path) -> None:
    for source in parse.list_files(path, DEFAULT_LIMITS):
        _ENCODINGS[source.name] = parse.fingerprint(source).encoding


def _liquidlogic_ceiling(path: Path) -> int:
    with zipfile.ZipFile(path) as archive, archive.open("cld_events.csv") as member:
        text = io.TextIOWrapper(member, encoding="utf-8", errors="replace", newline="")
        return sum(1 for _ in csv.reader(text))


def _liquidlogic_capped(path: Path) -> int:
    entry = next(e for e in list_entries(path, DEFAULT_LIMITS) if e.name.endswith("cld_events.csv"))
    with open_text(entry, "utf-8") as text:
        reader = RowReader(text, {}, DEFAULT_LIMITS.max_line_bytes)  # type: ignore[arg-type]  # maps unused here
        return 1 + sum(1 for _ in reader.rows())


def _best(work: Callable[[Path], object], path: Path, repeat: int) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.process_time()
        result = work(path)
        best = min(best, time.process_time() - started)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="read-limits-bench-"))
    people = generate_people(args.people, 1)
    s1 = _zip(write_extract(people, tmp / "systmone", 1), tmp / "systmone.zip")
    ll = _zip(write_export(people, tmp / "liquidlogic", 1), tmp / "liquidlogic.zip")
    print(f"{args.people} people: SystmOne zip {s1.stat().st_size:,} bytes, "
          f"Liquidlogic zip {ll.stat().st_size:,} bytes")
    _systmone_fingerprints(s1)  # also warms the page cache
    for label, ceiling, capped, path in (("SystmOne rows", _systmone_ceiling, _systmone_capped, s1),
                                         ("Liquidlogic rows", _liquidlogic_ceiling, _liquidlogic_capped, ll)):
        t_ceiling, n_ceiling = _best(ceiling, path, args.repeat)
        t_capped, n_capped = _best(capped, path, args.repeat)
        assert isinstance(n_ceiling, int) and isinstance(n_capped, int)
        print(f"{label}: uncapped ceiling {n_ceiling / t_ceiling:,.0f} rows/CPU-s ({n_ceiling:,} rows), capped "
              f"{n_capped / t_capped:,.0f} rows/CPU-s ({n_capped:,} rows); capped/ceiling CPU time "
              f"{t_capped / t_ceiling:.2f}")


if __name__ == "__main__":
    main()
