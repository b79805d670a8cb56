"""The ceiling: a bare Starlette app answering the benchmark's requests from the same SQLite file.

No auth, no audit, no FastAPI dependency machinery, no thread pool: one sqlite3 connection queried on
the event loop, stored JSON text returned as is. It does the least work that can still give the same
answers, so `gateway / bare` says how much of the budget the gateway's own layers spend. Searches use
the gateway's own index tables and splice stored text into a searchset Bundle, as the gateway does.
"""

from __future__ import annotations

import sqlite3

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

FHIR_JSON = "application/fhir+json"

_READ = "SELECT content FROM resources WHERE res_type = ? AND res_id = ? AND NOT deleted"
_BY_TOKEN = (
    "SELECT r.res_id, r.content FROM search_token t "
    "JOIN resources r ON r.res_type = t.res_type AND r.res_id = t.res_id "
    "WHERE t.res_type = ? AND t.param = ? AND t.code = ? AND t.system = ? AND NOT r.deleted ORDER BY r.res_id LIMIT 21"
)
_BY_REFERENCE = (
    "SELECT r.res_id, r.content FROM search_reference s JOIN resources r "
    "ON r.res_type = s.res_type AND r.res_id = s.res_id "
    "WHERE s.res_type = ? AND s.param = ? AND s.target_id = ? AND s.target_type = ? AND NOT r.deleted "
    "ORDER BY r.res_id LIMIT 21"
)


def _bundle(base: str, res_type: str, rows: list[tuple[str, str]]) -> bytes:
    entries = ",".join(
        f'{{"fullUrl":"{base}/{res_type}/{res_id}","resource":{content},"search":{{"mode":"match"}}}}'
        for res_id, content in rows[:20]
    )
    return f'{{"resourceType":"Bundle","type":"searchset","total":{len(rows)},"entry":[{entries}]}}'.encode()


def create_bare_app(sqlite_path: str, base_url: str = "http://127.0.0.1/fhir") -> Starlette:
    """The ceiling app over the SQLite database at `sqlite_path` (read only)."""
    conn = sqlite3.connect(f"file:{sqlite_path}?mode=ro", uri=True, check_same_thread=False)
    conn.execute("PRAGMA cache_size=-65536")

    async def healthz(_request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def read(request: Request) -> Response:
        res_type, res_id = request.path_params["res_type"], request.path_params["res_id"]
        row = conn.execute(_READ, (res_type, res_id)).fetchone()
        if row is None:
            return Response(b'{"resourceType":"OperationOutcome"}', status_code=404, media_type=FHIR_JSON)
        return Response(row[0], media_type=FHIR_JSON)

    async def search(request: Request) -> Response:
        res_type = request.path_params["res_type"]
        params = request.query_params
        if "identifier" in params:
            system, _, value = params["identifier"].rpartition("|")
            rows = conn.execute(_BY_TOKEN, (res_type, "identifier", value, system)).fetchall()
        elif "patient" in params:
            target = params["patient"].removeprefix("Patient/")
            rows = conn.execute(_BY_REFERENCE, (res_type, "patient", target, "Patient")).fetchall()
        else:
            return Response(b'{"resourceType":"OperationOutcome"}', status_code=400, media_type=FHIR_JSON)
        return Response(_bundle(base_url, res_type, rows), media_type=FHIR_JSON)

    return Starlette(routes=[
        Route("/healthz", healthz),
        Route("/fhir/{res_type}", search),
        Route("/fhir/{res_type}/{res_id}", read),
    ])
