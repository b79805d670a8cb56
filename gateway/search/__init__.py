"""FHIR search: parameter definitions, indexing and query translation."""
