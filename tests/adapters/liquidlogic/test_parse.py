"""Reading exports: R1 and R2 spellings import to the same codes, bad rows and forms are rejected
with line and reason while the rest imports, Windows-1252 and zips and UK dates are accepted."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest

from adapters.base import Converted, FileNotice, Rejected
from adapters.codemaps import default_maps
from adapters.liquidlogic.errors import BadDate
from adapters.liquidlogic.parse import parse_date
from tests.adapters.liquidlogic.helpers import FIXTURES, read, store

EXPORT = FIXTURES / "export-small"

R1_R2 = [
    ("liquidlogic-client-type", "Carer known by association", "Unpaid carer known by association"),
    (
        "liquidlogic-primary-support-reason",
        "Physical Support: Access & Mobility Only",
        "Physical support: Access and mobility only",
    ),
    (
        "liquidlogic-primary-support-reason",
        "Social Support: Support for Social Isolation/Other",
        "Social support: Support for social isolation or other",
    ),
    (
        "liquidlogic-primary-support-reason",
        "Social Support: Support to Carer",
        "Social support: Support to unpaid carer",
    ),
    ("liquidlogic-assessment-type", "Long Term Assessment", "Long term assessment"),
    (
        "liquidlogic-event-outcome",
        "NFA - Information & Advice / Signposting only",
        "NFA: Information and advice or signposting",
    ),
    (
        "liquidlogic-event-outcome",
        "Progress to Support Planning / Services",
        "Progress to support planning or services",
    ),
    ("liquidlogic-event-outcome", "NFA - Support ended: other reason", "NFA: Support ended for other reason"),
    ("liquidlogic-service-type", "Carer Support: Direct to Carer", "Unpaid carer support: Direct to unpaid carer"),
    ("liquidlogic-service-type", "Long Term Support: Nursing Care", "Long term support: Nursing care"),
    (
        "liquidlogic-employment-status",
        "Not in Paid Employment (not actively seeking work / retired)",
        "Not in paid employment: Not actively seeking work or retired",
    ),
    (
        "liquidlogic-ethnicity",
        "Mixed / Multiple ethnic groups: White and Asian",
        "Mixed or multiple ethnic groups: White and Asian",
    ),
]


@pytest.mark.parametrize(("map_name", "r1", "r2"), R1_R2)
def test_r1_and_r2_spellings_share_one_code(map_name: str, r1: str, r2: str) -> None:
    cmap = default_maps()[map_name]
    assert cmap.lookup(r1).code == cmap.lookup(r2).code


@pytest.mark.parametrize(
    "variant",
    [
        "PHYSICAL SUPPORT: ACCESS AND MOBILITY ONLY",
        "physical support / access & mobility only",
        "Physical Support:Access and Mobility Only",
    ],
)
def test_real_variants_fold(variant: str) -> None:
    assert default_maps().lookup("liquidlogic-primary-support-reason", variant).code == "physical-access-mobility"


def _rewrite(src: Path, dst: Path, edit: dict[int, dict[str, str]], encoding: str = "utf-8") -> Path:
    """Copy the small export to `dst` with some cells of some data rows changed."""
    (dst / "forms").mkdir(parents=True)
    rows = list(csv.DictReader(io.StringIO((src / "cld_events.csv").read_text(encoding="utf-8"))))
    header = list(rows[0].keys())
    good = [r for r in rows if None not in r]
    for index, cells in edit.items():
        good[index].update(cells)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(good)
    (dst / "cld_events.csv").write_bytes(out.getvalue().encode(encoding))
    return dst


def test_r1_and_r2_rows_make_the_same_resources_except_original_text(tmp_path: Path) -> None:
    r2 = {
        "Client_Type": "Service user",
        "Primary_Support_Reason": "Physical support: Personal care support",
        "Event_Outcome": "Progress to assessment, review or reassessment",
        "Request_Route_of_Access": "Community or other route",
    }
    a = [r for r in read(_rewrite(EXPORT, tmp_path / "r1", {})) if isinstance(r, Converted)][0]
    b = [r for r in read(_rewrite(EXPORT, tmp_path / "r2", {0: r2})) if isinstance(r, Converted)][0]

    def codes(record: Converted) -> list[object]:
        return [[c["code"] for c in _codings(res)] for res in record.resources]

    assert codes(a) == codes(b)
    texts_b = {t for res in b.resources for t in _texts(res)}
    assert "Physical support: Personal care support" in texts_b  # the original spelling is kept


def _codings(node: object) -> list[dict]:
    if isinstance(node, dict):
        found = [node] if "code" in node and "system" in node else []
        return found + [c for v in node.values() for c in _codings(v)]
    if isinstance(node, list):
        return [c for v in node for c in _codings(v)]
    return []


def _texts(node: object) -> list[str]:
    if isinstance(node, dict):
        return ([node["text"]] if isinstance(node.get("text"), str) else []) + [
            t for v in node.values() for t in _texts(v)
        ]
    if isinstance(node, list):
        return [t for v in node for t in _texts(v)]
    return []


def test_bad_rows_and_forms_are_rejected_with_line_and_reason_and_the_rest_imports() -> None:
    records = read(EXPORT)
    rejected = {(r.ref.file, r.ref.line): r for r in records if isinstance(r, Rejected)}
    assert rejected[("cld_events.csv", 10)].code == "LL-201"
    assert "Appointment" in rejected[("cld_events.csv", 10)].reason
    assert rejected[("cld_events.csv", 11)].code == "LL-107"
    assert rejected[("cld_events.csv", 12)].code == "LL-103"
    assert "Primary_Support_Reason" in rejected[("cld_events.csv", 12)].reason
    assert rejected[("cld_events.csv", 13)].code == "LL-104"
    assert rejected[("forms/CAA-6001.json", 1)].code == "LL-302"
    assert "managing-toilet-needs" in rejected[("forms/CAA-6001.json", 1)].reason
    assert rejected[("forms/broken-truncated.json", 1)].code == "LL-301"
    converted = [r for r in records if isinstance(r, Converted)]
    data_rows = sum(1 for line in (EXPORT / "cld_events.csv").read_text().splitlines()[1:] if line.strip())
    forms = len(list((EXPORT / "forms").glob("*.json")))
    assert len(converted) + len(rejected) == data_rows + forms  # every row and form accounted for
    infos = [r for r in records if isinstance(r, FileNotice) and r.level == "info"]
    assert all(n.sha256 and n.size_bytes for n in infos) and len(infos) == forms + 1


def test_missing_nhs_number_imports_under_la_id_and_is_flagged() -> None:
    resources = store(read(EXPORT))
    dennis = next(r for (t, _), r in resources.items() if t == "Patient" and r["identifier"][0]["value"] == "400201")
    assert [i["system"] for i in dennis["identifier"]] == ["https://care-gateway.example/Id/liquidlogic/person"]
    assert dennis["meta"]["tag"][0]["code"] == "nhs-number-trace-required"
    flags = [r for (t, _), r in resources.items() if t == "Flag"]
    assert [f["subject"]["reference"] for f in flags] == [f"Patient/{dennis['id']}"]


def test_windows_1252_and_zip_exports_import(tmp_path: Path) -> None:
    folder = _rewrite(
        EXPORT,
        tmp_path / "cp",
        {0: {"Person_Family_Name": "Hollowáy", "Event_Description": "Café visit – urgent"}},
        encoding="cp1252",
    )
    records = read(folder)
    patient = next(r for r in records if isinstance(r, Converted)).resources[0]
    assert patient["name"][0]["family"] == "Hollowáy"
    assert any(isinstance(r, FileNotice) and "Windows-1252" in r.message for r in records)
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted(EXPORT.rglob("*")):
            if path.is_file():
                zf.write(path, f"LL_export_2025Q2/{path.relative_to(EXPORT).as_posix()}")
    from_zip = [r for r in read(archive) if not isinstance(r, FileNotice)]
    from_folder = [r for r in read(EXPORT) if not isinstance(r, FileNotice)]
    assert from_zip == from_folder


def test_missing_required_column_rejects_every_row_without_raising(tmp_path: Path) -> None:
    (tmp_path / "cld_events.csv").write_text("LA_Code,Event_Type\n935,Request\n935,Review\n", encoding="utf-8")
    rejected = [r for r in read(tmp_path) if isinstance(r, Rejected)]
    assert [r.ref.line for r in rejected] == [2, 3]
    assert all(r.code == "LL-102" and "LA_Person_Unique_Identifier" in r.reason for r in rejected)


def test_dates_accept_iso_and_uk_forms_only() -> None:
    assert parse_date("2026-01-31", "X") == parse_date("31/01/2026", "X")
    for bad in ("31/02/2026", "2026/01/31", "Jan 31 2026"):
        with pytest.raises(BadDate):
            parse_date(bad, "X")


def test_a_nonexistent_export_is_a_notice_not_an_exception(tmp_path: Path) -> None:
    records = read(tmp_path / "nope.zip")
    assert len(records) == 1 and isinstance(records[0], FileNotice) and records[0].level == "error"
