"""klshuttle: plan and simulate automated last-mile shuttles in Kaiserslautern.

The public API re-exported here is what notebooks and scripts use; the
``klshuttle`` command line is a thin layer over it.
"""

__version__ = "0.1.0"

from .errors import KlshuttleError, RoutingError, UnreachableError  # noqa: E402
from .graph import RoadGraph  # noqa: E402
from .maps import BuildSettings, load_map  # noqa: E402
from .routing import Route, Router, ShortestPathTree  # noqa: E402
from .runner import Result, simulate  # noqa: E402
from .scenario import Scenario, load_scenario  # noqa: E402

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
    "load_map",
    "load_scenario",
    "simulate",
]
