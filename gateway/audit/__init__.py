"""Audit trail: every read, search and write recorded as an AuditEvent."""
