"""Alerts: quiet feeds and piling work, evaluated periodically, shown on /app/status, exposed as
metrics and delivered to a configured webhook through the delivery outbox."""
