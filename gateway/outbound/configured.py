"""The outbound policy a gateway process runs with, from its settings."""

from __future__ import annotations

from gateway.outbound.policy import OutboundPolicy, Resolver, allow_list, own_endpoints, parse_prefix
from gateway.settings import Settings


def policy_from_settings(settings: Settings, resolver: Resolver | None = None) -> OutboundPolicy:
    """The allow-list (`GATEWAY_OUTBOUND_ALLOW`, plus the social care endpoint and the alert webhook,
    which their own settings allow) and the gateway's own addresses (its base URL and where it listens). Raises
    OutboundConfigError naming the setting when an entry can never be used."""
    prefixes = allow_list(settings.outbound_allow)
    if settings.liquidlogic_endpoint:
        prefixes.append(parse_prefix(settings.liquidlogic_endpoint, "GATEWAY_LIQUIDLOGIC_ENDPOINT"))
    if settings.alert_webhook_url:
        prefixes.append(parse_prefix(settings.alert_webhook_url, "GATEWAY_ALERT_WEBHOOK_URL"))
    own = own_endpoints([settings.base_url, settings.listen_url])
    return OutboundPolicy(prefixes, own, resolver)
