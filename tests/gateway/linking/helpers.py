"""Reading linking state back for assertions."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import select, text

from gateway.linking.links import active_links
from gateway.linking.tables import link_candidates, person_links
from gateway.repository.sql import SqlRepository


def goldens(repo: SqlRepository) -> dict[str, dict[str, Any]]:
    """Every current golden Patient by id (found by its tag, not by the links table)."""
    with repo.reading() as conn:
        rows = conn.execute(text("SELECT res_id, content FROM resources WHERE res_type = 'Patient' "
                                 "AND deleted = :f"), {"f": False}).all()
    out = {}
    for row in rows:
        body = orjson.loads(row.content)
        if any(t.get("code") == "golden" for t in (body.get("meta") or {}).get("tag") or []):
            out[row.res_id] = body
    return out


def golden_of(repo: SqlRepository, patient_id: str) -> str | None:
    with repo.reading() as conn:
        link = active_links(conn, [patient_id]).get(patient_id)
    return link.golden_id if link else None


def candidates(repo: SqlRepository, status: str | None = None) -> list[Any]:
    c = link_candidates.c
    with repo.reading() as conn:
        query = select(link_candidates).order_by(c.id)
        if status:
            query = query.where(c.status == status)
        return list(conn.execute(query))


def candidate_between(repo: SqlRepository, a: str, b: str) -> Any:
    first, second = sorted((a, b))
    return next((row for row in candidates(repo) if (row.patient_a, row.patient_b) == (first, second)), None)


def link_rows(repo: SqlRepository) -> list[Any]:
    with repo.reading() as conn:
        return list(conn.execute(select(person_links).order_by(person_links.c.seq)))


def audit_queries(repo: SqlRepository, prefix: str = "person-link") -> list[Any]:
    with repo.reading() as conn:
        return list(conn.execute(text("SELECT user_id, query, resource_id, patient FROM audit_log "
                                      "WHERE query LIKE :p ORDER BY seq"), {"p": prefix + "%"}))


NHS = "9434765919"


def patient(pid: str, family: str = "Holloway", given: str = "Margaret", born: str = "1941-03-12",
            postcode: str = "IP14 1AB", gender: str = "female", nhs: str | None = None, source: str = "systmone",
            old: str | None = None, extra_postcodes: tuple[str, ...] = ()) -> dict[str, Any]:
    names: list[dict[str, Any]] = [{"use": "official", "family": family, "given": [given]}]
    if old:
        names.append({"use": "old", "family": old})
    identifiers = [{"system": f"https://care-gateway.example/Id/{source}/Patient", "value": pid}]
    if nhs:
        identifiers.append({"system": "https://fhir.nhs.uk/Id/nhs-number", "value": nhs})
    addresses = [{"postalCode": postcode}] + [{"postalCode": p, "period": {"end": "2020-01-01"}}
                                               for p in extra_postcodes]
    return {"resourceType": "Patient", "id": pid, "identifier": identifiers, "name": names, "gender": gender,
            "birthDate": born, "address": addresses}
