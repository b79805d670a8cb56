"""Person linking: one golden Patient per person over the source Patients, candidates for the rest.

See README.md in this folder. The entry points other packages use:
`linked_patient_ids(conn, patient_id)` (every Patient id of one person), `install(hooks)` (wire
linking into a repository's writes) and `relink_all(repo)` (the `gateway link` command).
"""

from __future__ import annotations

from gateway.linking.hooks import install, relink_all
from gateway.linking.links import linked_patient_ids

__all__ = ["install", "linked_patient_ids", "relink_all"]
