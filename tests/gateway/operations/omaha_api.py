"""Reading the Omaha operations' Parameters answers and searching a person's Omaha resources, so
each test reads as the clinical story it checks."""

from __future__ import annotations

from typing import Any

from adapters.omaha.vocabulary import RECORD
from tests.gateway.api.fhir_api import FhirApi

FhirJson = dict[str, Any]


def parts(parameter: FhirJson) -> dict[str, Any]:
    """A parameter's parts by name: the value of each (repeated names become lists)."""
    out: dict[str, Any] = {}
    for part in parameter.get("part", []):
        value = next((v for k, v in part.items() if k.startswith("value")), part)
        if part["name"] in out:
            existing = out[part["name"]]
            out[part["name"]] = (existing if isinstance(existing, list) else [existing]) + [value]
        else:
            out[part["name"]] = value
    return out


def named(parameters: FhirJson, name: str) -> list[FhirJson]:
    return [p for p in parameters.get("parameter", []) if p["name"] == name]


def returned_bundle(parameters: FhirJson) -> FhirJson:
    (ret,) = named(parameters, "return")
    return ret["resource"]  # type: ignore[no-any-return]


def changes(parameters: FhirJson) -> list[tuple[str, str, str | None, str | None, str | None]]:
    """(problem code, aspect, old, new, direction) per `change`."""
    out = []
    for p in named(parameters, "change"):
        v = parts(p)
        out.append((v["problem"]["code"], v["aspect"], v.get("old"), v.get("new"), v.get("direction")))
    return out


def everything(fhir: FhirApi, query: str) -> list[FhirJson]:
    """Every resource a search matches (all pages)."""
    out: list[FhirJson] = []
    bundle = fhir.search(query + ("&" if "?" in query else "?") + "_count=100")
    while True:
        out += [e["resource"] for e in bundle.get("entry", []) if e.get("search", {}).get("mode") == "match"]
        nxt = next((link["url"] for link in bundle.get("link", []) if link["relation"] == "next"), None)
        if nxt is None:
            return out
        bundle = fhir.search(nxt.split("/fhir/", 1)[1])


def problems(fhir: FhirApi, patient_id: str) -> list[FhirJson]:
    return everything(fhir, f"Condition?subject=Patient/{patient_id}&category={RECORD}|problem")


def ratings(fhir: FhirApi, patient_id: str) -> list[FhirJson]:
    return everything(fhir, f"Observation?subject=Patient/{patient_id}&code={RECORD}|kbs-rating")


def care_plans(fhir: FhirApi, patient_id: str) -> list[FhirJson]:
    return everything(fhir, f"CarePlan?subject=Patient/{patient_id}&category={RECORD}|integrated-care-plan")


def problem_code(condition: FhirJson) -> str:
    return str(condition["code"]["coding"][0]["code"])
