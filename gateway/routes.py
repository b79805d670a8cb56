"""The FHIR REST interactions table: each handler authorises, makes one repository call, audits.

See https://hl7.org/fhir/R4/http.html. Order matters: literal paths (`metadata`, `_history`,
`_search`, `$op`) are registered before the `{id}` patterns they would otherwise match.
"""

from __future__ import annotations

from functools import partial
from typing import Any
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.convertors import Convertor, register_url_convertor
from starlette.responses import Response
from starlette.routing import Route

from gateway.capability import capability_statement
from gateway.interactions.audit_events import audit_history_refused, read_audit_event, search_audit_events
from gateway.interactions.bundles import process_bundle
from gateway.interactions.history import history_bundle, parse_since
from gateway.interactions.patch import apply_patch
from gateway.interactions.search import search_bundle
from gateway.limits.json_input import parse_json
from gateway.limits.numbers import MAX_VERSION, is_ascii_digits, optional_number
from gateway.operations.registry import run_operation
from gateway.outcomes import bad_request, not_allowed, not_found, precondition_failed
from gateway.repository.base import FhirJson, WriteResult
from gateway.repository.sql import SqlRepository
from gateway.request_context import Caller
from gateway.resource_types import READ_ONLY_TYPES, require_type
from gateway.responses import FhirResponse, prefer_return, resource_response, write_response
from gateway.security import audit, authorized, caller, may_read, write_context
from gateway.validation import validate_resource

router = APIRouter(prefix="/fhir")


class FhirTypeConvertor(Convertor[str]):
    """A resource type name: `_history`, `_search`, `$op` and `metadata` never match it."""

    regex = "[A-Z][A-Za-z]{1,63}"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


class FhirIdConvertor(FhirTypeConvertor):
    """A FHIR id (https://hl7.org/fhir/R4/datatypes.html#id): never `_history` or `$op`."""

    regex = "[A-Za-z0-9\\-.]{1,64}"


register_url_convertor("fhirtype", FhirTypeConvertor())
register_url_convertor("fhirid", FhirIdConvertor())


async def read(request: Request) -> Response:
    """GET /fhir/{type}/{id}, the hottest path: a plain Starlette endpoint matched before every other
    FHIR route, with the SQLite point read on the event loop (no thread hop)."""
    res_type, res_id = request.path_params["res_type"], request.path_params["res_id"]
    who = await caller(request)
    authorized(who, "read", require_type(res_type))
    repo = repo_of(request)
    if res_type == "AuditEvent":
        body = await run_in_threadpool(read_audit_event, repo, res_id)
        await audit(request, who, "read", res_type, res_id)
        return FhirResponse(body)
    stored = repo.read(res_type, res_id) if repo.reads_inline else await run_in_threadpool(repo.read, res_type, res_id)
    await audit(request, who, "read", res_type, res_id)
    return resource_response(stored)


read_route = Route("/fhir/{res_type:fhirtype}/{res_id:fhirid}", read, methods=["GET"])


def repo_of(request: Request) -> SqlRepository:
    return request.app.state.repo  # type: ignore[no-any-return]


def base_url(request: Request) -> str:
    return str(request.app.state.settings.base_url).rstrip("/") + "/fhir"


async def json_body(request: Request) -> Any:
    raw = await request.body()
    if not raw:
        raise bad_request("The request has no body")
    return parse_json(raw, request.app.state.settings.max_json_depth)


def _version(header: str | None) -> int | None:
    if not header:
        return None
    digits = header.strip().removeprefix("W/").strip('"')
    if not is_ascii_digits(digits) or len(digits) > 18:
        raise bad_request(f"If-Match {header!r} is not a version ETag like W/\"3\"")
    if int(digits) > MAX_VERSION:
        raise precondition_failed(f"If-Match {header!r} names a version that no resource has")
    return int(digits)


def _writable(res_type: str) -> str:
    require_type(res_type)
    if res_type in READ_ONLY_TYPES:
        raise not_allowed(f"{res_type} resources are written by the gateway itself")
    return res_type


def _count(request: Request, default: int) -> int:
    count = optional_number(request.query_params.get("_count"), "_count", default,
                            most=request.app.state.settings.max_page_size)
    return max(1, count)


def _strict(request: Request) -> bool:
    return "handling=strict" in (request.headers.get("prefer") or "").replace(" ", "")


@router.get("/metadata", include_in_schema=False)
async def metadata(request: Request) -> Response:
    return FhirResponse(capability_statement(request.app.state.settings))


@router.post("", include_in_schema=False)
async def batch_or_transaction(request: Request, who: Caller = Depends(caller)) -> Response:
    body = await json_body(request)
    result = await run_in_threadpool(
        process_bundle, repo_of(request), body, base_url(request), lambda i, t: authorized(who, i, t), may_read(who),
        write_context(who)
    )
    await audit(request, who, "transaction" if body.get("type") == "transaction" else "batch", None)
    return FhirResponse(result)


@router.get("/_history", include_in_schema=False)
async def system_history(request: Request, who: Caller = Depends(caller)) -> Response:
    authorized(who, "history-type", "*")
    params = dict(request.query_params)
    page = await run_in_threadpool(repo_of(request).history, None, None, parse_since(params.get("_since")),
                                   _count(request, 100), params.pop("_cursor", None))
    await audit(request, who, "history-system", None)
    return FhirResponse(history_bundle(page, base_url(request), "_history", params))


@router.api_route("/${operation}", methods=["GET", "POST"], include_in_schema=False)
async def system_operation(operation: str, request: Request, who: Caller = Depends(caller)) -> Response:
    return await run_operation(request, who, operation, None, None)


@router.get("/{res_type}/_history", include_in_schema=False)
async def type_history(res_type: str, request: Request, who: Caller = Depends(caller)) -> Response:
    authorized(who, "history-type", require_type(res_type))
    if res_type == "AuditEvent":
        raise audit_history_refused()
    params = dict(request.query_params)
    page = await run_in_threadpool(repo_of(request).history, res_type, None, parse_since(params.get("_since")),
                                   _count(request, 100), params.pop("_cursor", None))
    await audit(request, who, "history-type", res_type)
    return FhirResponse(history_bundle(page, base_url(request), f"{res_type}/_history", params))


@router.api_route("/{res_type}/${operation}", methods=["GET", "POST"], include_in_schema=False)
async def type_operation(res_type: str, operation: str, request: Request, who: Caller = Depends(caller)) -> Response:
    return await run_operation(request, who, operation, require_type(res_type), None)


@router.get("/{res_type}", include_in_schema=False)
async def search(res_type: str, request: Request, who: Caller = Depends(caller)) -> Response:
    authorized(who, "search-type", require_type(res_type))
    params = list(request.query_params.multi_items())
    if res_type == "AuditEvent":
        bundle = await run_in_threadpool(search_audit_events, repo_of(request), params, base_url(request),
                                         request.app.state.settings.default_page_size)
    else:
        bundle = await run_in_threadpool(partial(search_bundle, readable=may_read(who)), repo_of(request), res_type,
                                         params, base_url(request), _strict(request))
    await audit(request, who, "search-type", res_type, query=str(request.url.query))
    return FhirResponse(bundle)


@router.post("/{res_type}/_search", include_in_schema=False)
async def search_post(res_type: str, request: Request, who: Caller = Depends(caller)) -> Response:
    authorized(who, "search-type", require_type(res_type))
    form = await request.form()
    params = [*request.query_params.multi_items(), *((k, str(v)) for k, v in form.multi_items())]
    if res_type == "AuditEvent":
        bundle = await run_in_threadpool(search_audit_events, repo_of(request), params, base_url(request),
                                         request.app.state.settings.default_page_size)
    else:
        bundle = await run_in_threadpool(partial(search_bundle, readable=may_read(who)), repo_of(request),
                                         res_type, params, base_url(request), _strict(request))
    await audit(request, who, "search-type", res_type, query="&".join(f"{k}={v}" for k, v in params))
    return FhirResponse(bundle)


async def _posted(request: Request, who: Caller, interaction: str, res_type: str) -> FhirJson:
    """The request's resource, once the caller may `interaction` on `res_type` and it is a valid one."""
    authorized(who, interaction, _writable(res_type))
    resource: FhirJson = await json_body(request)
    validate_resource(resource, res_type)
    return resource


def _written(request: Request, result: WriteResult) -> Response:
    return write_response(result, base_url(request), prefer_return(request.headers.get("prefer")))


@router.post("/{res_type}", include_in_schema=False)
async def create(res_type: str, request: Request, who: Caller = Depends(caller)) -> Response:
    resource = await _posted(request, who, "create", res_type)
    return _written(request, await run_in_threadpool(repo_of(request).create, resource, _create_condition(request),
                                                     write_context(who)))


def _create_condition(request: Request) -> str | None:
    """The conditional-create search: the If-None-Exist header, or search parameters on the POST URL
    itself (`POST /Patient?identifier=...`, as fhirpy's get_or_create and Aidbox-style clients send
    it), never both unless they agree. See https://hl7.org/fhir/R4/http.html#ccreate"""
    header = request.headers.get("if-none-exist")
    pairs = [(k, v) for k, v in request.query_params.multi_items() if k not in _FORMAT_PARAMS]
    if header and pairs and sorted(parse_qsl(header.lstrip("?"), keep_blank_values=True)) != sorted(pairs):
        raise bad_request(f"If-None-Exist {header!r} and the URL's search {request.url.query!r} disagree: "
                          "send one condition")
    return header or (urlencode(pairs) if pairs else None)


_FORMAT_PARAMS = frozenset({"_format", "_pretty", "_summary", "_elements"})


@router.put("/{res_type}", include_in_schema=False)
async def conditional_update(res_type: str, request: Request, who: Caller = Depends(caller)) -> Response:
    resource = await _posted(request, who, "update", res_type)
    return _written(request, await run_in_threadpool(repo_of(request).conditional_update, res_type,
                                                     str(request.url.query), resource,
                                                     _version(request.headers.get("if-match")), write_context(who)))


@router.put("/{res_type}/{res_id}", include_in_schema=False)
async def update(res_type: str, res_id: str, request: Request, who: Caller = Depends(caller)) -> Response:
    resource = await _posted(request, who, "update", res_type)
    if resource.get("id") not in (None, res_id):
        raise bad_request(f"The body's id {resource.get('id')!r} does not match the URL's {res_id!r}", ["id"])
    return _written(request, await run_in_threadpool(repo_of(request).update, res_type, res_id,
                                                     {**resource, "id": res_id},
                                                     _version(request.headers.get("if-match")), write_context(who)))


@router.patch("/{res_type}/{res_id}", include_in_schema=False)
async def patch(res_type: str, res_id: str, request: Request, who: Caller = Depends(caller)) -> Response:
    authorized(who, "patch", _writable(res_type))
    operations = await json_body(request)
    if_match = _version(request.headers.get("if-match"))

    def work(writer: Any) -> Any:
        current = writer.read_current(res_type, res_id)
        patched = apply_patch(current.content or "{}", operations)
        validate_resource(patched, res_type)
        return writer.put(patched, res_id, "PATCH", if_match if if_match is not None else current.version)

    return _written(request, await run_in_threadpool(repo_of(request).in_transaction, work, write_context(who)))


@router.delete("/{res_type}/{res_id}", include_in_schema=False)
async def delete(res_type: str, res_id: str, request: Request, who: Caller = Depends(caller)) -> Response:
    authorized(who, "delete", _writable(res_type))
    result = await run_in_threadpool(repo_of(request).delete, res_type, res_id,
                                     _version(request.headers.get("if-match")), write_context(who))
    headers = {"ETag": result.stored.etag} if result.outcome == "deleted" else {}
    return Response(status_code=204, headers=headers)


@router.get("/{res_type}/{res_id}/_history", include_in_schema=False)
async def instance_history(res_type: str, res_id: str, request: Request, who: Caller = Depends(caller)) -> Response:
    authorized(who, "history-instance", require_type(res_type))
    if res_type == "AuditEvent":
        raise audit_history_refused()
    params = dict(request.query_params)
    page = await run_in_threadpool(repo_of(request).history, res_type, res_id, parse_since(params.get("_since")),
                                   _count(request, 100), params.pop("_cursor", None))
    if not page.entries and page.total == 0:
        await run_in_threadpool(repo_of(request).read, res_type, res_id)  # 404 for an unknown resource
    await audit(request, who, "history-instance", res_type, res_id)
    return FhirResponse(history_bundle(page, base_url(request), f"{res_type}/{res_id}/_history", params))


@router.get("/{res_type}/{res_id}/_history/{version}", include_in_schema=False)
async def vread(res_type: str, res_id: str, version: str, request: Request, who: Caller = Depends(caller)) -> Response:
    authorized(who, "vread", require_type(res_type))
    if not is_ascii_digits(version) or len(version) > 18:
        raise bad_request(f"Version {version!r} is not a number")
    if int(version) > MAX_VERSION:
        raise not_found(f"{res_type}/{res_id} has no version {version}")
    if res_type == "AuditEvent":
        body = await run_in_threadpool(read_audit_event, repo_of(request), res_id, version)
        await audit(request, who, "vread", res_type, res_id)
        return FhirResponse(body)
    stored = await run_in_threadpool(repo_of(request).vread, res_type, res_id, int(version))
    await audit(request, who, "vread", res_type, res_id)
    return resource_response(stored)


@router.api_route("/{res_type}/{res_id}/${operation}", methods=["GET", "POST"], include_in_schema=False)
async def instance_operation(res_type: str, res_id: str, operation: str, request: Request,
                             who: Caller = Depends(caller)) -> Response:
    return await run_operation(request, who, operation, require_type(res_type), res_id)
