"""The resource types this gateway stores and serves (what the CapabilityStatement lists)."""

from __future__ import annotations

from gateway.outcomes import FhirError, outcome

SUPPORTED_TYPES: frozenset[str] = frozenset(
    {
        "Patient", "RelatedPerson", "Person", "Practitioner", "PractitionerRole", "Organization", "Location",
        "HealthcareService", "Encounter", "EpisodeOfCare", "Condition", "Observation", "DiagnosticReport",
        "MedicationRequest", "MedicationStatement", "Medication", "AllergyIntolerance", "Immunization",
        "Appointment", "ServiceRequest", "CarePlan", "Goal", "CareTeam", "Questionnaire",
        "QuestionnaireResponse", "Provenance", "AuditEvent", "Consent", "CodeSystem", "ValueSet", "ConceptMap",
        "Subscription", "Flag", "Task", "Procedure", "DocumentReference", "Communication", "Basic", "Group",
        "Parameters", "Bundle",
    }
)

# Types with REST endpoints, as the CapabilityStatement lists them: a Bundle is posted to the base
# (batch/transaction) and Parameters are operation bodies, neither is stored, read or searched.
SERVED_TYPES: frozenset[str] = SUPPORTED_TYPES - {"Parameters", "Bundle"}

# Types a client may not write directly: the gateway makes them itself.
READ_ONLY_TYPES: frozenset[str] = frozenset({"AuditEvent"})

# Types served from a log of the gateway's own (the audit tables), not the versioned resource store:
# read, vread and search only, with no history and no _include/_revinclude/_summary/_elements.
LOG_TYPES: frozenset[str] = frozenset({"AuditEvent"})


def require_type(res_type: str) -> str:
    """404 with an OperationOutcome for a type this server does not serve."""
    if res_type not in SERVED_TYPES:
        raise FhirError(outcome("error", "not-supported", f"Resource type {res_type!r} is not supported here"), 404)
    return res_type
