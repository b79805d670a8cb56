"""Paging cursors: the position of the last row served, bound to the query that served it.

One codec for every paged answer (search, `$everything`, history, AuditEvent search): the
cursor is unpadded base64url of `{"q": binding, "k": position}`. The position is whatever the
next page needs to continue strictly after the last row (sort values, a sequence number); the
binding is whatever makes a cursor from another query useless here (a hash of the query, the
sort direction), so a cursor pasted into a different request is refused instead of silently
paging something else. Callers turn the two failures into their own 400 OperationOutcomes.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any


class InvalidCursor(ValueError):
    """The cursor cannot be used for this request."""


class MalformedCursor(InvalidCursor):
    """Not a cursor this gateway wrote (garbled, truncated or made up)."""


class ForeignCursor(InvalidCursor):
    """A cursor this gateway wrote, but for another query."""


def encode_cursor(position: list[Any], binding: str = "") -> str:
    """The opaque cursor for continuing after `position` in the query identified by `binding`."""
    payload = json.dumps({"q": binding, "k": position}, separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, binding: str = "", width: int | None = None) -> list[Any]:
    """The position `encode_cursor` was given; raises MalformedCursor when `cursor` is not one
    (or its position does not hold `width` values) and ForeignCursor when it was bound to another query."""
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise MalformedCursor(cursor) from None
    if not isinstance(data, dict) or not isinstance(data.get("k"), list) or not isinstance(data.get("q"), str):
        raise MalformedCursor(cursor)
    position: list[Any] = data["k"]
    if width is not None and len(position) != width:
        raise MalformedCursor(cursor)
    if data["q"] != binding:
        raise ForeignCursor(cursor)
    return position
