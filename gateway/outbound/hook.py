"""Refuse a Subscription whose rest-hook endpoint the outbound policy does not allow, when it is
written (create, update, patch, in a Bundle or not), so nobody stores a hook the worker would
never call. The worker checks again at every delivery (the list may have changed since)."""

from __future__ import annotations

from typing import Any

from gateway.outbound.policy import OutboundPolicy, OutboundRefused
from gateway.outcomes import unprocessable
from gateway.repository.base import ChangeHook, WriteEvent
from gateway.repository.unit import UnitOfWork


def make_endpoint_hook(policy: OutboundPolicy) -> ChangeHook:
    """A change hook checking Subscription.channel.endpoint against `policy` (422 naming the reason)."""

    def endpoint_hook(_unit: UnitOfWork, events: list[WriteEvent]) -> None:
        for event in events:
            if event.res_type == "Subscription":
                check_endpoint(policy, event)

    return endpoint_hook


def check_endpoint(policy: OutboundPolicy, event: WriteEvent) -> None:
    if event.after is None or event.after.get("status") == "off":
        return  # switching a subscription off must work even after its endpoint was delisted
    channel: Any = event.after.get("channel") or {}
    endpoint = channel.get("endpoint") if isinstance(channel, dict) else None
    if not isinstance(endpoint, str):
        return  # the subscription hook has already refused a missing endpoint
    try:
        policy.check_url(endpoint)
    except OutboundRefused as exc:
        raise unprocessable(f"The gateway will not call this endpoint: {exc.reason}",
                            ["Subscription.channel.endpoint"], code="security") from None
