"""SMART v1 and v2 scope parsing and the allows() matrix."""

from __future__ import annotations

import pytest

from gateway.auth.scopes import ScopeSet, parse_scope, permission_for

ALL = "cruds"


def granted(scopes: str, resource_type: str) -> str:
    s = ScopeSet.parse(scopes)
    return "".join(p for p in ALL if s.allows(p, resource_type))


@pytest.mark.parametrize(
    ("scopes", "resource_type", "expected"),
    [
        ("user/Observation.rs", "Observation", "rs"),
        ("user/Observation.rs", "Condition", ""),
        ("patient/Observation.r", "Observation", "r"),
        ("system/*.cruds", "Patient", "cruds"),
        ("user/*.rs user/Condition.cud", "Condition", "cruds"),
        ("user/*.rs user/Condition.cud", "Observation", "rs"),
        ("user/Patient.c user/Patient.d", "Patient", "cd"),
        # SMART v1
        ("user/Observation.read", "Observation", "rs"),
        ("user/Observation.write", "Observation", "cud"),
        ("user/*.*", "Encounter", "cruds"),
        ("patient/*.read", "Encounter", "rs"),
        # garbled or unrelated: ignored, not fatal
        ("user/Observation.sr", "Observation", ""),
        ("user/Observation.rr", "Observation", ""),
        ("user/Observation.", "Observation", ""),
        ("user/Observation.x", "Observation", ""),
        ("admin/Observation.rs", "Observation", ""),
        ("user/observation.rs", "observation", ""),
        ("openid fhirUser launch/patient offline_access", "Patient", ""),
        ("user/Observation.rs?category=laboratory", "Observation", ""),
        ("user/Observation.read?x=1", "Observation", ""),
        ("", "Patient", ""),
    ],
)
def test_allows_matrix(scopes: str, resource_type: str, expected: str) -> None:
    assert granted(scopes, resource_type) == expected


def test_unknown_scopes_are_kept_as_ignored() -> None:
    s = ScopeSet.parse("openid user/Observation.rs nonsense user/X.zz")
    assert s.ignored == ("openid", "nonsense", "user/X.zz")
    assert s.texts() == ["user/Observation.rs"]


def test_constrained_scope_is_parsed_but_grants_nothing_type_wide() -> None:
    scope = parse_scope(
        "patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|vital-signs"
    )
    assert scope is not None and scope.constraint is not None
    assert not ScopeSet((scope,)).allows("r", "Observation")


def test_list_claim_form() -> None:
    assert ScopeSet.parse(["user/Patient.r", "user/Observation.s user/Condition.c"]).allows("c", "Condition")


@pytest.mark.parametrize(
    ("interaction", "letter"),
    [
        ("read", "r"),
        ("vread", "r"),
        ("search-type", "s"),
        ("create", "c"),
        ("update", "u"),
        ("patch", "u"),
        ("delete", "d"),
        ("history-instance", "r"),
        ("r", "r"),
        ("s", "s"),
    ],
)
def test_permission_for(interaction: str, letter: str) -> None:
    assert permission_for(interaction) == letter


def test_permission_for_rejects_non_type_interactions() -> None:
    with pytest.raises(KeyError):
        permission_for("transaction")
