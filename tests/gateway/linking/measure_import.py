"""How long person linking adds to importing a sample (not a test; run it by hand):

    .venv/bin/python -m tests.gateway.linking.measure_import [people] [runs]

Imports the same SystmOne + Liquidlogic sample into fresh SQLite databases with linking on and
off (the linking hooks removed), alternating, and prints the median of each and the difference.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from gateway.app import build_repository
from gateway.linking.hooks import link_changes
from gateway.settings import Settings
from gateway.storage.migrate import upgrade
from tests.gateway.linking.conftest import import_all, read_sample


def timed_import(folders: dict[str, Path], linking: bool) -> float:
    root = Path(tempfile.mkdtemp(prefix="measure-linking-"))
    url = f"sqlite:///{root / 'gateway.db'}"
    upgrade(url)
    repo = build_repository(Settings(database_url=url, key_dir=root / "keys"))
    if not linking:
        repo.hooks.on_changes[:] = [h for h in repo.hooks.on_changes if h is not link_changes]
    start = time.perf_counter()
    import_all(repo, folders)
    elapsed = time.perf_counter() - start
    repo.db.dispose()
    return elapsed


def main(people: int, runs: int) -> None:
    sample = read_sample(Path(tempfile.mkdtemp(prefix="measure-sample-")), people, seed=1)
    times: dict[bool, list[float]] = {True: [], False: []}
    for _ in range(runs):
        for linking in (False, True):
            times[linking].append(timed_import(sample.folders, linking))
    off, on = statistics.median(times[False]), statistics.median(times[True])
    print(f"{people} people, {runs} runs each: import without linking {off:.2f}s, with linking {on:.2f}s, "
          f"linking adds {on - off:.2f}s ({(on - off) / off:.0%})")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300, int(sys.argv[2]) if len(sys.argv) > 2 else 3)
