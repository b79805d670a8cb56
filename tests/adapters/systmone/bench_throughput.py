"""Rows per second the SystmOne adapter converts on one core (run: python -m tests.adapters.systmone.bench_throughput).

Writes a synthetic bulk extract for N people (default 10,000), then times one full `read`
(fingerprinting included) and prints rows/s. Not a pytest test: the figure depends on the machine.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from adapters.base import Converted, Rejected
from adapters.sample.people import generate_people
from adapters.systmone.adapter import SystmOneAdapter
from adapters.systmone.sample import write_extract


def main(people: int = 10_000) -> None:
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        extract = write_extract(generate_people(people, 1), Path(folder), 1)
        written = time.perf_counter() - start
        start = time.perf_counter()
        rows = sum(1 for r in SystmOneAdapter().read(extract) if isinstance(r, (Converted, Rejected)))
        elapsed = time.perf_counter() - start
    print(f"sample for {people} people written in {written:.1f}s")
    print(f"{rows} rows read and converted in {elapsed:.2f}s: {rows / elapsed:,.0f} rows/s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
