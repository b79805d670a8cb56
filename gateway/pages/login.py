"""Signing in to the pages. For development the form mints a token locally for a chosen role (the
same token `gateway token` prints); with an external identity provider configured
(`GATEWAY_JWKS_URL`) the user pastes the token the provider issued. Either way the token is
verified like any API token and kept in an HttpOnly, SameSite=Strict cookie."""

from __future__ import annotations

import time
from urllib.parse import unquote

from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from gateway.auth.principal import authenticate
from gateway.auth.roles import default_roles
from gateway.auth.tokens import mint_token
from gateway.outcomes import FhirError
from gateway.pages.handling import COOKIE, cross_site, render
from gateway.pages.staff import StaffMember, staff_list
from gateway.request_context import Caller
from gateway.security import audit, request_ids

PAGE_ROLES = ("nurse", "social-worker", "admin")


def _next(raw: str | None) -> str:
    """Where to go after signing in: only a page of this app (never another site)."""
    target = unquote(raw or "")
    return target if target.startswith("/app") and not target.startswith("//") else "/app/caseload"


def _local_minting(request: Request) -> bool:
    return not request.app.state.settings.jwks_url


def _staff(request: Request) -> list[StaffMember]:
    """The staff picker of the development sign-in (none when tokens come from an identity provider)."""
    if not _local_minting(request):
        return []
    with request.app.state.repo.reading() as conn:
        return staff_list(conn)


async def login_form(request: Request) -> Response:
    staff = await run_in_threadpool(_staff, request)
    return render(request, None, "login.html", roles=[default_roles().get(r) for r in PAGE_ROLES],
                  local=_local_minting(request), next=_next(request.query_params.get("next")), error=None,
                  staff=staff)


async def login(request: Request) -> Response:
    refused = cross_site(request)
    if refused:
        return render(request, None, "login.html", 403, roles=[default_roles().get(r) for r in PAGE_ROLES],
                      local=_local_minting(request), next="/app/caseload", error=refused,
                      staff=await run_in_threadpool(_staff, request))
    form = await request.form()
    settings = request.app.state.settings
    target = _next(str(form.get("next") or ""))
    token = str(form.get("token") or "").strip()
    user = str(form.get("staff") or "").strip() or str(form.get("user") or "").strip()
    role = str(form.get("role") or "")
    error = None
    if not token and _local_minting(request):
        if not user or role not in PAGE_ROLES:
            error = "Choose a member of staff or enter your user id, and choose a role."
        else:
            teams = [t for t in str(form.get("team") or "").split() if t]
            token = mint_token(settings, user, role, teams)
    try:
        principal = authenticate(f"Bearer {token}", request.app.state.verifier) if token and not error else None
    except FhirError as exc:
        principal, error = None, f"That token was not accepted: {exc}"
    if principal is None:
        return render(request, None, "login.html", 400 if error else 401, roles=[default_roles().get(r) for r in
                      PAGE_ROLES], local=_local_minting(request), next=target, error=error or "Sign in first.",
                      staff=await run_in_threadpool(_staff, request))
    own, theirs = request_ids(request)
    who = Caller(principal, own, request.client.host if request.client else None, client_request_id=theirs)
    await audit(request, who, "login", None, query="page sign-in")
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(COOKIE, token, max_age=max(60, principal.expires - int(time.time())), httponly=True,
                        samesite="strict", secure=request.url.scheme == "https", path="/")
    return response


async def logout(request: Request) -> Response:
    refused = cross_site(request)
    if refused:
        return render(request, None, "error.html", 403, status_code=403, message=refused)
    response = RedirectResponse("/app/login", status_code=303)
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
    return response

