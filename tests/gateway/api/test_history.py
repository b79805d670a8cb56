"""History at instance, type and system level, paging by `next` link and `_since`.
See https://hl7.org/fhir/R4/http.html#history"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from tests.gateway.api.fhir_api import FhirApi, assert_outcome


def entries(pages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [entry for page in pages for entry in page.get("entry", [])]


def version_keys(pages: list[dict[str, Any]]) -> list[str]:
    """`Type/id/version` of every history entry (deletions have no resource: read the etag)."""
    out = []
    for entry in entries(pages):
        res_type, res_id = entry["fullUrl"].rsplit("/", 2)[-2:]
        out.append(f"{res_type}/{res_id}/{entry['response']['etag']}")
    return out


def test_instance_history_lists_every_version_newest_first(fhir: FhirApi) -> None:
    created = fhir.patient()
    fhir.put(f"Patient/{created['id']}", {**created, "active": True})
    fhir.put(f"Patient/{created['id']}", {**created, "active": False})
    bundle = fhir.search(f"Patient/{created['id']}/_history")
    assert bundle["type"] == "history"
    assert bundle["total"] == 3
    assert [e["resource"]["meta"]["versionId"] for e in bundle["entry"]] == ["3", "2", "1"]
    assert [e["request"]["method"] for e in bundle["entry"]] == ["PUT", "PUT", "POST"]


def test_instance_history_shows_the_delete(fhir: FhirApi) -> None:
    created = fhir.patient()
    fhir.delete(f"Patient/{created['id']}")
    bundle = fhir.search(f"Patient/{created['id']}/_history")
    newest = bundle["entry"][0]
    assert newest["request"]["method"] == "DELETE"
    assert "resource" not in newest
    assert newest["response"]["etag"] == 'W/"2"'
    assert bundle["entry"][1]["resource"]["meta"]["versionId"] == "1"


def test_instance_history_of_an_unknown_resource_is_404(fhir: FhirApi) -> None:
    assert_outcome(fhir.get("Patient/nobody/_history"), 404)


def test_type_history_holds_only_that_type(fhir: FhirApi) -> None:
    patient = fhir.patient()
    fhir.create({"resourceType": "Observation", "status": "final", "code": {"text": "pulse"},
                 "subject": {"reference": f"Patient/{patient['id']}"}})
    bundle = fhir.search("Patient/_history")
    assert {e["resource"]["resourceType"] for e in bundle["entry"]} == {"Patient"}
    assert bundle["total"] == 1


def test_system_history_holds_every_type(fhir: FhirApi) -> None:
    patient = fhir.patient()
    fhir.create({"resourceType": "Observation", "status": "final", "code": {"text": "pulse"},
                 "subject": {"reference": f"Patient/{patient['id']}"}})
    bundle = fhir.search("_history")
    types = {e["resource"]["resourceType"] for e in bundle["entry"] if "resource" in e}
    assert {"Patient", "Observation"} <= types


def test_type_history_pages_to_the_end_without_repeats(fhir: FhirApi) -> None:
    made = [fhir.patient(family=f"Page{i}") for i in range(7)]
    for patient in made[:3]:
        fhir.put(f"Patient/{patient['id']}", {**patient, "active": True})
    pages = fhir.follow(fhir.search("Patient/_history?_count=3"))
    keys = version_keys(pages)
    assert len(pages) == 4
    assert len(keys) == len(set(keys)) == 10
    assert all(len(page.get("entry", [])) <= 3 for page in pages)


def test_instance_history_pages_with_count(fhir: FhirApi) -> None:
    created = fhir.patient()
    for flag in (True, False, True, False):
        fhir.put(f"Patient/{created['id']}", {**created, "active": flag})
    pages = fhir.follow(fhir.search(f"Patient/{created['id']}/_history?_count=2"))
    versions = [e["resource"]["meta"]["versionId"] for e in entries(pages)]
    assert versions == ["5", "4", "3", "2", "1"]


def test_system_history_pages_to_the_end_without_repeats(fhir: FhirApi) -> None:
    for i in range(5):
        fhir.patient(family=f"Sys{i}")
    pages = fhir.follow(fhir.search("_history?_count=2"))
    keys = version_keys(pages)
    assert len(keys) == len(set(keys)) == 5


def test_history_paging_is_stable_when_writes_happen_between_pages(fhir: FhirApi) -> None:
    for i in range(4):
        fhir.patient(family=f"Stable{i}")
    first = fhir.search("Patient/_history?_count=2")
    fhir.patient(family="Newcomer")  # newer than every entry already being paged
    pages = fhir.follow(first)
    keys = version_keys(pages)
    assert len(keys) == len(set(keys)) == 4


def test_since_keeps_only_later_versions(fhir: FhirApi) -> None:
    fhir.patient(family="Before")
    time.sleep(0.01)
    cut = datetime.now(UTC).isoformat()
    time.sleep(0.01)
    later = fhir.patient(family="After")
    bundle = fhir.search(f"Patient/_history?_since={cut.replace('+', '%2B')}")
    assert [e["resource"]["id"] for e in bundle["entry"]] == [later["id"]]


def test_since_with_a_date_only_value_is_accepted(fhir: FhirApi) -> None:
    fhir.patient()
    bundle = fhir.search("Patient/_history?_since=2000-01-01")
    assert bundle["total"] == 1


def test_since_that_is_not_an_instant_is_400(fhir: FhirApi) -> None:
    assert_outcome(fhir.get("Patient/_history", _since="yesterday"), 400)


def test_history_with_a_bad_cursor_is_400(fhir: FhirApi) -> None:
    fhir.patient()
    assert_outcome(fhir.get("Patient/_history", _cursor="not-a-cursor!"), 400)


def test_history_entries_carry_request_and_response(fhir: FhirApi) -> None:
    created = fhir.patient()
    entry = fhir.search(f"Patient/{created['id']}/_history")["entry"][0]
    assert entry["fullUrl"].endswith(f"/Patient/{created['id']}")
    assert entry["request"] == {"method": "POST", "url": "Patient"}
    assert entry["response"]["status"].startswith("201")
    assert entry["response"]["etag"] == 'W/"1"'
    assert entry["response"]["lastModified"] == created["meta"]["lastUpdated"]
