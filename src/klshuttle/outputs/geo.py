"""GeoJSON files of a run: shuttle passages per road segment and the stops.

Both are public: they show the aggregated counts of :mod:`.privacy`
(:func:`~.privacy.public_link_loads`, :func:`~.privacy.public_stops`). The
``*_features`` functions also feed the layers of ``layers.gpkg``.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ._io import edge_coordinates, plain, rounded, write_geojson
from .privacy import public_link_loads, public_stops

if TYPE_CHECKING:
    from ..result import Result

__all__ = [
    "link_loads_features",
    "stops_features",
    "write_link_loads_geojson",
    "write_stops_geojson",
]


def _no_na(row: Mapping[Hashable, Any]) -> dict[str, Any]:
    """Missing values (a count blanked by :mod:`.privacy`) as None."""
    return {str(k): None if v is pd.NA else v for k, v in row.items()}


def link_loads_features(result: Result) -> list[dict[str, Any]]:
    """One LineString per published road edge, with passages, riders and passenger-km."""
    graph = result.resolved.graph
    loads, _ = public_link_loads(result)
    loads = rounded(loads)
    features = []
    for row in loads.to_dict(orient="records"):
        edge = int(row.pop("edge"))
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": edge_coordinates(graph, edge)},
                "properties": plain(_no_na(row)),
            }
        )
    return features


def stops_features(result: Result) -> list[dict[str, Any]]:
    """One Point per stop, with boardings and alightings (small counts merged)."""
    stops, _ = public_stops(result)
    df = rounded(stops)
    return [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [float(r["lon"]), float(r["lat"])]},
            "properties": {k: plain(v) for k, v in r.items() if k not in ("lon", "lat")},
        }
        for r in df.to_dict(orient="records")
    ]


def write_link_loads_geojson(result: Result, path: Path) -> None:
    """link_loads.geojson: :func:`link_loads_features`."""
    write_geojson(link_loads_features(result), path)


def write_stops_geojson(result: Result, path: Path) -> None:
    """stops.geojson: :func:`stops_features`."""
    write_geojson(stops_features(result), path)
