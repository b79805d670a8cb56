"""`gateway import omaha DIR`: the sample's assessment forms land on the person's record (found by NHS
number, kept under their golden Patient), a second load changes nothing, and a bad form is rejected
with its reason while the others still load."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from adapters.omaha.questionnaire import QUESTIONNAIRE_URL
from tests.cli.conftest import Gateway

pytestmark = pytest.mark.slow  # each test imports a 60-person sample through the real CLI


def _sample(gateway: Gateway, out: Path) -> None:
    assert gateway("sample", "--people", "60", "--out", out, "--seed", "3").returncode == 0
    for source in ("systmone", "liquidlogic"):
        done = gateway("import", source, out / source)
        assert done.returncode == 0, done.stderr


def test_forms_load_once_and_land_on_the_golden_patient(gateway: Gateway, database: Path, tmp_path: Path) -> None:
    _sample(gateway, tmp_path / "s")
    forms = sorted((tmp_path / "s" / "omaha").glob("*.json"))
    assert forms, "the sample caseload has no assessed person"
    first = gateway("import", "omaha", tmp_path / "s" / "omaha")
    assert first.returncode == 0, first.stderr
    assert f"omaha: {len(forms)} forms (created {len(forms)})" in first.stderr
    again = gateway("import", "omaha", tmp_path / "s" / "omaha")
    assert f"omaha: {len(forms)} forms (unchanged {len(forms)})" in again.stderr

    with sqlite3.connect(database) as db:
        responses = db.execute("SELECT content FROM resources WHERE res_type = 'QuestionnaireResponse' "
                               "AND deleted = 0").fetchall()
        golden = {r[0] for r in db.execute("SELECT DISTINCT golden_id FROM person_links")}
    omaha = [json.loads(c) for (c,) in responses if json.loads(c)["questionnaire"].startswith(QUESTIONNAIRE_URL)]
    subjects = {qr["subject"]["reference"].removeprefix("Patient/") for qr in omaha}
    assert len(omaha) == len(forms)
    assert subjects <= golden  # each person's assessments sit on their one golden record


def test_a_bad_form_is_rejected_with_its_reason_and_the_rest_load(gateway: Gateway, tmp_path: Path) -> None:
    _sample(gateway, tmp_path / "s")
    folder = tmp_path / "forms"
    shutil.copytree(tmp_path / "s" / "omaha", folder)
    good = sorted(folder.glob("*.json"))
    (folder / "broken.json").write_text("{not json", encoding="utf-8")
    stranger = json.loads(good[0].read_text(encoding="utf-8"))
    stranger["subject"]["identifier"]["value"] = "9999999999"
    (folder / "stranger.json").write_text(json.dumps(stranger), encoding="utf-8")
    bad_rating = json.loads(good[0].read_text(encoding="utf-8"))
    bad_rating["authored"] = "2025-10-01T10:00:00+00:00"
    problem = next(i for i in bad_rating["item"] if i["linkId"] == "problem")
    rating = next(i for i in problem["item"] if i["linkId"] == "problem.rating")
    rating["item"][1]["answer"] = [{"valueInteger": 9}]
    (folder / "rating-nine.json").write_text(json.dumps(bad_rating), encoding="utf-8")

    done = gateway("import", "omaha", folder, "--strict")
    assert done.returncode == 1
    assert f"{len(good) + 3} forms (created {len(good)}, rejected 3)" in done.stderr
    assert "broken.json: not valid JSON" in done.stderr
    assert "stranger.json: no Patient with identifier" in done.stderr
    assert "rating-nine.json" in done.stderr
