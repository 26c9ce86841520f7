"""klshuttle: plan and simulate automated last-mile shuttles in Kaiserslautern.

The public API re-exported here is what notebooks and scripts use; the
``klshuttle`` command line is a thin layer over it. Names are loaded lazily
(PEP 562), so ``import klshuttle`` and ``klshuttle --help`` load neither numba
nor pandas nor scipy; the first use of, say, :func:`simulate` imports them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:
    from .errors import KlshuttleError, RoutingError, UnreachableError
    from .graph import RoadGraph
    from .mapconfig import BuildSettings
    from .maps import load_map
    from .outputs import write_result
    from .result import Result
    from .routing import Route, Router, ShortestPathTree
    from .runner import simulate
    from .scenario import Scenario, load_scenario

#: Public name -> module that defines it (relative to this package).
_LAZY = {
    "BuildSettings": ".mapconfig",
    "KlshuttleError": ".errors",
    "Result": ".result",
    "RoadGraph": ".graph",
    "Route": ".routing",
    "Router": ".routing",
    "RoutingError": ".errors",
    "Scenario": ".scenario",
    "ShortestPathTree": ".routing",
    "UnreachableError": ".errors",
    "load_map": ".maps",
    "load_scenario": ".scenario",
    "simulate": ".runner",
    "write_result": ".outputs",
}

__all__ = [
    "BuildSettings",
    "KlshuttleError",
    "Result",
    "RoadGraph",
    "Route",
    "Router",
    "RoutingError",
    "Scenario",
    "ShortestPathTree",
    "UnreachableError",
    "__version__",
    "load_map",
    "load_scenario",
    "simulate",
    "write_result",
]


def __getattr__(name: str) -> Any:
    """Import a public name on first use (PEP 562)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'klshuttle' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
