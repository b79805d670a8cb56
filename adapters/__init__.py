"""Source-system adapters: each turns one source format into FHIR R4 resources (and back, where needed)."""
