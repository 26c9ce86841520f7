"""klshuttle: plan and simulate automated last-mile shuttles in Kaiserslautern.

The public API re-exported here is what notebooks and scripts use; the
``klshuttle`` command line is a thin layer over it.
"""

from .errors import KlshuttleError
from .graph import RoadGraph
from .maps import BuildSettings, load_map

__all__ = ["BuildSettings", "KlshuttleError", "RoadGraph", "load_map"]
__version__ = "0.1.0"
