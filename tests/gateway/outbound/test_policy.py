"""The outbound allow-list matches parsed URLs (scheme, host, port, path prefix), never string
prefixes; link-local, metadata and the gateway's own addresses are refused whatever it says."""

from __future__ import annotations

import pytest

from gateway.outbound.configured import policy_from_settings
from gateway.outbound.policy import OutboundConfigError, OutboundPolicy, OutboundRefused, allow_list
from gateway.settings import Settings

LIST = "https://las.example.gov.uk/hooks/,http://127.0.0.1:9000/,https://other.example.org:8443/in"


def policy(text: str = LIST, own: tuple[tuple[str, int], ...] = (("127.0.0.1", 8000),)) -> OutboundPolicy:
    return OutboundPolicy(allow_list(text), own)


@pytest.mark.parametrize("url", [
    "https://las.example.gov.uk/hooks/assessments",
    "https://LAS.example.gov.uk./hooks/x?ref=1",
    "https://las.example.gov.uk:443/hooks/",
    "http://127.0.0.1:9000/hook",
    "https://other.example.org:8443/in",
    "https://other.example.org:8443/in/deeper",
])
def test_listed_urls_are_allowed(url: str) -> None:
    policy().check_url(url)


@pytest.mark.parametrize(("url", "why"), [
    ("https://las.example.gov.uk.evil.example/hooks/x", "not under any URL prefix"),
    ("https://las.example.gov.uk@evil.example/hooks/x", "user name or password"),
    ("https://evil.example/https://las.example.gov.uk/hooks/", "not under any URL prefix"),
    ("https://las.example.gov.uk/hooksX", "not under any URL prefix"),
    ("https://las.example.gov.uk/hooks/../admin", "dot segments"),
    ("https://las.example.gov.uk/hooks/%2e%2e/admin", "dot segments"),
    ("https://las.example.gov.uk:8443/hooks/x", "not under any URL prefix"),
    ("http://las.example.gov.uk/hooks/x", "only https"),
    ("https://other.example.org:8443/inbox", "not under any URL prefix"),
    ("http://127.0.0.1:9001/hook", "not under any URL prefix"),
    ("http://localhost:9000/hook", "not under any URL prefix"),
    ("ftp://las.example.gov.uk/hooks/", "only http(s)"),
    ("http://169.254.169.254/latest/meta-data/", "cloud metadata address"),
    ("http://[fe80::1]/x", "link-local"),
    ("http://[::ffff:169.254.169.254]/x", "cloud metadata address"),
    ("http://metadata.google.internal/computeMetadata/v1/", "cloud metadata service"),
    ("http://0.0.0.0:9000/hook", "not a unicast address"),
    ("http://127.0.0.1:8000/fhir/AuditEvent", "the gateway itself"),
    ("http://localhost:8000/fhir/AuditEvent", "the gateway itself"),
    ("http://127.0.0.2:8000/fhir", "the gateway itself"),
])
def test_everything_else_is_refused_with_a_reason(url: str, why: str) -> None:
    with pytest.raises(OutboundRefused) as refused:
        policy().check_url(url)
    assert why in refused.value.reason


def test_an_empty_list_allows_nothing() -> None:
    with pytest.raises(OutboundRefused, match="GATEWAY_OUTBOUND_ALLOW"):
        policy("").check_url("https://las.example.gov.uk/hooks/x")


def test_own_address_is_refused_even_when_listed() -> None:
    with pytest.raises(OutboundRefused, match="the gateway itself"):
        policy("http://127.0.0.1:8000/").check_url("http://127.0.0.1:8000/fhir/AuditEvent")
    # Another port on loopback is another program: allowed when listed.
    policy("http://127.0.0.1:8001/").check_url("http://127.0.0.1:8001/hook")


@pytest.mark.parametrize(("entry", "why"), [
    ("http://las.example.gov.uk/", "not https"),
    ("https://169.254.169.254/", "cloud metadata address"),
    ("https://[fe80::1]/", "link-local"),
    ("https://metadata.google.internal/", "cloud metadata"),
    ("https://las.example.gov.uk/?x=1", "query or fragment"),
    ("las.example.gov.uk", "only http(s)"),
    ("https://user:pw@las.example.gov.uk/", "user name"),
])
def test_unusable_entries_refuse_start_up(entry: str, why: str) -> None:
    with pytest.raises(OutboundConfigError) as error:
        allow_list(f"https://fine.example/,{entry}")
    assert "GATEWAY_OUTBOUND_ALLOW" in str(error.value) and why in str(error.value)


def test_settings_make_the_policy(tmp_path: object) -> None:
    settings = Settings(outbound_allow="https://las.example.gov.uk/hooks/ , ", base_url="https://gw.example.nhs.uk",
                        listen_url="http://0.0.0.0:8080", liquidlogic_endpoint="https://las.example.gov.uk/updates")
    made = policy_from_settings(settings)
    made.check_url("https://las.example.gov.uk/hooks/a")
    made.check_url("https://las.example.gov.uk/updates")  # the social care endpoint, by its own setting
    with pytest.raises(OutboundRefused, match="the gateway itself"):
        made.check_url("https://gw.example.nhs.uk/fhir/Patient")
    with pytest.raises(OutboundRefused, match="the gateway itself"):
        made.check_url("http://127.0.0.1:8080/fhir")
    with pytest.raises(OutboundConfigError, match="GATEWAY_LIQUIDLOGIC_ENDPOINT"):
        policy_from_settings(Settings(liquidlogic_endpoint="http://las.example.gov.uk/updates"))
