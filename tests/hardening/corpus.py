"""The fixed corpus of hostile inputs from issue 13: each request once made the gateway answer 500,
store something it should not, or work without bound. Shared by the corpus tests and the
schemathesis run's preflight, so both say the same thing about the same inputs."""

from __future__ import annotations

from dataclasses import dataclass, field

SUPERSCRIPT_TWO = "²"  # str.isdigit() is true for it; int() refuses it
BEYOND_64_BITS = "99999999999999999999999"


@dataclass(frozen=True)
class Case:
    """One request and the status it must get (never a 5xx)."""

    name: str
    method: str
    path: str
    status: int
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)


def _deep_extension(depth: int) -> bytes:
    inner = '{"url": "http://example.org/x", "valueString": "x"}'
    nested = '{"url": "http://example.org/x", "extension": [' * depth + inner + "]}" * depth
    return ('{"resourceType": "Patient", "extension": [' + nested + "]}").encode()


def _values(count: int, template: str) -> str:
    return ",".join(template.format(i) for i in range(count))


JSON = {"Content-Type": "application/fhir+json"}

NUMBER_CASES = [
    Case("search _count=²", "GET", f"/fhir/Patient?_count={SUPERSCRIPT_TWO}", 400),
    Case("type history _count=²", "GET", f"/fhir/Patient/_history?_count={SUPERSCRIPT_TWO}", 400),
    Case("system history _count=²", "GET", f"/fhir/_history?_count={SUPERSCRIPT_TWO}", 400),
    Case("instance history _count=²", "GET", f"/fhir/Patient/p1/_history?_count={SUPERSCRIPT_TWO}", 400),
    Case("$everything _count=²", "GET", f"/fhir/Patient/p1/$everything?_count={SUPERSCRIPT_TWO}", 400),
    Case("search _cursor=²", "GET", f"/fhir/Patient?_cursor={SUPERSCRIPT_TWO}", 400),
    Case("vread version ²", "GET", f"/fhir/Patient/p1/_history/{SUPERSCRIPT_TWO}", 400),
    Case("AuditEvent _count=²", "GET", f"/fhir/AuditEvent?_count={SUPERSCRIPT_TWO}", 400),
    Case("AuditEvent outcome=²", "GET", f"/fhir/AuditEvent?outcome={SUPERSCRIPT_TWO}", 400),
    Case("link candidates _count=²", "GET", f"/api/links/candidates?_count={SUPERSCRIPT_TWO}", 400),
    Case("link candidates _offset=²", "GET", f"/api/links/candidates?_offset={SUPERSCRIPT_TWO}", 400),
    Case("negative _count on search", "GET", "/fhir/Patient?_count=-1", 400),
    Case("inbox limit=²", "GET", f"/api/inbox?limit={SUPERSCRIPT_TWO}", 400),
    Case("dead letters limit=-5", "GET", "/api/delivery/dead-letters?limit=-5", 400),
]

ID_CASES = [
    Case("link candidate beyond 64 bits", "GET", f"/api/links/candidates/{BEYOND_64_BITS}", 404),
    Case("decide a candidate beyond 64 bits", "POST", f"/api/links/candidates/{BEYOND_64_BITS}/confirm", 404),
    Case("AuditEvent beyond 64 bits", "GET", f"/fhir/AuditEvent/{BEYOND_64_BITS}", 404),
    Case("retry a dead letter beyond 64 bits", "POST", f"/api/delivery/dead-letters/{BEYOND_64_BITS}/retry", 404),
    Case("link candidate not a number", "GET", "/api/links/candidates/abc", 400),
]

SEARCH_SIZE_CASES = [
    Case("600 comma-separated names", "GET", "/fhir/Patient?name=" + _values(600, "n{}"), 400),
    Case("600 comma-separated identifiers", "GET", "/fhir/Patient?identifier=" + _values(600, "s|{}"), 400),
    Case("600 comma-separated ids", "GET", "/fhir/Patient?_id=" + _values(600, "p{}"), 400),
    Case("600 comma-separated AuditEvent users", "GET", "/fhir/AuditEvent?agent=" + _values(600, "u{}"), 400),
    Case("2,000 repeated name=", "GET", "/fhir/Patient?" + "&".join(f"name=n{i}" for i in range(2000)), 400),
    Case("60 _sort keys", "GET", "/fhir/Patient?_sort=" + ",".join(["name", "-birthdate", "gender", "_id"] * 15), 400),
    Case("a NUL in a search value", "GET", "/fhir/Patient?name=a%00b", 400),
    Case("a NUL in an /api query", "GET", "/api/links/candidates?patient=a%00b", 400),
    Case("a NUL in a form search", "POST", "/fhir/Patient/_search", 400, b"name=a%00b",
         {"Content-Type": "application/x-www-form-urlencoded"}),
    Case("a NUL in a Bundle entry's search", "POST", "/fhir", 400,
         b'{"resourceType": "Bundle", "type": "transaction", "entry": [{"request": {"method": "GET", '
         b'"url": "Patient?name=a%00b"}}]}', {"Content-Type": "application/fhir+json"}),
]

BODY_CASES = [
    Case("500-deep extensions", "POST", "/fhir/Patient", 400, _deep_extension(500), JSON),
    Case("deep JSON on /api/links", "POST", "/api/links/link", 400,
         b'{"patients": ' + b"[" * 5000 + b"]" * 5000 + b"}", {"Content-Type": "application/json"}),
    Case("deep JSON in an operation's Parameters", "POST", "/fhir/ConceptMap/$translate", 400,
         b'{"resourceType": "Parameters", "parameter": ' + b"[" * 900 + b"]" * 900 + b"}", JSON),
    Case("a NUL in a resource", "POST", "/fhir/Patient", 400,
         b'{"resourceType": "Patient", "name": [{"family": "a\\u0000b"}]}', JSON),
    Case("a Bundle fullUrl that is an object", "POST", "/fhir", 400,
         b'{"resourceType": "Bundle", "type": "batch", "entry": [{"fullUrl": {"a": 1}, '
         b'"request": {"method": "POST", "url": "Patient"}, "resource": {"resourceType": "Patient"}}]}', JSON),
    Case("an $expand count that is an object", "POST", "/fhir/ValueSet/$expand", 400,
         b'{"resourceType": "Parameters", "parameter": [{"name": "url", "valueUri": "http://example.org/vs"}, '
         b'{"name": "count", "valueInteger": {"a": 1}}]}', JSON),
    Case("Parameters.parameter that is not a list of objects", "POST", "/fhir/ConceptMap/$translate", 400,
         b'{"resourceType": "Parameters", "parameter": [1, 2]}', JSON),
    Case("JSON sent as a form content type (create)", "POST", "/fhir/Patient", 415,
         b'{"resourceType": "Patient"}', {"Content-Type": "application/x-www-form-urlencoded"}),
    Case("JSON sent as a form content type (update)", "PUT", "/fhir/Patient/p1", 415,
         b'{"resourceType": "Patient", "id": "p1"}', {"Content-Type": "multipart/form-data; boundary=x"}),
    Case("JSON sent as a form content type (Bundle)", "POST", "/fhir", 415,
         b'{"resourceType": "Bundle", "type": "batch"}', {"Content-Type": "application/x-www-form-urlencoded"}),
    Case("a form posted to /api/links", "POST", "/api/links/link", 415,
         b"patients=a&patients=b", {"Content-Type": "application/x-www-form-urlencoded"}),
]


def entry_id_bundle(kind: str, url: str) -> bytes:
    return (f'{{"resourceType": "Bundle", "type": "{kind}", "entry": [{{"request": {{"method": "PUT", '
            f'"url": "{url}"}}, "resource": {{"resourceType": "Basic", "code": {{"text": "x"}}}}}}]}}').encode()


BAD_ENTRY_URLS = ["Basic/" + "a" * 200, "Basic/..", "Basic/a%2Fb"]

ALL_CASES = NUMBER_CASES + ID_CASES + SEARCH_SIZE_CASES + BODY_CASES
