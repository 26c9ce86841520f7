"""GeoJSON files of a run: shuttle passages per road segment and the stops."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast

from ._io import edge_coordinates, plain, rounded, write_geojson
from .tables import stops_frame

if TYPE_CHECKING:
    from collections.abc import Iterator

    import numpy as np

    from ..result import Result

__all__ = ["write_link_loads_geojson", "write_stops_geojson"]


class _EdgeRow(Protocol):
    """A row of :attr:`Result.link_loads` as ``itertuples`` yields it (the edge id column)."""

    edge: np.integer[Any]


def write_link_loads_geojson(result: Result, path: Path) -> None:
    """One LineString per road edge driven, with its passages and passenger-km."""
    graph = result.resolved.graph
    loads = rounded(result.link_loads)
    features = []
    for row in cast("Iterator[_EdgeRow]", loads.itertuples(index=False)):
        props = {c: plain(getattr(row, c)) for c in loads.columns}
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "LineString",
                    "coordinates": edge_coordinates(graph, int(row.edge)),
                },
                "properties": props,
            }
        )
    write_geojson(features, path)


def write_stops_geojson(result: Result, path: Path) -> None:
    """One Point per stop, with boardings and alightings."""
    df = rounded(stops_frame(result))
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [float(r["lon"]), float(r["lat"])]},
            "properties": {k: plain(v) for k, v in r.items() if k not in ("lon", "lat")},
        }
        for r in df.to_dict(orient="records")
    ]
    write_geojson(features, path)
