"""Tags for records the gateway makes itself (not received from a source), e.g. golden Patients.

Conditional interactions (If-None-Exist, conditional update) never bind to such records: a client
matching on an NHS number means the records it sends, not the person record linking maintains.
"""

from __future__ import annotations

RECORD_KIND_SYSTEM = "https://care-gateway.example/fhir/CodeSystem/record-kind"
GOLDEN_CODE = "golden"
GOLDEN_TAG_TOKEN = f"{RECORD_KIND_SYSTEM}|{GOLDEN_CODE}"
