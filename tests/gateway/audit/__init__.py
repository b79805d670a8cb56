"""Tests for gateway.audit."""
