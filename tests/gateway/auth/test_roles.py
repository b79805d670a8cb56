"""Role defaults from roles.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gateway.auth.roles import Roles, UnknownRole, default_roles
from gateway.auth.scopes import ScopeSet


def scopes_of(role: str) -> ScopeSet:
    return ScopeSet.parse(list(default_roles().get(role).default_scopes))


def test_roles_exist() -> None:
    assert default_roles().names() == ["admin", "integrator", "nurse", "social-worker"]


def test_nurse_reads_everything_and_writes_clinical_and_omaha_types() -> None:
    s = scopes_of("nurse")
    assert s.allows("r", "Patient") and s.allows("s", "AuditEvent")
    for t in ("Observation", "Condition", "Procedure", "CarePlan", "Goal", "QuestionnaireResponse"):
        assert s.allows("c", t) and s.allows("u", t), t
    assert not s.allows("c", "Patient")
    assert not s.allows("u", "Subscription")


def test_social_worker_writes_only_assessment_types() -> None:
    s = scopes_of("social-worker")
    assert s.allows("r", "Observation") and s.allows("s", "Encounter")
    for t in ("QuestionnaireResponse", "Condition", "Observation", "CarePlan"):
        assert s.allows("c", t) and s.allows("u", t), t
    assert not s.allows("c", "Procedure")
    assert not s.allows("d", "Patient")


def test_integrator_and_admin_do_everything() -> None:
    for role in ("integrator", "admin"):
        s = scopes_of(role)
        assert all(s.allows(p, "Patient") for p in "cruds")
    assert all(sc.context == "system" for sc in scopes_of("integrator").scopes)


def test_unknown_role_names_the_known_ones() -> None:
    with pytest.raises(UnknownRole, match="nurse"):
        default_roles().get("surgeon")


def test_malformed_default_scope_fails_at_load(tmp_path: Path) -> None:
    path = tmp_path / "roles.json"
    path.write_text(json.dumps({"r": {"scopes": ["user/Patient.rs", "user/Patient.bogus"]}}))
    with pytest.raises(ValueError, match="bogus"):
        Roles.load(path)
