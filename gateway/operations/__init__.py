"""FHIR operations ($everything, $lookup, ...), one module per operation."""
