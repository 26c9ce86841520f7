"""The service area of a scenario as geometry: polygon, metric polygon, km².

:func:`resolve_area` turns the ``[map] area`` of a scenario into a
:class:`ServiceArea` on a given road graph and checks that it lies on the
network (a polygon off the map, or a street the map does not have, is an error).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray

from .errors import ScenarioError
from .graph import RoadGraph, to_lonlat, to_metric
from .places import suggest
from .scenario import (
    BboxArea,
    NetworkArea,
    PointSpec,
    PolygonArea,
    StopsAroundArea,
    StreetsArea,
)

__all__ = ["ServiceArea", "resolve_area"]

#: Fewer graph nodes than this inside the area cannot carry a shuttle service.
MIN_NODES_IN_AREA = 3

#: The convex hull of the network is buffered by this much for the "network" area,
#: so that buildings and stops at the edge of the map are inside (assumption).
_NETWORK_BUFFER_M = 100.0


@dataclass(frozen=True, eq=False)
class ServiceArea:
    """Where the service runs.

    Attributes
    ----------
    polygon
        The area as a lon/lat shapely (Multi)Polygon.
    polygon_m
        The same in ETRS89 / UTM 32N metres (prepared for fast point tests).
    area_km2
        Its area in km².
    description
        One line saying how it was defined ("buffer of 400 m around Trippstadter Straße").
    node_inside
        For each graph node, whether it lies inside.
    """

    polygon: Any
    polygon_m: Any
    area_km2: float
    description: str
    node_inside: NDArray[np.bool_] = field(repr=False)

    @property
    def n_nodes(self) -> int:
        """Graph nodes inside the area."""
        return int(self.node_inside.sum())

    def contains(self, lon: ArrayLike, lat: ArrayLike) -> NDArray[np.bool_]:
        """Whether each lon/lat point lies inside the area (boundary counts as inside)."""
        x, y = to_metric(np.atleast_1d(lon), np.atleast_1d(lat))
        return self.contains_xy_m(x, y)

    def contains_xy_m(self, x: ArrayLike, y: ArrayLike) -> NDArray[np.bool_]:
        """Whether each metric point lies inside the area."""
        return np.asarray(
            shapely.intersects_xy(self.polygon_m, np.asarray(x), np.asarray(y)), dtype=bool
        )

    def to_geojson(self) -> dict[str, Any]:
        """The area as a GeoJSON Feature (lon/lat)."""
        return {
            "type": "Feature",
            "properties": {"area_km2": round(self.area_km2, 4), "description": self.description},
            "geometry": shapely.geometry.mapping(self.polygon),
        }


def _metric(geom: Any) -> Any:
    return shapely.transform(geom, lambda xy: np.column_stack(to_metric(xy[:, 0], xy[:, 1])))


def _lonlat(geom: Any) -> Any:
    return shapely.transform(geom, lambda xy: np.column_stack(to_lonlat(xy[:, 0], xy[:, 1])))


Locate = Callable[[Any, str], tuple[float, float, str]]


def resolve_area(
    spec: Any,
    graph: RoadGraph,
    *,
    locate: Locate | None = None,
    where: str = "map.area",
) -> ServiceArea:
    """Build the service area of a scenario on a road graph.

    Parameters
    ----------
    spec
        The scenario's ``map.area`` (one of the area models of :mod:`klshuttle.scenario`).
    graph
        The road graph the service runs on.
    locate
        ``locate(location, prefer) -> (lon, lat, label)`` to find named stops
        and places (needed for ``type = "stops"``).
    where
        Key path used in error messages.

    Raises
    ------
    ScenarioError
        The area lies off the map, names an unknown street, or holds too few
        road nodes to serve.
    """
    gx, gy = graph.x, graph.y
    poly_m: Any
    if isinstance(spec, NetworkArea):
        hull = shapely.MultiPoint(np.column_stack([gx, gy])).convex_hull
        poly_m = hull.buffer(_NETWORK_BUFFER_M)
        desc = "the whole road network (convex hull + 100 m)"
    elif isinstance(spec, PolygonArea):
        poly_m = _metric(shapely.Polygon(spec.polygon))
        desc = f"polygon of {len(spec.polygon)} points"
    elif isinstance(spec, BboxArea):
        poly_m = _metric(shapely.box(*spec.bbox).segmentize(0.001))
        w, s, e, n = spec.bbox
        desc = f"bbox W {w:.4f}, S {s:.4f}, E {e:.4f}, N {n:.4f}"
    elif isinstance(spec, StreetsArea):
        parts: list[Any] = []
        for i, name in enumerate(spec.streets):
            edges = graph.edges_named(name)
            if len(edges) == 0:
                close = suggest(name, list(graph.street_names))
                hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
                raise ScenarioError(
                    f"{where}.streets[{i}]: no street named {name!r} on the road network{hint}"
                )
            parts.extend(graph.edge_geometry(int(k)) for k in edges)
        poly_m = _metric(shapely.MultiLineString(parts)).buffer(spec.buffer_m)
        desc = f"{spec.buffer_m:g} m around {', '.join(spec.streets)}"
    elif isinstance(spec, StopsAroundArea):
        if locate is None:
            raise ScenarioError(f"{where}: stops need a stop lookup")
        pts = []
        labels = []
        for i, loc in enumerate(spec.stops):
            lon, lat, label = locate(loc, f"{where}.stops[{i}]")
            pts.append(to_metric(lon, lat))
            labels.append(label if not isinstance(loc, PointSpec) else (loc.name or label))
        poly_m = shapely.MultiPoint([(float(x), float(y)) for x, y in pts]).buffer(spec.buffer_m)
        desc = f"{spec.buffer_m:g} m around {', '.join(labels)}"
    else:  # pragma: no cover - the schema admits no other type
        raise ScenarioError(f"{where}: unknown area type {type(spec).__name__}")

    poly_m = shapely.make_valid(poly_m)
    inside = np.asarray(shapely.intersects_xy(poly_m, gx, gy), dtype=bool)
    if not inside.any():
        w, s, e, n = graph.bbox
        raise ScenarioError(
            f"{where}: the service area lies off the road network (no road node inside; "
            f"the map covers W {w:.4f}, S {s:.4f}, E {e:.4f}, N {n:.4f})"
        )
    if inside.sum() < MIN_NODES_IN_AREA:
        raise ScenarioError(
            f"{where}: the service area holds only {int(inside.sum())} road node(s); "
            f"at least {MIN_NODES_IN_AREA} are needed"
        )
    shapely.prepare(poly_m)
    return ServiceArea(
        polygon=_lonlat(poly_m),
        polygon_m=poly_m,
        area_km2=float(poly_m.area) / 1e6,
        description=desc,
        node_inside=inside,
    )
