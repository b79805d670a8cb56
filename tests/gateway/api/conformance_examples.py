"""One synthetic resource of each served type the imported sample does not make, each with the elements
its search parameters read, so the conformance test can check those parameters against stored values
too. See https://hl7.org/fhir/R4/resourcelist.html
"""

from __future__ import annotations

from typing import Any

SNOMED = "http://snomed.info/sct"
LOCAL = "https://care-gateway.example/fhir/id/conformance"


def _code(code: str, display: str, system: str = SNOMED) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code, "display": display}], "text": display}


def examples(patient: str, practitioner: str, organization: str) -> list[dict[str, Any]]:
    """Resources that refer to stored ones (`Patient/<id>`, `Practitioner/<id>`, `Organization/<id>`)."""
    subject = {"reference": patient}
    author = {"reference": practitioner}
    org = {"reference": organization}
    ident = [{"system": LOCAL, "value": "c-1"}]
    return [
        {"resourceType": "Location", "identifier": ident, "status": "active", "name": "Stowmarket Health Centre",
         "type": [_code("264358009", "General practice premises")], "managingOrganization": org,
         "address": {"line": ["1 Violet Hill Road"], "city": "Stowmarket", "postalCode": "IP14 1NL",
                     "country": "GB"},
         "telecom": [{"system": "phone", "value": "01449 000000"}]},
        {"resourceType": "HealthcareService", "identifier": ident, "active": True, "name": "Neighbourhood nursing",
         "providedBy": org, "type": [_code("310126000", "Community nursing service")],
         "specialty": [_code("394802001", "General medicine")]},
        {"resourceType": "Person", "identifier": ident, "active": True,
         "name": [{"family": "Ashdown", "given": ["Ruth"]}], "gender": "female", "birthDate": "1940-04-02",
         "address": [{"city": "Needham Market", "postalCode": "IP6 8AA"}],
         "telecom": [{"system": "email", "value": "ruth@example.org"}], "link": [{"target": subject}]},
        {"resourceType": "CareTeam", "identifier": ident, "status": "active", "name": "Bramford team",
         "subject": subject, "category": [_code("135791000000101", "Community health team")],
         "period": {"start": "2024-01-01"}, "participant": [{"member": author}]},
        {"resourceType": "Consent", "identifier": ident, "status": "active",
         "scope": _code("patient-privacy", "Privacy Consent", "http://terminology.hl7.org/CodeSystem/consentscope"),
         "category": [_code("59284-0", "Patient Consent", "http://loinc.org")], "patient": subject,
         "dateTime": "2024-02-03T10:00:00Z", "performer": [subject], "organization": [org],
         "policyRule": _code("OPTIN", "opt-in", "http://terminology.hl7.org/CodeSystem/v3-ActCode"),
         "provision": {"type": "deny", "period": {"start": "2024-02-03"}, "actor": [{
             "role": _code("PRCP", "primary information recipient",
                           "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"), "reference": org}]}},
        {"resourceType": "DiagnosticReport", "identifier": ident, "status": "final",
         "category": [_code("LAB", "Laboratory", "http://terminology.hl7.org/CodeSystem/v2-0074")],
         "code": _code("26604007", "Full blood count"), "subject": subject,
         "effectiveDateTime": "2024-03-04T09:30:00Z", "issued": "2024-03-04T12:00:00Z", "performer": [org],
         "conclusion": "Normal"},
        {"resourceType": "Medication", "identifier": ident, "status": "active",
         "code": _code("322236009", "Paracetamol 500mg tablets"), "manufacturer": org,
         "form": _code("385055001", "Tablet")},
        {"resourceType": "MedicationStatement", "identifier": ident, "status": "active", "subject": subject,
         "medicationCodeableConcept": _code("322236009", "Paracetamol 500mg tablets"),
         "effectiveDateTime": "2024-03-01", "dateAsserted": "2024-03-02T08:00:00Z", "informationSource": author,
         "category": _code("community", "Community",
                           "http://terminology.hl7.org/CodeSystem/medication-statement-category")},
        {"resourceType": "Procedure", "identifier": ident, "status": "completed", "subject": subject,
         "code": _code("225358003", "Wound care"), "performedDateTime": "2024-03-05T11:00:00Z",
         "performer": [{"actor": author}], "category": _code("387713003", "Surgical procedure"),
         "location": {"reference": "Location/conformance-absent"}},
        {"resourceType": "Task", "identifier": ident, "status": "requested", "intent": "order", "priority": "routine",
         "code": _code("385763009", "Hospice care"), "for": subject, "owner": author, "requester": author,
         "authoredOn": "2024-03-06T09:00:00Z", "lastModified": "2024-03-06T10:00:00Z",
         "executionPeriod": {"start": "2024-03-07"}, "businessStatus": {"text": "waiting"}},
        {"resourceType": "DocumentReference", "identifier": ident, "status": "current",
         "type": _code("371531000", "Report of clinical encounter"), "subject": subject, "author": [author],
         "date": "2024-03-08T14:00:00Z", "description": "Visit summary",
         "content": [{"attachment": {"contentType": "text/plain", "title": "Visit summary",
                                     "url": "urn:uuid:7d3f0c2e-1b1a-4c41-9f0e-2c9d3e4f5a6b"}}],
         "context": {"period": {"start": "2024-03-08"}}},
        {"resourceType": "Communication", "identifier": ident, "status": "completed", "subject": subject,
         "sender": author, "recipient": [org], "sent": "2024-03-09T15:00:00Z", "received": "2024-03-09T15:05:00Z",
         "category": [_code("notification", "Notification",
                            "http://terminology.hl7.org/CodeSystem/communication-category")],
         "medium": [_code("WRITTEN", "written", "http://terminology.hl7.org/CodeSystem/v3-ParticipationMode")],
         "payload": [{"contentString": "Assessment changed"}]},
        {"resourceType": "Basic", "identifier": ident, "code": _code("referral", "Referral",
                                                                      "http://terminology.hl7.org/CodeSystem/basic-resource-type"),
         "subject": subject, "created": "2024-03-10", "author": author},
        {"resourceType": "Questionnaire", "identifier": ident, "url": "https://care-gateway.example/Questionnaire/conf",
         "version": "1", "name": "ConformanceForm", "title": "Conformance form", "status": "active",
         "date": "2024-03-11", "publisher": "Care-record gateway", "subjectType": ["Patient"],
         "code": [{"system": SNOMED, "code": "225358003"}], "item": [{"linkId": "1", "text": "Q", "type": "string"}]},
        {"resourceType": "CodeSystem", "url": "https://care-gateway.example/CodeSystem/conformance", "version": "1",
         "name": "ConformanceCodes", "title": "Conformance codes", "status": "active", "content": "complete",
         "date": "2024-03-12", "publisher": "Care-record gateway", "identifier": ident,
         "concept": [{"code": "a", "display": "A"}]},
        {"resourceType": "ValueSet", "url": "https://care-gateway.example/ValueSet/conformance", "version": "1",
         "name": "ConformanceValues", "title": "Conformance values", "status": "active", "date": "2024-03-12",
         "publisher": "Care-record gateway", "identifier": ident,
         "compose": {"include": [{"system": "https://care-gateway.example/CodeSystem/conformance"}]}},
        {"resourceType": "ConceptMap", "url": "https://care-gateway.example/ConceptMap/conformance", "version": "1",
         "name": "ConformanceMap", "title": "Conformance map", "status": "active", "date": "2024-03-12",
         "publisher": "Care-record gateway", "identifier": ident[0],
         "sourceUri": "https://care-gateway.example/ValueSet/conformance",
         "targetUri": "https://care-gateway.example/ValueSet/conformance",
         "group": [{"source": "https://care-gateway.example/CodeSystem/conformance",
                    "target": "https://care-gateway.example/CodeSystem/conformance",
                    "element": [{"code": "a", "target": [{"code": "a", "equivalence": "equal"}]}]}]},
    ]
