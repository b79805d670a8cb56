"""Batch and transaction Bundles. See https://hl7.org/fhir/R4/http.html#transaction

A transaction is all or nothing: every entry runs on one database transaction, in the order the
specification gives (DELETE, POST, PUT/PATCH, GET), after the `urn:uuid:` fullUrls of new
resources are given ids and every reference to them is rewritten. A batch runs each entry on its
own and reports each entry's outcome.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from uuid import uuid4

import orjson

from gateway.interactions.patch import apply_patch
from gateway.interactions.search import search_bundle
from gateway.limits.numbers import MAX_VERSION
from gateway.outcomes import FhirError, bad_request, outcome, too_large
from gateway.repository.base import SYSTEM, FhirJson, StoredResource, WriteContext, WriteResult
from gateway.repository.conditional import match_ids
from gateway.repository.sql import SqlRepository, conditional_update_in, create_in
from gateway.repository.unit import UnitOfWork
from gateway.resource_types import require_type
from gateway.settings import get_settings
from gateway.validation import check_id, validate_resource

_CONDITIONAL_REFERENCE = re.compile(r"^(?P<type>[A-Z][A-Za-z]+)\?(?P<query>.+)$")
_ORDER = {"DELETE": 0, "POST": 1, "PUT": 2, "PATCH": 2, "GET": 3, "HEAD": 3}
_STATUS_TEXT = {200: "200 OK", 201: "201 Created", 204: "204 No Content", 410: "410 Gone"}

Authorizer = Callable[[str, str], None]  # (interaction, resource type); raises 403


@dataclass(slots=True)
class Entry:
    index: int
    method: str
    url: str
    res_type: str
    res_id: str | None
    query: str
    full_url: str | None
    resource: FhirJson | None
    if_none_exist: str | None
    if_match: int | None
    conditional: frozenset[tuple[str, str]]  # `Type?search` references in the resource, as (type, query)


def _parse_entry(index: int, raw: Any) -> Entry:
    where = f"Bundle.entry[{index}]"
    if not isinstance(raw, dict) or not isinstance(raw.get("request"), dict):
        raise bad_request(f"{where} has no request", [f"{where}.request"])
    req = raw["request"]
    method = str(req.get("method", "")).upper()
    url = str(req.get("url", ""))
    if method not in _ORDER or not url:
        raise bad_request(f"{where}.request needs a method (GET, POST, PUT, PATCH, DELETE) and a url",
                          [f"{where}.request"])
    split = urlsplit(url)
    parts = [p for p in split.path.split("/") if p]
    if not parts:
        raise bad_request(f"{where}.request.url {url!r} names no resource type", [f"{where}.request.url"])
    res_type = require_type(parts[0])
    res_id = parts[1] if len(parts) > 1 else None
    if res_id is not None:
        check_id(res_id)  # before it reaches storage: `Basic/..`, `Basic/a%2Fb` or 200 characters are refused
    for name in ("ifNoneExist", "ifMatch"):
        if req.get(name) is not None and not isinstance(req[name], str):
            raise bad_request(f"{where}.request.{name} must be a string", [f"{where}.request.{name}"])
    if raw.get("resource") is not None and not isinstance(raw["resource"], dict):
        raise bad_request(f"{where}.resource must be a resource (a JSON object)", [f"{where}.resource"])
    if_match = None
    if req.get("ifMatch"):
        digits = "".join(ch for ch in req["ifMatch"] if ch in "0123456789")[:18]
        if_match = int(digits) if digits else None
        if if_match is not None and if_match > MAX_VERSION:
            raise FhirError(outcome("error", "conflict", f"{where}.request.ifMatch names a version that no "
                                    "resource has"), 412)
    return Entry(index, method, url, res_type, res_id, split.query, raw.get("fullUrl"), raw.get("resource"),
                 req.get("ifNoneExist"), if_match, frozenset(_conditional_references(raw.get("resource"))))


def _interaction(entry: Entry) -> str:
    if entry.method == "GET":
        return "read" if entry.res_id else "search-type"
    return {"POST": "create", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}.get(entry.method, "read")


def _rewrite(value: Any, ids: dict[str, str]) -> Any:
    """Replace references to placeholder fullUrls with the assigned `Type/id`."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key == "reference" and isinstance(item, str) and item in ids:
                out[key] = ids[item]
            else:
                out[key] = _rewrite(item, ids)
        return out
    if isinstance(value, list):
        return [_rewrite(item, ids) for item in value]
    return value


def _response(result: WriteResult, base_url: str) -> dict[str, Any]:
    stored = result.stored
    if result.outcome in ("deleted", "gone"):
        return {"response": {"status": "204 No Content"}}
    return {
        "fullUrl": f"{base_url}/{stored.res_type}/{stored.res_id}",
        "resource": orjson.loads(stored.content) if stored.content else None,
        "response": {
            "status": _STATUS_TEXT.get(result.status, str(result.status)),
            "location": f"{stored.res_type}/{stored.res_id}/_history/{stored.version}",
            "etag": stored.etag,
        },
    }


def _gone(entry: Entry) -> WriteResult:
    return WriteResult(StoredResource(entry.res_type, entry.res_id or "", 0, 0, True, None), "gone")


def _run_write(writer: UnitOfWork, entry: Entry) -> WriteResult:
    where = f"Bundle.entry[{entry.index}]"
    if entry.method == "DELETE":
        if entry.res_id is None:
            ids = match_ids(writer.conn, entry.res_type, entry.query, lock=True)
            if len(ids) > 1:
                raise FhirError(outcome("error", "multiple-matches", f"{where}: delete matches {len(ids)}"), 412)
            if not ids:
                return _gone(entry)
            entry.res_id = ids[0]
        return writer.remove(entry.res_type, entry.res_id, entry.if_match)
    if entry.method == "PATCH":
        if entry.res_id is None:
            raise bad_request(f"{where}: PATCH needs Type/id", [f"{where}.request.url"])
        current = writer.read_current(entry.res_type, entry.res_id)
        patched = apply_patch(current.content or "{}", entry.resource)
        validate_resource(patched, entry.res_type)
        return writer.put(patched, entry.res_id, "PATCH", entry.if_match)
    if entry.resource is None:
        raise bad_request(f"{where} has no resource", [f"{where}.resource"])
    validate_resource(entry.resource, entry.res_type)
    if entry.method == "POST":
        if entry.res_id is not None:  # id assigned (or matched) before references were rewritten
            if entry.if_none_exist and writer.current((entry.res_type, entry.res_id)) is not None:
                return WriteResult(writer.read_current(entry.res_type, entry.res_id), "existing")
            return writer.put({**entry.resource, "id": entry.res_id}, entry.res_id, "POST")
        return create_in(writer, entry.resource, entry.if_none_exist)
    if entry.res_id is None:
        return conditional_update_in(writer, entry.res_type, entry.query, entry.resource, entry.if_match)
    return writer.put({**entry.resource, "id": entry.res_id}, entry.res_id, "PUT", entry.if_match)


def _read_entry(repo: SqlRepository, entry: Entry, base_url: str, readable: Callable[[str], bool]) -> dict[str, Any]:
    if entry.res_id:
        stored = repo.read(entry.res_type, entry.res_id)
        return {"fullUrl": f"{base_url}/{stored.res_type}/{stored.res_id}",
                "resource": orjson.loads(stored.content or "{}"),
                "response": {"status": "200 OK", "etag": stored.etag}}
    bundle = search_bundle(repo, entry.res_type, parse_qsl(entry.query, keep_blank_values=True), base_url, False,
                           readable=readable)
    return {"resource": orjson.loads(bundle), "response": {"status": "200 OK"}}


def _in_entry(exc: FhirError, index: int) -> FhirError:
    """The error with every issue located inside `Bundle.entry[index]` (resource paths prefixed)."""
    prefix = f"Bundle.entry[{index}]"
    for issue in exc.outcome.get("issue", []):
        paths = issue.get("expression") or []
        issue["expression"] = [f"{prefix}.resource.{p.split('.', 1)[1]}" if "." in p else prefix
                               for p in paths] or [prefix]
        issue["diagnostics"] = f"{prefix}: {issue.get('diagnostics', '')}"
    return FhirError(exc.outcome, exc.status, exc.headers)


def _error_entry(exc: FhirError) -> dict[str, Any]:
    return {"response": {"status": str(exc.status), "outcome": exc.outcome}}


def _entries(bundle: Any) -> tuple[str, list[Any]]:
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise bad_request("POST to the base URL takes a Bundle", ["Bundle"])
    kind = bundle.get("type")
    if kind not in ("batch", "transaction"):
        raise bad_request(f"Bundle.type must be batch or transaction, not {kind!r}", ["Bundle.type"])
    raw = bundle.get("entry") or []
    if not isinstance(raw, list):
        raise bad_request("Bundle.entry must be a list", ["Bundle.entry"])
    most = get_settings().max_bundle_entries
    if len(raw) > most:
        raise too_large(f"The Bundle has {len(raw)} entries; at most {most} are accepted in one {kind} "
                        "(GATEWAY_MAX_BUNDLE_ENTRIES): split it")
    return kind, raw


def _unique_full_urls(raw: list[Any]) -> None:
    """Bundle invariant bdl-7: a fullUrl appears once (versions aside, which these Bundles never carry)."""
    seen: dict[str, int] = {}
    for i, item in enumerate(raw):
        full_url = item.get("fullUrl") if isinstance(item, dict) else None
        if full_url is not None and not isinstance(full_url, str):
            raise bad_request(f"Bundle.entry[{i}].fullUrl must be a string (a URI)", [f"Bundle.entry[{i}].fullUrl"])
        if not full_url:
            continue
        if full_url in seen:
            raise bad_request(f"Bundle.entry[{i}].fullUrl {full_url!r} repeats Bundle.entry[{seen[full_url]}] "
                              "(a fullUrl must be unique in a Bundle: bdl-7)", [f"Bundle.entry[{i}].fullUrl"])
        seen[full_url] = i


def process_bundle(
    repo: SqlRepository, bundle: Any, base_url: str, authorize: Authorizer, readable: Callable[[str], bool],
    context: WriteContext = SYSTEM,
) -> FhirJson:
    """Run a batch or transaction Bundle and return its response Bundle. `readable` filters what
    searches inside it include (see `search_bundle`); `context` says who writes (each batch entry
    is its own unit of work, a transaction one unit for all)."""
    kind, raw = _entries(bundle)
    _unique_full_urls(raw)
    context = replace(context, door=kind, deltas=[])
    if kind == "transaction":
        entries = []
        for i, item in enumerate(raw):
            try:
                entries.append(_parse_entry(i, item))
            except FhirError as exc:
                raise _in_entry(exc, i) from None
        for entry in entries:
            authorize(_interaction(entry), entry.res_type)
            for target_type, _query in entry.conditional:
                authorize("search-type", target_type)  # resolving it is a search of that type
        return _transaction(repo, entries, base_url, readable, context)
    out: list[dict[str, Any]] = []
    for i, item in enumerate(raw):
        try:
            entry = _parse_entry(i, item)
            authorize(_interaction(entry), entry.res_type)
            if entry.method in ("GET", "HEAD"):
                out.append(_read_entry(repo, entry, base_url, readable))
            else:
                result = repo.in_transaction(lambda w, e=entry: _run_write(w, e),  # type: ignore[misc]
                                             replace(context))
                out.append(_response(result, base_url))
        except FhirError as exc:
            out.append(_error_entry(exc))
    return {"resourceType": "Bundle", "id": str(uuid4()), "type": "batch-response", "entry": out}


def _assign_ids(writer: UnitOfWork, entries: list[Entry]) -> dict[str, str]:
    """Give every new resource its id up front (or the id its If-None-Exist matches), so references
    between entries can be rewritten before anything is written."""
    ids: dict[str, str] = {}
    for entry in entries:
        if entry.method == "POST":
            found: list[str] = []
            if entry.if_none_exist:
                found = match_ids(writer.conn, entry.res_type, entry.if_none_exist, lock=True)
                if len(found) > 1:
                    raise FhirError(outcome("error", "multiple-matches",
                                            f"Bundle.entry[{entry.index}]: If-None-Exist matches {len(found)}"), 412)
            entry.res_id = found[0] if found else str(uuid4())
        if entry.full_url and entry.res_id and entry.method in ("POST", "PUT"):
            ids[entry.full_url] = f"{entry.res_type}/{entry.res_id}"
    return ids


def _conditional_references(value: Any) -> set[tuple[str, str]]:
    """Every `Type?search` reference in a resource, as (type, query)."""
    found: set[tuple[str, str]] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "reference" and isinstance(item, str):
                matched = _CONDITIONAL_REFERENCE.match(item)
                if matched:
                    found.add((matched["type"], matched["query"]))
            else:
                found |= _conditional_references(item)
    elif isinstance(value, list):
        for item in value:
            found |= _conditional_references(item)
    return found


def _resolve_conditional_references(writer: UnitOfWork, entries: list[Entry]) -> dict[str, str]:
    """Each distinct `Type?search` reference mapped to `Type/id` of its one match, searched once
    against what is stored before the transaction runs; none or several fail the transaction.
    See https://hl7.org/fhir/R4/http.html#trules"""
    resolved: dict[str, str] = {}
    for entry in entries:
        for target_type, query in sorted(entry.conditional):
            reference = f"{target_type}?{query}"
            if reference in resolved:
                continue
            found = match_ids(writer.conn, require_type(target_type), query, lock=False)
            if len(found) != 1:
                what = "no resource" if not found else f"{len(found)} resources"
                raise FhirError(outcome("error", "not-found" if not found else "multiple-matches",
                                        f"Bundle.entry[{entry.index}]: the conditional reference {reference!r} "
                                        f"matches {what}; it must match exactly one",
                                        [f"Bundle.entry[{entry.index}].resource"]), 412)
            resolved[reference] = f"{target_type}/{found[0]}"
    return resolved


def _transaction(repo: SqlRepository, entries: list[Entry], base_url: str, readable: Callable[[str], bool],
                 context: WriteContext) -> FhirJson:
    results: dict[int, dict[str, Any]] = {}
    with repo.writing(context) as writer:
        ids = {**_resolve_conditional_references(writer, entries), **_assign_ids(writer, entries)}
        for entry in entries:
            if entry.resource is not None and ids:
                entry.resource = _rewrite(entry.resource, ids)
        for entry in sorted(entries, key=lambda e: (_ORDER[e.method], e.index)):
            if entry.method in ("GET", "HEAD"):
                continue
            try:
                results[entry.index] = _response(_run_write(writer, entry), base_url)
            except FhirError as exc:
                raise _in_entry(exc, entry.index) from None
    for entry in entries:
        if entry.method in ("GET", "HEAD"):
            results[entry.index] = _read_entry(repo, entry, base_url, readable)
    return {
        "resourceType": "Bundle", "id": str(uuid4()), "type": "transaction-response",
        "entry": [results[e.index] for e in entries],
    }
