"""Deterministic synthetic people and their source-system records, for demos and tests."""
