"""Write the synthetic sample exports of every source for the same people (`gateway sample`), and
import them the way `gateway demo` does (the README's examples are tested against that load)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from adapters.sample.people import generate_people

if TYPE_CHECKING:  # the sample writer runs without the storage stack; only the import needs it
    from gateway.repository.sql import SqlRepository
    from gateway.settings import Settings


def write_samples(people: int, out: Path, seed: int) -> dict[str, Path]:
    """Generate `people` synthetic people and write each source's export under `out`."""
    from adapters.liquidlogic.sample import write_export
    from adapters.omaha.sample import write_assessments
    from adapters.systmone.sample import write_extract

    population = generate_people(people, seed)
    out.mkdir(parents=True, exist_ok=True)
    return {
        "systmone": write_extract(population, out / "systmone", seed),
        "liquidlogic": write_export(population, out / "liquidlogic", seed),
        "omaha": write_assessments(population, out / "omaha", seed),  # after the two records it assesses
    }


def import_samples(repo: SqlRepository, settings: Settings, exports: dict[str, Path],
                   user: str) -> Iterator[tuple[str, str]]:
    """Import what `write_samples` wrote, in its order (the Omaha forms name people the two records
    made), yielding each source with the line the demo prints about it. The database must be
    migrated, with the terminology and the Omaha Questionnaire published (`gateway db upgrade`)."""
    from adapters.registry import get_adapter
    from gateway.assessments.load import load_forms
    from gateway.imports.pipeline import ImportRunner
    from gateway.imports.report import code_counts

    runner = ImportRunner.from_settings(repo, settings, user)
    for source, folder in exports.items():
        if source == "omaha":
            yield source, load_forms(repo, folder, user).describe()
            continue
        summary = runner.run(get_adapter(source), folder)
        counts = ", ".join(f"{k} {v}" for k, v in summary.counts.items() if v)
        with repo.reading() as conn:
            warned = code_counts(conn, summary.run_id)["warnings"]
        yield source, (f"{summary.rows} rows ({counts}); {warned} warning(s) on rows kept "
                       f"(gateway import-report {summary.run_id})")
