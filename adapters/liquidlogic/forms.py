"""Workflow forms (`forms/*.json`): read one file, enforce `forms.schema.json`, hand back a `Form`.

The schema is the contract the README documents; a form that breaks it is rejected with the
first problem the validator finds, named by its JSON path, and the rest of the export imports.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from adapters.liquidlogic.errors import FormError, FormSchemaError, UnknownFormType

SCHEMA_PATH = Path(__file__).with_name("forms.schema.json")
FORM_TYPES = ("CareActAssessment", "SupportPlan", "Review")


@dataclass(frozen=True, slots=True)
class Form:
    """A completed form that passed the schema; `body` is the whole JSON object."""

    form_type: str
    form_id: str
    la_person_id: str
    event_reference: str
    worker_id: str
    worker_name: str
    worker_role: str
    completed_at: str  # ISO date or date-time as written
    body: dict[str, Any]


@lru_cache(maxsize=1)
def validator() -> Draft202012Validator:
    """The compiled form schema (checked once per process)."""
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def _where(path: Any) -> str:
    parts = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)
    return parts.lstrip(".") or "(the form)"


def load_form(data: bytes) -> Form:
    """Parse and validate one form file's bytes; raises a `FormError` saying what is wrong."""
    try:
        raw = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        try:
            raw = json.loads(data.decode("cp1252"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise FormError(f"the file is not JSON ({exc})") from None
    except json.JSONDecodeError as exc:
        raise FormError(f"the file is not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    if not isinstance(raw, dict):
        raise FormError("the file holds a JSON " + type(raw).__name__ + ", not an object")
    if raw.get("form_type") not in FORM_TYPES:
        raise UnknownFormType(f"form_type {raw.get('form_type')!r} is not one of {', '.join(FORM_TYPES)}")
    errors = list(validator().iter_errors(raw))
    # A failing `then` leaves its properties "unevaluated"; report the real problem, not that echo.
    specific = [e for e in errors if e.validator != "unevaluatedProperties"]
    error = best_match(specific or errors)
    if error is not None:
        raise FormSchemaError(
            f"{raw['form_type']} form breaks the schema at {_where(error.absolute_path)}: {error.message}"
        )
    try:
        datetime.fromisoformat(raw["completed_at"].replace("Z", "+00:00"))
    except ValueError:
        raise FormSchemaError(f"completed_at {raw['completed_at']!r} is not a real date or time") from None
    who = raw["completed_by"]
    return Form(
        form_type=raw["form_type"],
        form_id=raw["form_id"],
        la_person_id=raw["LA_Person_Unique_Identifier"],
        event_reference=raw["Event_Reference"],
        worker_id=who["worker_id"],
        worker_name=who["name"],
        worker_role=who.get("role", ""),
        completed_at=raw["completed_at"],
        body=raw,
    )
