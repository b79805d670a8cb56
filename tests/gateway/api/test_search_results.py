"""Search result mechanics: GET vs POST _search, paging by next link, totals, _summary, _elements,
_sort and read-your-writes. See https://hl7.org/fhir/R4/search.html"""

from __future__ import annotations

from tests.gateway.api.fhir_api import FhirApi, assert_outcome, ids_of


def seed(fhir: FhirApi, n: int, family: str = "Pager") -> list[str]:
    return [fhir.patient(family=family, birthDate=f"19{50 + i:02d}-01-01")["id"] for i in range(n)]


def all_ids(fhir: FhirApi, query: str) -> list[str]:
    return [i for page in fhir.follow(fhir.search(query)) for i in ids_of(page)]


def test_get_and_post_search_give_the_same_results(fhir: FhirApi) -> None:
    seed(fhir, 3)
    fhir.patient(family="Other")
    by_get = fhir.search("Patient?family=Pager&_sort=_id")
    response = fhir.client.post("/fhir/Patient/_search", data={"family": "Pager", "_sort": "_id"},
                                headers={"Authorization": fhir.headers["Authorization"]})
    assert response.status_code == 200
    assert ids_of(response.json()) == ids_of(by_get)
    assert response.json()["total"] == by_get["total"] == 3


def test_paging_reaches_every_match_once(fhir: FhirApi) -> None:
    made = seed(fhir, 7)
    pages = fhir.follow(fhir.search("Patient?family=Pager&_count=3"))
    assert [len(ids_of(p)) for p in pages] == [3, 3, 1]
    found = [i for p in pages for i in ids_of(p)]
    assert sorted(found) == sorted(made)
    assert all(p["total"] == 7 for p in pages[:1])


def test_paging_with_a_sort_reaches_every_match_once_in_order(fhir: FhirApi) -> None:
    seed(fhir, 6)
    pages = fhir.follow(fhir.search("Patient?family=Pager&_count=4&_sort=-birthdate"))
    years = [e["resource"]["birthDate"] for p in pages for e in p["entry"]]
    assert years == sorted(years, reverse=True) and len(set(years)) == 6


def test_paging_neither_repeats_nor_skips_when_writes_happen_between_pages(fhir: FhirApi) -> None:
    made = seed(fhir, 6)
    first = fhir.search("Patient?family=Pager&_count=2&_sort=birthdate")
    served = ids_of(first)
    # Between pages: a new match, an update to an unserved match, and a delete of an unserved match.
    newcomer = fhir.patient(family="Pager", birthDate="2001-01-01")["id"]
    third = fhir.get(f"Patient/{made[2]}").json()
    fhir.put(f"Patient/{made[2]}", {**third, "active": True})
    fhir.delete(f"Patient/{made[5]}")
    rest = [i for p in fhir.follow(first)[1:] for i in ids_of(p)]
    assert not set(rest) & set(served)
    assert set(made[2:5]) <= set(rest)
    assert made[5] not in rest
    assert len(rest) == len(set(rest))
    assert set(rest) <= set(made) | {newcomer}


def test_summary_count_returns_only_the_total(fhir: FhirApi) -> None:
    seed(fhir, 4)
    bundle = fhir.search("Patient?family=Pager&_summary=count")
    assert bundle["total"] == 4
    assert not bundle.get("entry")


def test_total_none_leaves_total_out(fhir: FhirApi) -> None:
    seed(fhir, 2)
    bundle = fhir.search("Patient?family=Pager&_total=none")
    assert "total" not in bundle
    assert len(ids_of(bundle)) == 2


def test_total_accurate_counts_all_pages(fhir: FhirApi) -> None:
    seed(fhir, 5)
    assert fhir.search("Patient?family=Pager&_total=accurate&_count=2")["total"] == 5


def test_elements_keeps_only_the_named_elements_and_marks_subsetted(fhir: FhirApi) -> None:
    fhir.patient(family="Pager", gender="female", birthDate="1960-02-02")
    resource = fhir.search("Patient?family=Pager&_elements=gender")["entry"][0]["resource"]
    assert resource["gender"] == "female"
    assert "birthDate" not in resource and "name" not in resource
    assert resource["id"]
    assert any(t["code"] == "SUBSETTED" for t in resource["meta"]["tag"])


def test_sort_by_several_keys(fhir: FhirApi) -> None:
    fhir.patient(family="Beta", birthDate="1990-01-01")
    fhir.patient(family="Alpha", birthDate="1980-01-01")
    fhir.patient(family="Alpha", birthDate="1985-01-01")
    bundle = fhir.search("Patient?_sort=family,-birthdate")
    pairs = [(e["resource"]["name"][0]["family"], e["resource"]["birthDate"]) for e in bundle["entry"]]
    assert pairs == [("Alpha", "1985-01-01"), ("Alpha", "1980-01-01"), ("Beta", "1990-01-01")]


def test_sort_descending(fhir: FhirApi) -> None:
    for name in ("Carr", "Abel", "Bard"):
        fhir.patient(family=name)
    bundle = fhir.search("Patient?_sort=-family")
    assert [e["resource"]["name"][0]["family"] for e in bundle["entry"]] == ["Carr", "Bard", "Abel"]


def test_sort_by_last_updated(fhir: FhirApi) -> None:
    made = seed(fhir, 3)
    assert ids_of(fhir.search("Patient?_sort=-_lastUpdated")) == made[::-1]


def test_sort_by_an_unknown_parameter_is_400(fhir: FhirApi) -> None:
    assert_outcome(fhir.get("Patient", _sort="shoe-size"), 400)


def test_a_write_is_visible_to_the_very_next_search(fhir: FhirApi) -> None:
    for i in range(5):
        created = fhir.patient(family=f"Fresh{i}")
        assert ids_of(fhir.search(f"Patient?family=Fresh{i}")) == [created["id"]]
        fhir.put(f"Patient/{created['id']}", {**created, "name": [{"family": f"Renamed{i}"}]})
        assert fhir.search(f"Patient?family=Fresh{i}")["total"] == 0
        assert ids_of(fhir.search(f"Patient?family=Renamed{i}")) == [created["id"]]


def test_count_zero_gives_a_total_and_no_entries(fhir: FhirApi) -> None:
    seed(fhir, 2)
    bundle = fhir.search("Patient?family=Pager&_count=0")
    assert bundle["total"] == 2 and not ids_of(bundle)


def test_bad_count_is_400(fhir: FhirApi) -> None:
    assert_outcome(fhir.get("Patient", _count="lots"), 400)


def test_a_cursor_that_was_tampered_with_is_400(fhir: FhirApi) -> None:
    assert_outcome(fhir.get("Patient", _cursor="eyJub3QiOiJhIGN1cnNvciJ9"), 400)


def test_a_cursor_from_another_search_is_400(fhir: FhirApi) -> None:
    seed(fhir, 3)
    nxt = next(link["url"] for link in fhir.search("Patient?family=Pager&_count=1")["link"]
               if link["relation"] == "next")
    cursor = nxt.split("_cursor=")[1]
    assert_outcome(fhir.get("Patient", family="Other", _count="1", _cursor=cursor), 400)


def test_self_link_and_searchset_type(fhir: FhirApi) -> None:
    bundle = fhir.search("Patient?family=Pager")
    assert bundle["type"] == "searchset"
    assert any(link["relation"] == "self" and "family=Pager" in link["url"] for link in bundle["link"])
