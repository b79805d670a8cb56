"""One id per request, made by the gateway and set before anything else runs, so the audit row, the
log lines and the response header of a request all carry the same id. A client's own X-Request-ID is
kept beside it (logged and audited as the client's) only when it is a short plain token: a client
cannot choose the id the audit trail is searched by, nor put markup or newlines into the logs."""

from __future__ import annotations

import itertools
import uuid
from contextvars import ContextVar

# A per-process prefix and a counter (a uuid4 per request showed up in the read profile).
_PROCESS = uuid.uuid4().hex[:8]
_COUNTER = itertools.count(1)

current_request_id: ContextVar[str | None] = ContextVar("current_request_id", default=None)
current_client_request_id: ContextVar[str | None] = ContextVar("current_client_request_id", default=None)


def new_request_id() -> str:
    return f"{_PROCESS}-{next(_COUNTER)}"


def client_request_id(header: bytes | None) -> str | None:
    """The caller's X-Request-ID when it is a short plain token, to keep beside the gateway's own; else None."""
    if header and len(header) <= 64 and all(48 <= b <= 57 or 65 <= b <= 90 or 97 <= b <= 122 or b in b"-_.:"
                                            for b in header):
        return header.decode("ascii")
    return None
