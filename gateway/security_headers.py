"""Headers on every answer: framing and content policies, caching, HSTS. (Request ids and the
X-Request-ID header belong to the metrics middleware, gateway/monitoring/request_ids.py.)

- `X-Frame-Options: DENY` and CSP `frame-ancestors 'none'` everywhere (no clickjacking); the pages
  get a CSP that allows only the gateway's own scripts, styles and images.
- `Cache-Control: no-store` on FHIR and API answers, and on pages until offline copies exist (the
  hazard log, docs/safety, asks it; DESIGN.md section 11's `private, no-cache` comes with them).
- `Strict-Transport-Security` when the request came over https or the public base URL is https.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
            "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
API_CSP = "default-src 'none'; frame-ancestors 'none'"
HSTS = "max-age=31536000; includeSubDomains"


class SecurityHeaders:
    """ASGI middleware: add the headers above to every answer."""

    def __init__(self, app: ASGIApp, https_base: bool = False) -> None:
        self.app = app
        self.https_base = https_base

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        page = path.startswith("/app")
        hsts = self.https_base or scope.get("scheme") == "https"

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["X-Frame-Options"] = "DENY"
                headers["X-Content-Type-Options"] = "nosniff"
                if page:
                    headers["Content-Security-Policy"] = PAGE_CSP
                    headers.setdefault("Cache-Control", "no-store")
                elif path.startswith(("/fhir", "/api")):
                    headers["Content-Security-Policy"] = API_CSP
                    headers["Cache-Control"] = "no-store"
                else:  # /docs and the probes: Swagger UI needs its own scripts, but no framing either
                    headers.setdefault("Content-Security-Policy", "frame-ancestors 'none'")
                if hsts:
                    headers["Strict-Transport-Security"] = HSTS
            await send(message)

        await self.app(scope, receive, sending)
