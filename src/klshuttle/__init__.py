"""klshuttle: plan and simulate automated last-mile shuttles in Kaiserslautern.

The public API re-exported here is what notebooks and scripts use; the
``klshuttle`` command line is a thin layer over it.
"""

from .errors import KlshuttleError, RoutingError, UnreachableError
from .graph import RoadGraph
from .maps import BuildSettings, load_map
from .routing import Route, Router, ShortestPathTree

__all__ = [
    "BuildSettings",
    "KlshuttleError",
    "RoadGraph",
    "Route",
    "Router",
    "RoutingError",
    "ShortestPathTree",
    "UnreachableError",
    "load_map",
]
__version__ = "0.1.0"
