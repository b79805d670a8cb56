"""Write hook that keeps the search index in step with every write, in the same transaction,
so a write is visible to the very next search."""

from __future__ import annotations

from sqlalchemy import Connection

from gateway.repository.base import WriteEvent
from gateway.search.indexer import delete_index, index_rows, write_index


def index_write_hook(conn: Connection, event: WriteEvent) -> None:
    if event.after is None:
        delete_index(conn, event.res_type, event.res_id)
        return
    write_index(conn, event.res_type, event.res_id, index_rows(event.after))
