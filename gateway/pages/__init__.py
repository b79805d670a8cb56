"""The team's pages under /app: server-rendered HTML over the same functions, scopes and audit
trail as the API. `router` is included by `gateway.app.create_app`."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import APIRouter
from starlette.responses import Response

from gateway.pages import assessment_routes, inbox_routes, links_routes, login, people_routes, status_routes
from gateway.pages.handling import page

STATIC = Path(__file__).with_name("static")

router = APIRouter(prefix="/app", include_in_schema=False)


@lru_cache(maxsize=4)
def _static(name: str) -> bytes:
    return (STATIC / name).read_bytes()


async def stylesheet() -> Response:
    return Response(_static("pages.css"), media_type="text/css", headers={"Cache-Control": "max-age=3600"})


_ROUTES: list[tuple[str, Callable[..., Any], list[str]]] = [
    ("/static/pages.css", stylesheet, ["GET"]),
    ("/login", login.login_form, ["GET"]),
    ("/login", login.login, ["POST"]),
    ("/logout", login.logout, ["POST"]),
    ("", page(people_routes.home), ["GET"]),
    ("/caseload", page(people_routes.caseload_page, "search-type"), ["GET"]),
    ("/meeting", page(people_routes.meeting_page, "search-type"), ["GET"]),
    ("/people", page(people_routes.search_page, "search-type"), ["GET"]),
    ("/people/{patient_id}", page(people_routes.person_page), ["GET"]),
    ("/people/{patient_id}/assessment", page(assessment_routes.assessment_form), ["GET"]),
    ("/people/{patient_id}/assessment", page(assessment_routes.submit, "operation"), ["POST"]),
    ("/people/{patient_id}/suggestions", page(assessment_routes.suggestion, "operation"), ["POST"]),
    ("/links", page(links_routes.candidates_page, "search-type"), ["GET"]),
    ("/links/{candidate_id}", page(links_routes.candidate_page), ["GET"]),
    ("/links/{candidate_id}/{decision}", page(links_routes.decide_page, "update"), ["POST"]),
    ("/inbox", page(inbox_routes.inbox_page, "search-type"), ["GET"]),
    ("/inbox/{item_id}", page(inbox_routes.inbox_item_page), ["GET"]),
    ("/inbox/{item_id}/acknowledge", page(inbox_routes.acknowledge_page, "update"), ["POST"]),
    ("/status", page(status_routes.status_page), ["GET"]),
]
for _path, _endpoint, _methods in _ROUTES:
    router.add_api_route(_path, _endpoint, methods=_methods)

__all__ = ["router"]
