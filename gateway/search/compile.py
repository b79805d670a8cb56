"""Compile the FHIRPath subset of R4 SearchParameter expressions into plain Python extractors.

The specification defines every search parameter by a FHIRPath expression. Evaluating FHIRPath per
resource on every write would be slow, and a hand-written function per parameter would drift from the
spec, so at start-up each expression is compiled once into a chain of closures over the resource JSON.
Element types from the spec (`gateway/spec/elements-r4.json`) tell each step which JSON keys a choice
element (`value[x]` -> `valueQuantity`, `valueCodeableConcept`...) can use, and what type each value is,
so the indexer knows how to turn it into rows. Anything outside the subset raises `CompileError`, and
the parameter is reported as unsupported. See https://hl7.org/fhirpath/
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

Node = tuple[Any, str]  # (JSON value, FHIR type code or backbone path)
Step = Callable[[list[Node]], list[Node]]
Extractor = Callable[[dict[str, Any]], list[Node]]

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*$")
_WHERE_RESOLVE = re.compile(r"where\(resolve\(\) is ([A-Za-z]+)\)$")
_WHERE_EQUALS = re.compile(r"where\(([A-Za-z]+) *= *'([^']*)'\)$")
_AS_CALL = re.compile(r"(?:as|ofType)\(([A-Za-z]+)\)$")
_COMPARE = re.compile(r"(.+?) *(!=|=) *(true|false|'[^']*')$")
_ABSTRACT = ("Resource.", "DomainResource.")


class CompileError(ValueError):
    """An expression outside the FHIRPath subset the compiler understands."""


def split_top(text: str, sep: str) -> list[str]:
    """Split on `sep` where it is outside parentheses and quotes."""
    parts: list[str] = []
    depth, quoted, start, i = 0, False, 0, 0
    while i < len(text):
        ch = text[i]
        if ch == "'":
            quoted = not quoted
        elif not quoted and ch == "(":
            depth += 1
        elif not quoted and ch == ")":
            depth -= 1
        elif not quoted and depth == 0 and text.startswith(sep, i):
            parts.append(text[start:i].strip())
            start = i + len(sep)
            i = start
            continue
        i += 1
    parts.append(text[start:].strip())
    return parts


def _closing(text: str) -> int:
    """Index of the parenthesis closing the one that opens `text`."""
    depth = 0
    for i, ch in enumerate(text):
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0:
            return i
    raise CompileError(f"unbalanced parentheses in {text!r}")


class Compiler:
    """Compiles expressions for one resource type against the spec's element types."""

    def __init__(self, elements: dict[str, list[str]], resource_type: str):
        self.elements = elements
        self.resource_type = resource_type
        # Top-level JSON keys the last compiled expression reads; None when it yields values even for
        # a resource without them (`exists()`, boolean tests). Lets the indexer skip absent elements.
        self.roots: frozenset[str] | None = None
        self._roots: set[str] = set()
        self._always = False

    def compile(self, expression: str) -> Extractor:
        """An extractor returning every (value, type) node the expression selects."""
        self._roots, self._always = set(), False
        parts = [self._expression(p, {self.resource_type}, root=True)[0] for p in split_top(expression, "|")]
        rtype = self.resource_type
        self.roots = None if self._always else frozenset(self._roots)
        if len(parts) == 1 and len(parts[0]) == 1:
            step = parts[0][0]
            return lambda resource: step([(resource, rtype)])
        if len(parts) == 1:
            only = parts[0]
            return lambda resource: _run(only, [(resource, rtype)])
        return lambda resource: [node for steps in parts for node in _run(steps, [(resource, rtype)])]

    def _expression(self, text: str, types: set[str], root: bool) -> tuple[list[Step], set[str]]:
        conjuncts = split_top(text, " and ")
        if len(conjuncts) > 1:
            self._always = True
            tests = [self._comparison(c, types, root) for c in conjuncts]
            return [lambda nodes: [(all(t(nodes) for t in tests), "boolean")]], {"boolean"}
        as_parts = split_top(text, " as ")
        if len(as_parts) == 2 and _IDENT.match(as_parts[1]):
            steps, inner = self._expression(as_parts[0], types, root)
            wanted = as_parts[1]
            if wanted not in inner:
                raise CompileError(f"{text!r}: {wanted} is not a possible type")
            return [*steps, _of_type(wanted)], {wanted}
        if len(as_parts) > 1:
            raise CompileError(f"unsupported 'as' in {text!r}")
        return self._path(text, types, root)

    def _comparison(self, text: str, types: set[str], root: bool) -> Callable[[list[Node]], bool]:
        """A boolean conjunct: `path.exists()` or `path != literal` (FHIRPath empty counts as false)."""
        m = _COMPARE.match(text)
        if m is None:
            steps, out = self._expression(text, types, root)
            if out != {"boolean"}:
                raise CompileError(f"not a boolean test: {text!r}")
            return lambda nodes: bool(_run(steps, nodes)[0][0])
        steps, _ = self._path(m.group(1), types, root)
        literal: Any = {"true": True, "false": False}.get(m.group(3), m.group(3).strip("'"))
        if m.group(2) == "=":
            return lambda nodes: any(v == literal for v, _ in _run(steps, nodes))
        return lambda nodes: bool(values := _run(steps, nodes)) and all(v != literal for v, _ in values)

    def _path(self, text: str, types: set[str], root: bool) -> tuple[list[Step], set[str]]:
        steps: list[Step] = []
        if text.startswith("("):
            end = _closing(text)
            inner, types = self._expression(text[1:end], types, root)
            steps.extend(inner)
            root = False
            text = text[end + 1 :].removeprefix(".")
        segments = split_top(text, ".") if text else []
        if root:
            head = segments.pop(0) if segments else ""
            if head not in (self.resource_type, "Resource", "DomainResource"):
                raise CompileError(f"{text!r} does not start at {self.resource_type}")
        for seg in segments:
            step, types = self._segment(seg, types)
            steps.append(step)
        return steps, types

    def _segment(self, seg: str, types: set[str]) -> tuple[Step, set[str]]:
        if m := _WHERE_RESOLVE.match(seg):
            return _resolves_to(m.group(1)), types
        if m := _WHERE_EQUALS.match(seg):
            field, value = m.group(1), m.group(2)
            return (lambda nodes: [n for n in nodes if isinstance(n[0], dict) and n[0].get(field) == value]), types
        if m := _AS_CALL.match(seg):
            if m.group(1) not in types:
                raise CompileError(f"{seg!r}: {m.group(1)} is not a possible type of {sorted(types)}")
            return _of_type(m.group(1)), {m.group(1)}
        if seg == "exists()":
            self._always = True
            return (lambda nodes: [(bool(nodes), "boolean")]), {"boolean"}
        if not _IDENT.match(seg):
            raise CompileError(f"unsupported FHIRPath step {seg!r}")
        return self._child(seg, types)

    def _child(self, name: str, types: set[str]) -> tuple[Step, set[str]]:
        """Step into element `name` of every node, expanding arrays and choice types."""
        plan: dict[str, list[tuple[str, str]]] = {}  # node type -> [(json key, result type)]
        out: set[str] = set()
        for t in types:
            base = self.resource_type if t in ("Resource", "DomainResource") else t
            codes = self.elements.get(f"{base}.{name}")
            if codes is not None:
                plan[t] = [(name, codes[0])] if len(codes) == 1 else [(name, c) for c in codes]
            elif (codes := self.elements.get(f"{base}.{name}[x]")) is not None:
                plan[t] = [(name + c[0].upper() + c[1:], c) for c in codes]
            else:
                continue
            out.update(c for _, c in plan[t])
            if t == self.resource_type:
                self._roots.update(key for key, _ in plan[t])
        if not plan:
            raise CompileError(f"no element {name!r} on {sorted(types)}")
        if len(plan) == 1 and len(next(iter(plan.values()))) == 1:
            key, result = next(iter(plan.values()))[0]
            return _simple_child(key, result), out

        def child(nodes: list[Node]) -> list[Node]:
            found: list[Node] = []
            for value, t in nodes:
                if not isinstance(value, dict):
                    continue
                for key, result in plan.get(t, ()):
                    v = value.get(key)
                    if v is None:
                        continue
                    if isinstance(v, list):
                        found.extend((item, result) for item in v)
                    else:
                        found.append((v, result))
            return found

        return child, out


def _simple_child(key: str, result: str) -> Step:
    def child(nodes: list[Node]) -> list[Node]:
        found: list[Node] = []
        for value, _ in nodes:
            if isinstance(value, dict):
                v = value.get(key)
                if v is None:
                    continue
                if isinstance(v, list):
                    found.extend((item, result) for item in v)
                else:
                    found.append((v, result))
        return found

    return child


def _of_type(wanted: str) -> Step:
    return lambda nodes: [n for n in nodes if n[1] == wanted]


def reference_type(ref: dict[str, Any]) -> str | None:
    """The resource type a Reference points at: from `Type/id` (relative or absolute) or `type`."""
    text = ref.get("reference")
    if isinstance(text, str) and "/" in text:
        parts = text.split("/_history/")[0].rstrip("/").split("/")
        if len(parts) >= 2:
            return parts[-2]
    kind = ref.get("type")
    return kind if isinstance(kind, str) else None


def _resolves_to(kind: str) -> Step:
    return lambda nodes: [n for n in nodes if isinstance(n[0], dict) and reference_type(n[0]) == kind]


def _run(steps: list[Step], nodes: list[Node]) -> list[Node]:
    for step in steps:
        nodes = step(nodes)
    return nodes
