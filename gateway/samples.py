"""Write the synthetic sample exports of every source for the same people (`gateway sample`)."""

from __future__ import annotations

from pathlib import Path

from adapters.sample.people import generate_people


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
