"""Reliable delivery from the transactional outbox: leases, retries with backoff, dead letters."""
