"""Deterministic FHIR ids and identifiers for SystmOne rows.

An id is uuid5 of the table's identifier system and the row's key, so importing the same extract
twice yields the same ids, and a reference from another table (`IDPatient`, `IDEvent`...) is
computed without looking anything up. Systems per table are listed in
`mappings/identifier-systems/systmone.json`.
"""

from __future__ import annotations

import hashlib
import uuid
from functools import lru_cache

from adapters.uris import identifier_system

SOURCE = "systmone"
# uuid5 namespace for every SystmOne-derived id (uuid5 of the gateway's identifier base URL).
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://care-gateway.example/Id/systmone")
_NAMESPACE_BYTES = _NAMESPACE.bytes


@lru_cache(maxsize=64)
def system(table: str) -> str:
    """Identifier system of one SR table, e.g. `https://care-gateway.example/Id/systmone/SRPatient`."""
    return identifier_system(SOURCE, table)


@lru_cache(maxsize=1 << 16)
def resource_id(table: str, key: str | int) -> str:
    """The FHIR id of the resource made from `table`'s row `key`: `uuid.uuid5(namespace, "<system>|<key>")`,
    computed directly (the stdlib's UUID object costs more than the hash on hot paths)."""
    digest = bytearray(hashlib.sha1(_NAMESPACE_BYTES + f"{system(table)}|{key}".encode()).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50
    digest[8] = (digest[8] & 0x3F) | 0x80
    x = digest.hex()
    return f"{x[:8]}-{x[8:12]}-{x[12:16]}-{x[16:20]}-{x[20:]}"


def identifier(table: str, key: str | int) -> dict[str, str]:
    """The row's own identifier, carried by every resource made from it."""
    return {"system": system(table), "value": str(key)}


def reference(resource_type: str, table: str, key: str | int) -> dict[str, str]:
    """A reference to the resource another row of `table` becomes."""
    return {"reference": f"{resource_type}/{resource_id(table, key)}"}


def organisation_id(ods_code: str) -> str:
    """Organisations are referenced by ODS code (`IDOrganisation*` columns), so their id derives from it."""
    return resource_id("SROrganisation", f"ods:{ods_code}")


def organisation_reference(ods_code: str) -> dict[str, str]:
    """A reference to the Organization an `IDOrganisation*` column names."""
    return {"reference": f"Organization/{organisation_id(ods_code)}"}
