"""The gateway's terminology as pure functions: `$lookup`, `$expand` and `$translate` over the
CodeSystems, ValueSets and code maps in `mappings/`. The HTTP layer only wires these up."""

from __future__ import annotations

from gateway.terminology.expand import expand
from gateway.terminology.lookup import lookup
from gateway.terminology.registry import Terminology, default_terminology
from gateway.terminology.translate import translate

__all__ = ["Terminology", "default_terminology", "expand", "lookup", "translate"]
