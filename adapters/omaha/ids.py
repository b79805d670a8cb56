"""Deterministic ids for the Omaha assessment's resources: the same problem for the same person
and scope is always the same Condition, so a second assessment updates instead of duplicating."""

from __future__ import annotations

import uuid

from adapters.uris import CANONICAL_BASE

_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, f"{CANONICAL_BASE}/omaha")


def _id(*parts: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, "|".join(parts)))


def patient_id(patient_ref: str) -> str:
    """`Patient/abc` -> `abc` (a bare id passes through)."""
    return patient_ref.rsplit("/", 1)[-1]


def condition_id(patient: str, problem_code: str, scope: str) -> str:
    """One Condition per person, problem and scope."""
    return _id("condition", patient_id(patient), problem_code, scope)


def observation_id(condition: str, effective_date: str) -> str:
    """One rating Observation per problem per rating date."""
    return _id("rating", condition, effective_date[:10])


def care_plan_id(patient: str) -> str:
    """The person's one integrated care plan."""
    return _id("careplan", patient_id(patient))


def activity_id(condition: str, key: str) -> str:
    """A CarePlan activity element id: problem + category + target + occurrence."""
    return _id("activity", condition, key)


def response_id(patient: str, authored: str) -> str:
    """A QuestionnaireResponse submitted without an id gets one from person and time."""
    return _id("response", patient_id(patient), authored)


def provenance_id(target: str, source: str) -> str:
    return _id("provenance", target, source)


def dismissal_id(patient: str, source: str, problem_code: str) -> str:
    return _id("dismissal", patient_id(patient), source, problem_code)
