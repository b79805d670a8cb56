"""Topic-based subscriptions (R4 Backport IG): topics, Subscription lifecycle, events and notifications."""
