"""Errors that klshuttle raises for user mistakes and unusable inputs.

Every error here carries a message meant to be shown to a user as one line;
the command line prints it without a traceback and exits non-zero.
"""

from __future__ import annotations

__all__ = [
    "DemandError",
    "KlshuttleError",
    "MapBuildError",
    "MapSourceError",
    "OutputError",
    "OutputExistsError",
    "PublishError",
    "RoutingError",
    "ScenarioError",
    "SnapError",
    "UnreachableError",
]


class KlshuttleError(Exception):
    """Base class of every error klshuttle raises on purpose."""


class MapSourceError(KlshuttleError, LookupError):
    """No usable map source: a missing file, no network, nothing configured."""


class MapBuildError(KlshuttleError, ValueError):
    """The map source was read but gives no usable road graph."""


class SnapError(KlshuttleError, ValueError):
    """A point lies too far from the road network to be used."""


class RoutingError(KlshuttleError, ValueError):
    """A routing request cannot be answered (bad node index, too large a matrix)."""


class UnreachableError(RoutingError):
    """No path exists between two nodes of the road graph."""


class ScenarioError(KlshuttleError, ValueError):
    """A scenario file is malformed or describes something impossible."""


class DemandError(KlshuttleError, ValueError):
    """A demand model cannot produce requests (bad CSV rows, empty area, ...)."""


class OutputExistsError(KlshuttleError, FileExistsError):
    """An output folder exists and would be overwritten."""


class PublishError(KlshuttleError, ValueError):
    """A run folder cannot be published (no public part, links, a target inside it)."""


class OutputError(KlshuttleError):
    """An output cannot be written: a file in the way, no permission, a full disk."""
