"""Omaha System integrated assessment: model and FHIR mapping."""
