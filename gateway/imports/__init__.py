"""The import pipeline shared by every source: runs, per-row outcomes, batched idempotent writes."""
