"""The care-record gateway: FHIR R4 store, REST API, auth, audit, subscriptions and pages."""
