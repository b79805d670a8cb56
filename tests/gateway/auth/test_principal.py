"""authenticate() turns headers into principals (or 401s); authorize() gives 403 naming the scope."""

from __future__ import annotations

import pytest

from gateway.auth.principal import Principal, authenticate, authorize
from gateway.auth.scopes import ScopeSet
from gateway.auth.tokens import TokenVerifier, mint_token
from gateway.outcomes import FhirError
from gateway.settings import Settings


def principal(scopes: str) -> Principal:
    return Principal("carol", "nurse", ("t1",), ScopeSet.parse(scopes), "jti", 0)


@pytest.mark.parametrize("header", [None, "", "Basic dXNlcjpwdw==", "Bearer", "Bearer   ", "Token abc"])
def test_missing_or_non_bearer_is_401(settings: Settings, header: str | None) -> None:
    with pytest.raises(FhirError) as info:
        authenticate(header, TokenVerifier(settings))
    assert info.value.status == 401
    assert info.value.outcome["issue"][0]["code"] == "login"


def test_bearer_scheme_is_case_insensitive(settings: Settings) -> None:
    token = mint_token(settings, "dave", "social-worker", teams=["north"])
    verifier = TokenVerifier(settings)
    assert authenticate(f"bearer {token}", verifier).user == "dave"
    assert authenticate(f"Bearer {token}", verifier).teams == ("north",)


def test_bad_token_is_401(settings: Settings) -> None:
    with pytest.raises(FhirError) as info:
        authenticate("Bearer not.a.token", TokenVerifier(settings))
    assert info.value.status == 401


def test_authorize_passes_within_scope() -> None:
    authorize(principal("user/Observation.rs"), "read", "Observation")
    authorize(principal("user/Observation.rs"), "search-type", "Observation")
    authorize(principal("user/*.cud"), "patch", "Condition")
    authorize(principal("user/*.cud"), "d", "Condition")


@pytest.mark.parametrize(
    ("interaction", "resource_type", "scope"),
    [
        ("create", "Observation", "user/Observation.c"),
        ("delete", "Patient", "user/Patient.d"),
        ("search-type", "Condition", "user/Condition.s"),
        ("vread", "Condition", "user/Condition.r"),
    ],
)
def test_outside_scope_is_403_naming_the_scope(interaction: str, resource_type: str, scope: str) -> None:
    with pytest.raises(FhirError) as info:
        authorize(principal("user/Observation.rs"), interaction, resource_type)
    assert info.value.status == 403
    assert scope in info.value.outcome["issue"][0]["diagnostics"]
