"""HTTP routes of the published SubscriptionTopics (R4B shape, read-only, under /fhir).

Include it before the generic FHIR router: `/fhir/SubscriptionTopic` is not a stored R4 type.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from gateway.outcomes import not_found
from gateway.request_context import Caller
from gateway.responses import FhirResponse
from gateway.security import audit, caller
from gateway.storage.times import now_us, us_to_instant
from gateway.subscriptions.topics import all_topics, subscription_topic, topic_by_id

router = APIRouter()


@router.get("/fhir/SubscriptionTopic", include_in_schema=False)
async def list_topics(request: Request, who: Caller = Depends(caller)) -> Response:
    """Every topic (optionally `url=` one canonical): what a subscriber may subscribe to."""
    wanted = request.query_params.get("url")
    base = str(request.app.state.settings.base_url).rstrip("/") + "/fhir"
    topics = [t for t in all_topics() if wanted is None or t.url == wanted]
    entries = [{"fullUrl": f"{base}/SubscriptionTopic/{t.id}", "resource": subscription_topic(t),
                "search": {"mode": "match"}} for t in topics]
    await audit(request, who, "search-type", "SubscriptionTopic", query=str(request.url.query) or None)
    return FhirResponse({"resourceType": "Bundle", "type": "searchset", "total": len(entries),
                         "timestamp": us_to_instant(now_us()), "entry": entries})


@router.get("/fhir/SubscriptionTopic/{topic_id}", include_in_schema=False)
async def read_topic(topic_id: str, request: Request, who: Caller = Depends(caller)) -> Response:
    topic = topic_by_id(topic_id)
    if topic is None:
        raise not_found(f"SubscriptionTopic/{topic_id} is not known")
    await audit(request, who, "read", "SubscriptionTopic", topic_id)
    return FhirResponse(subscription_topic(topic))
