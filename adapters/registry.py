"""Source name -> adapter. The CLI and the HTTP import endpoint look adapters up here."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module

from adapters.base import Adapter
from adapters.limits import ReadLimits

# Each entry names the module and the factory that builds the adapter, so importing the
# registry does not import every adapter (and its mappings) up front.
_FACTORIES: dict[str, str] = {
    "systmone": "adapters.systmone.adapter:SystmOneAdapter",
    "liquidlogic": "adapters.liquidlogic.adapter:LiquidlogicAdapter",
    "hl7v2": "adapters.hl7v2.adapter:Hl7v2Adapter",
}


class UnknownSource(KeyError):
    """No adapter is registered under that source name."""


def sources() -> list[str]:
    """Source names that have an adapter module present."""
    names = []
    for name, target in _FACTORIES.items():
        module = target.split(":")[0]
        try:
            import_module(module)
        except ModuleNotFoundError:
            continue
        names.append(name)
    return names


def get_adapter(source: str, limits: ReadLimits | None = None) -> Adapter:
    """Build the adapter for `source`, reading under `limits` (the adapters' defaults when None)."""
    try:
        module_name, attr = _FACTORIES[source].split(":")
    except KeyError:
        raise UnknownSource(source) from None
    try:
        module = import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise  # the adapter exists but something it imports is missing: a real error
        raise UnknownSource(source) from None  # named, but not part of this build (hl7v2 so far)
    factory: Callable[..., Adapter] = getattr(module, attr)
    return factory() if limits is None else factory(limits=limits)
