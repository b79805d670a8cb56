"""FHIR Bulk Data export (`$export`): jobs in the database, NDJSON files in a shared folder.

See https://hl7.org/fhir/uv/bulkdata/export.html and README.md in this folder.
"""
