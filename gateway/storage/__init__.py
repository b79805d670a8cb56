"""Relational storage for FHIR resources, their history, search index and gateway bookkeeping."""
