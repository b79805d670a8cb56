"""The one paging cursor codec: a position round-trips, and a cursor that is garbled, the wrong
shape or bound to another query is refused with the reason the caller reports."""

from __future__ import annotations

import pytest

from gateway.cursor import ForeignCursor, MalformedCursor, decode_cursor, encode_cursor


@pytest.mark.parametrize("position", [[42], ["Patient", "a-b"], [None, 1.5, "x", 3], []])
def test_a_position_round_trips(position: list[object]) -> None:
    cursor = encode_cursor(position, "q1")
    assert "=" not in cursor and "/" not in cursor and "+" not in cursor  # safe in a URL as it is
    assert decode_cursor(cursor, "q1") == position


def test_a_cursor_bound_to_another_query_is_foreign() -> None:
    with pytest.raises(ForeignCursor):
        decode_cursor(encode_cursor([1, 2], "-date"), "date")


@pytest.mark.parametrize("cursor", ["not-a-cursor!", "%%%", "eyJub3QiOiJhIGN1cnNvciJ9", encode_cursor([1], "q")[:-3],
                                    "MTIz"])
def test_garbled_cursors_are_malformed(cursor: str) -> None:
    with pytest.raises(MalformedCursor):
        decode_cursor(cursor, "q")


def test_a_position_of_the_wrong_width_is_malformed() -> None:
    with pytest.raises(MalformedCursor):
        decode_cursor(encode_cursor([1, 2, 3], "q"), "q", width=2)
    assert decode_cursor(encode_cursor([1, 2], "q"), "q", width=2) == [1, 2]
