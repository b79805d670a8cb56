"""The SubscriptionTopics the gateway publishes, defined as data in `topics.json`.

R4 has no SubscriptionTopic resource; following the Subscriptions R5 Backport IG's R4B server
profile, the gateway serves its topics at `/fhir/SubscriptionTopic` in the R4B shape (read-only),
and an R4 Subscription names one by its canonical URL in `Subscription.criteria`.
See https://hl7.org/fhir/uv/subscriptions-backport/components.html#subscription-topics
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from adapters.uris import CANONICAL_BASE

TOPICS_FILE = Path(__file__).with_name("topics.json")
_INTERACTIONS = ["create", "update", "delete"]


@dataclass(frozen=True, slots=True)
class Topic:
    """One topic: what fires it (`trigger` names the detector) and which filters it accepts."""

    id: str
    url: str
    trigger: str
    title: str
    description: str
    resources: tuple[str, ...]
    filters: dict[str, dict[str, str]]
    raw: dict[str, Any]

    def codes(self) -> frozenset[tuple[str, str]]:
        return frozenset((c["system"], c["code"]) for c in self.raw.get("codes", []))

    def classes(self) -> frozenset[str]:
        return frozenset(self.raw.get("inpatient_classes", []))


def topic_url(topic_id: str) -> str:
    return f"{CANONICAL_BASE}/SubscriptionTopic/{topic_id}"


@lru_cache(maxsize=1)
def all_topics() -> tuple[Topic, ...]:
    """Every published topic, in file order. A malformed file fails at start-up, not on first use."""
    data = json.loads(TOPICS_FILE.read_text(encoding="utf-8"))
    out = []
    for item in data["topics"]:
        out.append(Topic(item["id"], topic_url(item["id"]), item["trigger"], item["title"], item["description"],
                         tuple(item["resources"]), dict(item["filters"]), item))
    if len({t.id for t in out}) != len(out):
        raise ValueError(f"{TOPICS_FILE} defines a topic id twice")
    return tuple(out)


def topic_by_url(url: str) -> Topic | None:
    """The topic a Subscription's criteria names (its canonical, optionally with |version)."""
    canonical = url.split("|", 1)[0].strip()
    return next((t for t in all_topics() if t.url == canonical), None)


def topic_by_id(topic_id: str) -> Topic | None:
    return next((t for t in all_topics() if t.id == topic_id), None)


def subscription_topic(topic: Topic) -> dict[str, Any]:
    """The topic as an R4B SubscriptionTopic resource.
    See https://hl7.org/fhir/R4B/subscriptiontopic.html"""
    return {
        "resourceType": "SubscriptionTopic",
        "id": topic.id,
        "url": topic.url,
        "version": "1.0",
        "title": topic.title,
        "status": "active",
        "description": topic.description,
        "resourceTrigger": [
            {
                "description": topic.description,
                "resource": f"http://hl7.org/fhir/StructureDefinition/{res}",
                "supportedInteraction": _INTERACTIONS,
            }
            for res in topic.resources
        ],
        "canFilterBy": [
            {
                "description": spec["description"],
                "resource": f"http://hl7.org/fhir/StructureDefinition/{spec['resource']}",
                "filterParameter": name,
            }
            for name, spec in topic.filters.items()
        ],
        "notificationShape": [
            {"resource": f"http://hl7.org/fhir/StructureDefinition/{res}"} for res in topic.resources
        ],
    }
