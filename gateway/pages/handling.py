"""What every page shares with the API: the same token verifier (the token travels in an HttpOnly
cookie instead of a header), the same scope checks and the same audit trail; plus rendering.

A page handler is `async (request, who) -> Response`; `page()` signs the caller in (or sends them
to the login page), and turns a FhirError into an HTML page with the same status, audited as the
API audits failures."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import Request
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.responses import HTMLResponse, RedirectResponse, Response

from adapters.display import nhs_number, postcode
from gateway.auth.principal import authenticate
from gateway.monitoring import sessions
from gateway.outcomes import FhirError, forbidden
from gateway.pages.text import show_day
from gateway.request_context import Caller
from gateway.resource_types import SUPPORTED_TYPES
from gateway.security import EXPLICIT_ONLY_TYPES, audit, request_ids
from gateway.staff import practitioner_name, practitioners_for

COOKIE = "gateway_session"
TEMPLATES = Path(__file__).with_name("templates")
Handler = Callable[[Request, Caller], Awaitable[Response]]

env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                  trim_blocks=True, lstrip_blocks=True)
env.filters["day"] = show_day
env.filters["markup"] = Markup
env.filters["nhs"] = nhs_number
env.filters["postcode"] = postcode


class SignInRequired(Exception):
    """No usable session: the page sends the browser to the login form."""


def token_of(request: Request) -> str | None:
    """The session cookie's token, else a bearer token (scripts may call pages like the API)."""
    cookie = request.cookies.get(COOKIE)
    if cookie:
        return cookie
    header = request.headers.get("authorization") or ""
    return header.partition(" ")[2].strip() or None if header.lower().startswith("bearer ") else None


def signed_in(request: Request) -> Caller:
    """The caller, verified exactly as the API verifies a bearer token; SignInRequired otherwise."""
    token = token_of(request)
    if not token:
        raise SignInRequired()
    try:
        principal = authenticate(f"Bearer {token}", request.app.state.verifier)
    except FhirError as exc:
        raise SignInRequired() from exc
    own, theirs = request_ids(request)
    who = Caller(principal, own, request.client.host if request.client else None, client_request_id=theirs)
    sessions.seen(principal.user)
    request.state.caller = who
    return who


def can(who: Caller, permission: str, *types: str) -> bool:
    """Whether the caller's scopes grant `permission` (c r u d s) on every one of `types`."""
    scopes = who.principal.scopes
    return all(scopes.allows(permission, t) and (t not in EXPLICIT_ONLY_TYPES or who.principal.role == "admin")
               for t in types)


def readable_types(who: Caller) -> set[str]:
    return {t for t in SUPPORTED_TYPES if can(who, "r", t)}


def need(who: Caller, permission: str, *types: str) -> None:
    """403 naming what is missing, like the API's scope check."""
    missing = [t for t in types if not can(who, permission, t)]
    if missing:
        verbs = {"r": "read", "s": "search", "c": "create", "u": "update", "d": "delete"}
        raise forbidden(f"{who.principal.user} may not {verbs[permission]} {', '.join(missing)}: "
                        f"your sign-in does not include it (e.g. user/{missing[0]}.{permission})")


_NAMES_KEPT = 1000


def staff_name(request: Request, user: str) -> str | None:
    """The signed-in worker's name from her staff record (see `gateway.staff`), looked up once per
    user per process; None when no staff record has her user id."""
    names: dict[str, str | None] = request.app.state.__dict__.setdefault("staff_names", {})
    if user not in names:
        if len(names) >= _NAMES_KEPT:
            names.clear()
        with request.app.state.repo.reading() as conn:
            found = practitioners_for(conn, user)
        names[user] = practitioner_name(found[0]) or None if found else None
    return names[user]


def render(request: Request, who: Caller | None, template: str, http_status: int = 200, **context: Any) -> HTMLResponse:
    if who is not None:
        known = staff_name(request, who.principal.user)
        context.setdefault("who_name", known or who.principal.user)
        context.setdefault("staff_known", known is not None)
    html = env.get_template(template).render(request=request, who=who, can=(lambda p, *t: who is not None and
                                                                             can(who, p, *t)), **context)
    return HTMLResponse(html, status_code=http_status, headers={"Cache-Control": "no-store"})


def today(request: Request) -> date:
    """The pages' today: `GATEWAY_PAGES_AS_OF` when set (the demo's sample date), else the real date."""
    as_of: date | None = request.app.state.settings.pages_as_of
    return as_of or date.today()


def cross_site(request: Request) -> str | None:
    """Why a state-changing form post is refused as cross-site, or None when it came from the gateway's
    own pages. The Origin header decides (the Referer when a browser sent no Origin); a post with
    neither, or with `Origin: null`, is refused: the SameSite=Strict cookie is one defence, this is the
    second, and it covers sign-in and sign-out, which carry no cookie to protect them."""
    origin = request.headers.get("origin")
    source = origin if origin is not None else request.headers.get("referer")
    if not source or source == "null":
        return "This form post carries neither an Origin nor a Referer header: it cannot be shown to come from here"
    netloc = urlsplit(source).netloc
    own = {request.url.netloc, urlsplit(request.app.state.settings.base_url).netloc}
    return None if netloc in own else f"This form was posted from another site ({netloc or source[:60]})"


def page(handler: Handler, audit_as: str = "read") -> Callable[[Request], Awaitable[Response]]:
    """Wrap a page handler with sign-in, the cross-site check and error pages."""
    async def endpoint(request: Request) -> Response:
        try:
            who = signed_in(request)
        except SignInRequired:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/app/login?next={quote(target)}", status_code=303)
        try:
            refused = cross_site(request) if request.method == "POST" else None
            if refused:
                raise forbidden(refused)
            return await handler(request, who)
        except FhirError as exc:
            await audit(request, who, who.interaction or audit_as, None, status=exc.status,
                        query=f"page {request.method} {request.url.path}")
            return render(request, who, "error.html", exc.status, status_code=exc.status, message=str(exc))

    endpoint.__name__ = handler.__name__
    return endpoint
