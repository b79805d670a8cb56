"""Membership of the Patient compartment, from the spec's CompartmentDefinition and the reference index.

`Patient/$everything` needs every resource that belongs to a patient; the CompartmentDefinition
says which reference parameters put a resource there (Observation: subject, performer...). Asking
the reference index for those is one indexed query per resource type.
See https://hl7.org/fhir/R4/compartmentdefinition-patient.html
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, false, select

from gateway.search.registry import SPEC_DIR, get_registry
from gateway.storage.index_tables import search_reference
from gateway.storage.tables import resources

_CHUNK = 500
# The elements behind the compartment's `patient`/`subject` parameters of the types the gateway
# serves (Condition.subject, AllergyIntolerance.patient, Coverage.beneficiary...), in that order.
_SUBJECT_ELEMENTS = ("subject", "patient", "beneficiary")


@lru_cache(maxsize=1)
def patient_compartment() -> dict[str, tuple[str, ...]]:
    """Resource type -> the parameters linking it to a patient, for the types the gateway serves."""
    definition = json.loads((SPEC_DIR / "compartmentdefinition-patient.json").read_text())
    registry = get_registry()
    out: dict[str, tuple[str, ...]] = {}
    for item in definition["resource"]:
        params = tuple(p for p in item.get("param", []) if registry.get(item["code"], p) is not None)
        if params:
            out[item["code"]] = params
    return out


def compartment_ids(
    conn: Connection, patient_ids: Iterable[str], types: Iterable[str] | None = None, since: int | None = None
) -> Iterator[tuple[str, str]]:
    """Every (res_type, res_id) in the compartments of `patient_ids`, the patients included.

    `types` restricts the resource types; `since` (µs UTC) keeps resources updated at or after it.
    Deleted resources are skipped; each resource is yielded once, grouped by type in id order.
    """
    ids = sorted(set(patient_ids))
    wanted = set(types) if types is not None else None
    r, ref = resources.c, search_reference.c
    for res_type, params in sorted(patient_compartment().items()):
        if wanted is not None and res_type not in wanted:
            continue
        found: set[str] = set(ids) if res_type == "Patient" else set()
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            q = select(ref.res_id).where(
                ref.res_type == res_type, ref.param.in_(params), ref.target_type == "Patient", ref.target_id.in_(chunk)
            )
            found.update(conn.execute(q).scalars())
        if not found:
            continue
        members = sorted(found)
        for start in range(0, len(members), _CHUNK):
            q = select(r.res_id).where(r.res_type == res_type, r.res_id.in_(members[start : start + _CHUNK]))
            q = q.where(r.deleted == false())
            if since is not None:
                q = q.where(r.last_updated >= since)
            for res_id in conn.execute(q.order_by(r.res_id)).scalars():
                yield res_type, res_id


def patient_of(resource: Mapping[str, Any] | None) -> str | None:
    """Which Patient a resource is about ("Patient/<id>"), from the element that puts it in that
    Patient's compartment; None for a resource about no Patient (and for a Patient itself)."""
    for key in _SUBJECT_ELEMENTS:
        ref = (resource or {}).get(key)
        if isinstance(ref, dict) and str(ref.get("reference", "")).startswith("Patient/"):
            return str(ref["reference"])
    return None
