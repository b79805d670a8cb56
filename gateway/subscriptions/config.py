"""Read an R4 Subscription in the Backport IG's shape into the settings delivery needs, rejecting
what the gateway cannot honour (a 422 naming the element) before anything is stored.

See https://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition-backport-subscription.html
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from gateway.outcomes import unprocessable
from gateway.storage.times import instant_to_us
from gateway.subscriptions.topics import Topic, all_topics, topic_by_url

BACKPORT = "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition"
FILTER_CRITERIA = f"{BACKPORT}/backport-filter-criteria"
PAYLOAD_CONTENT = f"{BACKPORT}/backport-payload-content"
HEARTBEAT_PERIOD = f"{BACKPORT}/backport-heartbeat-period"
TIMEOUT = f"{BACKPORT}/backport-timeout"
MAX_COUNT = f"{BACKPORT}/backport-max-count"

CONTENTS = ("empty", "id-only", "full-resource")
STATUSES = ("requested", "active", "error", "off")
MIME_TYPES = ("application/fhir+json", "application/json")


@dataclass(frozen=True, slots=True)
class SubscriptionConfig:
    """A validated Subscription: where to send, what to send, which events."""

    topic: Topic
    status: str
    endpoint: str
    headers: tuple[str, ...]
    content: str
    filters: dict[str, tuple[str, ...]]
    heartbeat_s: int | None
    timeout_s: int | None
    max_count: int | None
    end_at: int | None

    def channel_key(self) -> tuple[Any, ...]:
        """What a handshake confirms: changing any of it needs a new handshake."""
        return (self.topic.url, self.endpoint, self.headers)


def _ext_value(element: dict[str, Any] | None, url: str) -> Any:
    for ext in (element or {}).get("extension", []):
        if ext.get("url") == url:
            return next((v for k, v in ext.items() if k.startswith("value")), None)
    return None


def _ext_values(element: dict[str, Any] | None, url: str) -> list[Any]:
    return [next((v for k, v in e.items() if k.startswith("value")), None)
            for e in (element or {}).get("extension", []) if e.get("url") == url]


def _normalise_filter(name: str, value: str) -> str:
    value = value.strip()
    if name == "patient":
        return value if value.startswith("Patient/") else f"Patient/{value}"
    if name == "team":
        return value if value.startswith("CareTeam/") else f"CareTeam/{value}"
    if name == "problem":
        return value.zfill(2) if value.isdigit() else value
    return value


def parse_filters(topic: Topic, criteria: list[Any]) -> dict[str, tuple[str, ...]]:
    """Filters from backport-filter-criteria strings (`Type?param=value&...` or `param=value`).
    Several values of one parameter are OR-ed; different parameters are AND-ed."""
    out: dict[str, list[str]] = {}
    for text in criteria:
        if not isinstance(text, str) or not text.strip():
            raise unprocessable("backport-filter-criteria needs a string like 'patient=Patient/123'",
                                ["Subscription.criteria.extension"])
        query = text.split("?", 1)[1] if "?" in text else text
        pairs = parse_qsl(query, keep_blank_values=True)
        if not pairs:
            raise unprocessable(f"Filter criteria {text!r} has no parameter=value", ["Subscription.criteria.extension"])
        for name, raw in pairs:
            name = name.split(":", 1)[0]
            if name not in topic.filters:
                allowed = ", ".join(sorted(topic.filters))
                raise unprocessable(f"Topic {topic.id} cannot filter by {name!r} (it can by: {allowed})",
                                    ["Subscription.criteria.extension"])
            values = [_normalise_filter(name, v) for v in raw.split(",") if v.strip()]
            if not values:
                raise unprocessable(f"Filter {name!r} has no value", ["Subscription.criteria.extension"])
            out.setdefault(name, []).extend(values)
    return {k: tuple(dict.fromkeys(v)) for k, v in out.items()}


def _positive(channel: dict[str, Any], url: str, name: str) -> int | None:
    value = _ext_value(channel, url)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise unprocessable(f"{name} must be a whole number of seconds or items", ["Subscription.channel.extension"])
    return value or None


def read_subscription(resource: dict[str, Any]) -> SubscriptionConfig:
    """The delivery settings of `resource`; 422 for anything the gateway cannot deliver."""
    criteria = resource.get("criteria") or ""
    topic = topic_by_url(criteria)
    if topic is None:
        known = ", ".join(t.url for t in all_topics())
        raise unprocessable(f"Subscription.criteria must be the canonical URL of a published SubscriptionTopic "
                            f"(query-based R4 criteria are not supported); topics: {known}", ["Subscription.criteria"])
    status = resource.get("status") or "requested"
    if status not in STATUSES:
        raise unprocessable(f"Subscription.status {status!r} is not one of {', '.join(STATUSES)}",
                            ["Subscription.status"])
    channel = resource.get("channel") or {}
    if channel.get("type") != "rest-hook":
        raise unprocessable("Only the rest-hook channel type is supported", ["Subscription.channel.type"])
    endpoint = channel.get("endpoint") or ""
    parts = urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise unprocessable("A rest-hook needs an http(s) endpoint URL", ["Subscription.channel.endpoint"])
    payload = channel.get("payload")
    if payload is not None and payload not in MIME_TYPES:
        raise unprocessable(f"Payload type {payload!r} is not supported; use application/fhir+json",
                            ["Subscription.channel.payload"])
    content = _ext_value(channel.get("_payload"), PAYLOAD_CONTENT) or ("id-only" if payload else "empty")
    if content not in CONTENTS:
        raise unprocessable(f"Payload content {content!r} is not one of {', '.join(CONTENTS)}",
                            ["Subscription.channel.payload.extension"])
    headers = tuple(channel.get("header") or ())
    for header in headers:
        if ":" not in header or not header.split(":", 1)[0].strip():
            raise unprocessable(f"Channel header {header!r} is not 'Name: value'", ["Subscription.channel.header"])
    filters = parse_filters(topic, _ext_values(resource.get("_criteria"), FILTER_CRITERIA))
    end = resource.get("end")
    return SubscriptionConfig(
        topic=topic, status=status, endpoint=endpoint, headers=headers, content=content, filters=filters,
        heartbeat_s=_positive(channel, HEARTBEAT_PERIOD, "heartbeat-period"),
        timeout_s=_positive(channel, TIMEOUT, "timeout"),
        max_count=_positive(channel, MAX_COUNT, "max-count"),
        end_at=instant_to_us(end) if isinstance(end, str) else None,
    )

