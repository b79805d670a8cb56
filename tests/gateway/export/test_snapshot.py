"""The export shows the store as it was at the transaction time, read in keyset chunks: writes
that land while a job runs neither leak into it nor take out what was there."""

from __future__ import annotations

import time

import orjson

from gateway.export.select import chunk_query, read_chunk, scope_conditions
from gateway.export.spec import ExportSpec
from gateway.repository.sql import SqlRepository
from gateway.storage.times import now_us


def _all(repo: SqlRepository, spec: ExportSpec, res_type: str, snapshot: int, chunk: int = 2) -> list[dict]:  # type: ignore[type-arg]
    out, after = [], None
    query = chunk_query(spec, res_type, scope_conditions(spec, res_type), chunk)
    while True:
        with repo.reading() as conn:
            got = read_chunk(conn, spec, res_type, query, after, chunk, snapshot)
        out += [orjson.loads(line) for line in got.lines]
        after = got.last_id
        if got.done:
            return out


def test_changes_after_the_transaction_time_are_not_exported(repo: SqlRepository) -> None:
    # Setup: five Patients as they stand at the snapshot.
    ids = [repo.create({"resourceType": "Patient", "gender": "female", "name": [{"family": f"Snap{i}"}]})
           .stored.res_id for i in range(5)]
    time.sleep(0.002)
    snapshot = now_us()
    time.sleep(0.002)

    # After it: one updated, one deleted, one created.
    repo.update("Patient", ids[0], {"resourceType": "Patient", "id": ids[0], "gender": "male",
                                     "name": [{"family": "Snap0"}]})
    repo.delete("Patient", ids[1])
    late = repo.create({"resourceType": "Patient", "name": [{"family": "Late"}]}).stored.res_id

    exported = _all(repo, ExportSpec("system", ("Patient",)), "Patient", snapshot)
    by_id = {r["id"]: r for r in exported}
    assert sorted(by_id) == sorted(ids) and len(exported) == 5  # the deleted one still, the late one not
    assert by_id[ids[0]]["gender"] == "female" and by_id[ids[0]]["meta"]["versionId"] == "1"
    assert late not in by_id

    # Now, everything as it stands.
    current = {r["id"]: r for r in _all(repo, ExportSpec("system", ("Patient",)), "Patient", now_us())}
    assert set(current) == (set(ids) - {ids[1]}) | {late}
    assert current[ids[0]]["gender"] == "male"


def test_since_applies_to_the_version_at_the_snapshot(repo: SqlRepository) -> None:
    old = repo.create({"resourceType": "Patient", "name": [{"family": "Old"}]}).stored.res_id
    time.sleep(0.002)
    since = now_us()
    time.sleep(0.002)
    fresh = repo.create({"resourceType": "Patient", "name": [{"family": "Fresh"}]}).stored.res_id
    snapshot = now_us()
    time.sleep(0.002)
    repo.update("Patient", old, {"resourceType": "Patient", "id": old, "name": [{"family": "Older"}]})

    exported = _all(repo, ExportSpec("system", ("Patient",), since=since), "Patient", snapshot)
    assert [r["id"] for r in exported] == [fresh]  # `old` changed after the snapshot, not after `since` by then
