"""The API fixtures (client, token_for, auth, fhir, live_gateway) live in tests/conftest.py."""
