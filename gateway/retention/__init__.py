"""Retention: transient copies the gateway keeps (uploads, delivery rows...) purged after their
period by an audited background job; the care records and their audit trail are never purged."""
