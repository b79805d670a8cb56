"""The assessment Questionnaire as a stored resource, so any SDC client (and the pages) can read
the form from `/fhir/Questionnaire/omaha-integrated-assessment` before filling it in."""

from __future__ import annotations

import copy

from adapters.omaha.questionnaire import QUESTIONNAIRE_ID, questionnaire
from gateway.repository.base import FhirJson, WriteResult
from gateway.repository.sql import SqlRepository
from gateway.validation import validate_resource


def omaha_questionnaire_resource() -> FhirJson:
    """The Questionnaire to store (a copy: the adapter's is cached and must not be changed),
    checked against R4 so publishing cannot store something invalid."""
    resource = copy.deepcopy(questionnaire())
    validate_resource(resource, "Questionnaire")
    return resource


def publish_questionnaire(repo: SqlRepository) -> WriteResult:
    """Store or refresh the Questionnaire at its fixed id; an unchanged form keeps its version.
    For `gateway db upgrade`, next to the terminology."""
    with repo.writing() as writer:
        return writer.put(omaha_questionnaire_resource(), QUESTIONNAIRE_ID, "PUT")
