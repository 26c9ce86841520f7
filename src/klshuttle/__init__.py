"""klshuttle: plan and simulate automated last-mile shuttles in Kaiserslautern.

The public API re-exported here is what notebooks and scripts use; the
``klshuttle`` command line is a thin layer over it.
"""

__version__ = "0.1.0"

from .errors import KlshuttleError, RoutingError, UnreachableError
from .graph import RoadGraph
from .maps import BuildSettings, load_map
from .routing import Route, Router, ShortestPathTree
from .runner import Result, simulate
from .scenario import Scenario, load_scenario

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
