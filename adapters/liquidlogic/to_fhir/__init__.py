"""CLD rows and workflow forms to FHIR R4 resources: one module per kind of source thing."""
