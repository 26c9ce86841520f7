"""klshuttle: plan and simulate automated last-mile shuttles in Kaiserslautern.

The public API re-exported here is what notebooks and scripts use; the
``klshuttle`` command line is a thin layer over it.
"""

from .errors import KlshuttleError
from .graph import RoadGraph
from .maps import BuildSettings, load_map
from .scenario import Scenario, load_scenario

__all__ = [
    "BuildSettings",
    "KlshuttleError",
    "RoadGraph",
    "Scenario",
    "load_map",
    "load_scenario",
]
__version__ = "0.1.0"
