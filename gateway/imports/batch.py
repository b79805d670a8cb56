"""Apply one batch of adapter records to the unit of work and decide each row's outcome.

A row is all or nothing: its resources, merges and deletes are planned against the unit's view
of the current versions, validated, and only then staged. A resource whose content equals its
current version is left alone (no new version, so no hook sees it), which is what makes
re-imports idempotent and silent. Each staged version carries its source row, which is how the
Provenance hook (`provenance.py`) and the row report know where it came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from adapters.base import Converted, ElementMerge, Rejected, RowRef
from gateway.imports.provenance import provenance_id
from gateway.imports.validator import ImportValidator
from gateway.imports.worker import Hints
from gateway.outcomes import FhirError
from gateway.repository.base import SourceRow
from gateway.repository.bulk import Key, Version
from gateway.repository.unit import UnitOfWork
from gateway.repository.writes import content_hash


@dataclass(slots=True)
class RowOutcome:
    ref: RowRef
    outcome: str  # created | updated | unchanged | deleted | rejected
    code: str | None = None
    reason: str | None = None
    written: list[Version] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


class RowRejected(Exception):
    """Raised while planning a row: the row is rejected with this code and reason."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def batch_keys(records: list[Converted | Rejected]) -> set[Key]:
    """Every (type, id) a batch may read or write, so their current state loads in one go."""
    keys: set[Key] = set()
    for rec in records:
        if isinstance(rec, Converted):
            keys.update((r["resourceType"], r["id"]) for r in rec.resources)
            keys.update(rec.deletes)
            keys.update((m.resource_type, m.resource_id) for m in rec.merges)
            keys.add(("Provenance", provenance_id(rec.ref)))
    return keys


def _validation_reason(exc: FhirError) -> str:
    issues = exc.outcome.get("issue") or []
    return "; ".join(str(i.get("diagnostics", "")) for i in issues[:3]) or "invalid resource"


def _merge_into(base: dict[str, Any], merge: ElementMerge) -> dict[str, Any]:
    """Replace the element with the merge's id where it stands (order is content), append it when
    new, or drop it for a removal."""
    items: list[Any] = []
    placed = False
    for element in base.get(merge.path) or []:
        if isinstance(element, dict) and element.get("id") == merge.element_id:
            if not merge.remove and merge.element is not None:
                items.append({**merge.element, "id": merge.element_id})
            placed = True
        else:
            items.append(element)
    if not placed and not merge.remove and merge.element is not None:
        items.append({**merge.element, "id": merge.element_id})
    out = dict(base)
    meta = {k: v for k, v in (base.get("meta") or {}).items() if k not in ("versionId", "lastUpdated")}
    if meta:
        out["meta"] = meta
    else:
        out.pop("meta", None)
    if items:
        out[merge.path] = items
    else:
        out.pop(merge.path, None)
    return out


def _preserved(resource: dict[str, Any], current: dict[str, Any] | None, paths: tuple[str, ...]) -> dict[str, Any]:
    """`resource` plus the elements other rows merged into its stored version (the same object
    when there is nothing to carry over, so precomputed hashes and index rows still apply)."""
    if not current or not paths:
        return resource
    out = resource
    for path in paths:
        mine = list(out.get(path) or [])
        have = {e.get("id") for e in mine if isinstance(e, dict)}
        carried = [e for e in current.get(path) or [] if isinstance(e, dict) and e.get("id") and e["id"] not in have]
        if carried:
            out = {**out, path: mine + carried}
    return out


@dataclass(slots=True)
class Action:
    """One write a row makes: put (with the content's hash and, when known, its index rows) or delete."""

    kind: str
    key: Key
    body: dict[str, Any] | None = None
    digest: str | None = None
    index: Any = None


def _plan(unit: UnitOfWork, rec: Converted, validator: ImportValidator, hints: Hints | None) -> list[Action]:
    """The writes a row makes. Raises RowRejected. Resources exactly as the adapter made them come
    with their hash and index rows from the worker (`hints`), already checked there."""
    planned: dict[Key, dict[str, Any] | None] = {}
    actions: list[Action] = []

    def view(key: Key) -> dict[str, Any] | None:
        if key in planned:
            return planned[key]
        cur = unit.current(key)
        return None if cur is None or cur.deleted else cur.parsed()

    for resource in rec.resources:
        key = (resource["resourceType"], resource["id"])
        body = _preserved(resource, view(key), rec.preserve.get(key[0], ()))
        planned[key] = body
        if hints is not None and body is resource and key in hints.digests:
            actions.append(Action("put", key, body, hints.digests[key], hints.index.get(key)))
        else:
            actions.append(Action("put", key, body))
    for merge in rec.merges:
        key = (merge.resource_type, merge.resource_id)
        base = view(key)
        if base is None:
            raise RowRejected("IMP-404", f"{merge.resource_type}/{merge.resource_id} is not in the store, so this "
                                         f"row's {merge.path} cannot be added to it (is its parent row missing?)")
        body = _merge_into(base, merge)
        planned[key] = body
        actions.append(Action("put", key, body))
    for key in rec.deletes:
        planned[key] = None
        actions.append(Action("delete", key))
    for action in actions:
        if action.kind != "put" or action.digest is not None:
            continue
        assert action.body is not None
        action.digest = content_hash(action.body)
        cur = unit.current(action.key)
        if cur is not None and not cur.deleted and cur.content_hash == action.digest:
            continue  # unchanged: nothing will be written, nothing to check
        try:
            validator.check(action.body)
        except FhirError as exc:
            raise RowRejected("IMP-422", f"{action.key[0]} would be invalid: {_validation_reason(exc)}") from None
    return actions


def apply_record(unit: UnitOfWork, rec: Converted, validator: ImportValidator,
                 hints: Hints | None = None) -> RowOutcome:
    """Plan, validate and stage one row in the unit of work; returns its outcome."""
    try:
        actions = _plan(unit, rec, validator, hints)
    except RowRejected as exc:
        return RowOutcome(rec.ref, "rejected", exc.code, exc.reason, warnings=list(rec.warnings))
    result = RowOutcome(rec.ref, "unchanged", warnings=list(rec.warnings))
    created = changed = deleted = False
    row = SourceRow(rec.ref.file, rec.ref.line, rec.ref.key)
    for action in actions:
        key = action.key
        if action.kind == "delete":
            written = unit.stage_delete(key, row)
            if written is not None:
                result.written.append(written)
                deleted = True
            else:
                result.warnings.append(f"{key[0]}/{key[1]} was already absent; nothing to delete")
            continue
        assert action.body is not None and action.digest is not None
        cur = unit.current(key)
        if cur is not None and not cur.deleted and cur.content_hash == action.digest:
            continue
        created = created or cur is None or cur.deleted
        changed = True
        result.written.append(unit.stage(key, action.body, action.digest, "PUT" if cur is not None else "POST",
                                         action.index, row))
    if created:
        result.outcome = "created"
    elif deleted and not changed:
        result.outcome = "deleted"
    elif changed or deleted:
        result.outcome = "updated"
    return result
