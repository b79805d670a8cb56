"""Monitoring: request metrics, scrape-time figures, /metrics, structured logs (see README.md)."""
