"""Server time of the team's pages with about 500 people on the caseload.

```
.venv/bin/python -m bench.pages_latency                  # ~2,400-person sample (~500 on the caseload), 30 runs a page
.venv/bin/python -m bench.pages_latency --people 600 --runs 10   # quicker, smaller
```

What one run does:

1. Writes the synthetic sample of every source (`gateway.samples.write_samples`: SystmOne,
   Liquidlogic, Omaha assessment forms) for `--people` people into a temporary SQLite store and
   imports it the way `gateway demo` does (import pipeline, then the assessment loader).
2. Serves the app in-process (the ASGI app with its lifespan, so every page is audited as in
   production) and times, as a nurse (or the social worker for the inbox), `--runs` requests per
   page after one unmeasured warm-up: the caseload, the weekly meeting, a person page (a different
   caseload person each time), the assessment form, find a person, the inbox. The caseload's first
   (cold) load, which reads every caseload person's record, is reported separately; later loads
   reread only people whose records changed.
3. Prints each page's median and p95 in milliseconds against the 300 ms aim.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from adapters.registry import get_adapter
from adapters.sample.people import REFERENCE_DATE
from gateway.app import build_repository, create_app
from gateway.assessments.load import load_forms
from gateway.auth.tokens import mint_token
from gateway.imports.pipeline import ImportRunner
from gateway.inbox.tables import inbox_items
from gateway.pages.caseload import caseload_ids
from gateway.pages.handling import COOKIE
from gateway.samples import write_samples
from gateway.settings import Settings
from gateway.storage.migrate import upgrade

AIM_MS = 300.0


def _load(root: Path, people: int, seed: int) -> Settings:
    settings = Settings(database_url=f"sqlite:///{root / 'gateway.db'}", key_dir=root / "keys",
                        base_url="http://testserver", delivery_worker=False, pages_as_of=REFERENCE_DATE)
    upgrade(settings.database_url)
    exports = write_samples(people, root / "sample", seed)
    repo = build_repository(settings)
    runner = ImportRunner(repo, user="bench:pages")
    started = time.perf_counter()
    for source in ("systmone", "liquidlogic"):
        runner.run(get_adapter(source), exports[source])
    load_forms(repo, exports["omaha"], "bench:pages")
    print(f"loaded {people:,} people in {time.perf_counter() - started:.0f} s")
    repo.db.dispose()
    return settings


def _time(client: TestClient, url: str) -> float:
    started = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, f"{url}: {response.status_code} {response.text[:200]}"
    return elapsed


def _report(name: str, times: list[float]) -> None:
    times = sorted(times)
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    median = statistics.median(times)
    verdict = "meets" if p95 < AIM_MS else "MISSES"
    print(f"{name:<22} median {median:7.1f} ms   p95 {p95:7.1f} ms   "
          f"({verdict} the {AIM_MS:.0f} ms aim, n={len(times)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=2400,
                        help="sample size (about a fifth are on the caseload)")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        settings = _load(Path(tmp), args.people, args.seed)
        repo = build_repository(settings)
        with repo.reading() as conn:
            people = caseload_ids(conn)
            worker = conn.execute(select(inbox_items.c.assignee).where(
                inbox_items.c.assignee.is_not(None))).scalar()
        repo.db.dispose()
        print(f"caseload: {len(people)} people")
        with TestClient(create_app(settings)) as nurse, TestClient(create_app(settings)) as social:
            nurse.cookies.set(COOKIE, mint_token(settings, "bench.nurse", "nurse"))
            social.cookies.set(COOKIE, mint_token(settings, str(worker or "bench.sw").split("/")[-1],
                                                  "social-worker"))
            cold = _time(nurse, "/app/caseload")
            print(f"{'caseload (cold)':<22} {cold:7.1f} ms   (reads every caseload person's record once)")
            pages = {
                "caseload": lambda i: "/app/caseload",
                "caseload, found": lambda i: "/app/caseload?q=smith&sort=next-due",
                "weekly meeting": lambda i: f"/app/meeting?week={date(2025, 10, 31).isoformat()}",
                "person": lambda i: f"/app/people/{people[i % len(people)]}",
                "assessment form": lambda i: f"/app/people/{people[i % len(people)]}/assessment",
                "find a person": lambda i: "/app/people?q=bhatt",
            }
            for name, url in pages.items():
                _time(nurse, url(len(people) - 1))
                _report(name, [_time(nurse, url(i)) for i in range(args.runs)])
            _time(social, "/app/inbox")
            _report("inbox (social worker)", [_time(social, "/app/inbox") for _ in range(args.runs)])


if __name__ == "__main__":
    main()
