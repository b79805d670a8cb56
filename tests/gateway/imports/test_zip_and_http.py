"""A zip of the extract imports like the folder; and the same import over HTTP for IT teams: submit a
zip, follow the run, read its per-row report (rejected rows first), with errors as OperationOutcomes."""

from __future__ import annotations

import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gateway.repository.sql import SqlRepository
from tests.gateway.imports.store import current, run_import
from tests.gateway.imports.test_run import data_rows


def zip_folder(folder: Path, out: Path, prefix: str = "") -> Path:
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in sorted(folder.iterdir()):
            archive.write(item, prefix + item.name)
    return out


@pytest.mark.parametrize("prefix", ["", "SRExtract_20250901/"], ids=["flat", "in-a-folder"])
def test_a_zip_imports_like_the_folder(repo: SqlRepository, extract: Path, tmp_path: Path, prefix: str) -> None:
    archive = zip_folder(extract, tmp_path / "extract.zip", prefix)
    from_zip = run_import(repo, archive)
    assert from_zip.rows == sum(data_rows(extract).values())
    assert {f["file"] for f in from_zip.files} == {prefix + p.name for p in extract.glob("*.csv")}
    with repo.reading() as conn:
        after_zip = current(conn)
    from_folder = run_import(repo, extract)
    assert from_folder.counts["unchanged"] == from_zip.rows - from_zip.counts["rejected"]
    assert from_folder.counts["rejected"] == from_zip.counts["rejected"]
    assert from_zip.counts["created"] == from_folder.rows - from_folder.counts["rejected"] - \
        from_zip.counts["updated"] - from_zip.counts["unchanged"]
    with repo.reading() as conn:
        assert current(conn) == after_zip


def _follow(client: TestClient, auth: dict[str, str], url: str, timeout: float = 120.0) -> dict:  # type: ignore[type-arg]
    deadline = time.monotonic() + timeout
    while True:
        run = client.get(url, headers=auth).json()
        if run["status"] != "running":
            return run  # type: ignore[no-any-return]
        assert time.monotonic() < deadline, run
        time.sleep(0.1)


def test_http_import_submit_follow_and_report(client: TestClient, auth: dict[str, str], extract: Path,
                                              tmp_path: Path) -> None:
    body = zip_folder(extract, tmp_path / "extract.zip").read_bytes()
    response = client.post("/api/imports/systmone", content=body,
                           headers={**auth, "Content-Type": "application/zip"})
    assert response.status_code == 202, response.text
    location = response.headers["Location"]
    assert location == f"/api/imports/{response.json()['id']}"
    run = _follow(client, auth, location)
    assert run["status"] == "completed" and run["source"] == "systmone"
    assert run["rows"] == sum(run["counts"].values()) == sum(data_rows(extract).values())
    assert run["counts"]["rejected"] == 1 and run["counts"]["created"] > 500
    assert len(run["files"]) == len(list(extract.glob("*.csv"))) and all(f["sha256"] for f in run["files"])

    # The per-row report: rejected rows first, then every other row once, page by page.
    seen: list[dict] = []  # type: ignore[type-arg]
    url: str | None = f"{location}/rows?_count=150"
    while url:
        page = client.get(url, headers=auth)
        assert page.status_code == 200
        seen.extend(page.json()["rows"])
        url = page.json().get("next")
    assert len(seen) == run["rows"]
    assert len({(r["file"], r["line"], r["outcome"]) for r in seen}) == run["rows"]
    assert seen[0]["outcome"] == "rejected" and seen[0]["reason"] and seen[0]["line"] > 1
    assert all(r["outcome"] != "rejected" for r in seen[1:])
    only = client.get(f"{location}/rows?outcome=rejected", headers=auth).json()["rows"]
    assert [(r["file"], r["line"]) for r in only] == [(seen[0]["file"], seen[0]["line"])]

    # The resources are there.
    assert client.get("/fhir/Patient?_summary=count", headers=auth).json()["total"] >= 40


def test_http_import_rejects_what_is_not_a_zip(client: TestClient, auth: dict[str, str], extract: Path) -> None:
    for body in (b"RowIdentifier,Name\r\n1,x\r\n", b""):
        response = client.post("/api/imports/systmone", content=body,
                               headers={**auth, "Content-Type": "application/zip"})
        assert response.status_code == 400
        assert response.json()["resourceType"] == "OperationOutcome"
    unknown = client.post("/api/imports/nosuchsystem", content=b"PK\x03\x04",
                          headers={**auth, "Content-Type": "application/zip"})
    assert unknown.status_code in (400, 404) and unknown.json()["resourceType"] == "OperationOutcome"
    missing = client.get("/api/imports/00000000-0000-0000-0000-000000000000", headers=auth)
    assert missing.status_code == 404 and missing.json()["resourceType"] == "OperationOutcome"


def test_http_import_needs_a_token_with_write_rights(client: TestClient, token_for: Callable[..., str],
                                                     extract: Path, tmp_path: Path) -> None:
    body = zip_folder(extract, tmp_path / "extract.zip").read_bytes()
    anonymous = client.post("/api/imports/systmone", content=body, headers={"Content-Type": "application/zip"})
    assert anonymous.status_code == 401
    garbage = client.post("/api/imports/systmone", content=body,
                          headers={"Authorization": "Bearer not-a-jwt", "Content-Type": "application/zip"})
    assert garbage.status_code == 401
    reader = token_for("admin", scopes=["system/*.rs"])
    read_only = client.post("/api/imports/systmone", content=body,
                            headers={"Authorization": f"Bearer {reader}", "Content-Type": "application/zip"})
    assert read_only.status_code == 403 and read_only.json()["resourceType"] == "OperationOutcome"
    assert client.get("/api/imports/x", headers={}).status_code == 401
