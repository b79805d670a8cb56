"""Outbound calls: which URLs the gateway may call, and a client that cannot call anything else."""
