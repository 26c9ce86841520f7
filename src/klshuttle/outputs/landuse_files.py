"""Land-use files of a run: landuse.json, landuse_streets.csv, landuse.geojson.

The numbers come from :func:`klshuttle.landuse.landuse_impact`, which the
runner computes into :attr:`klshuttle.result.Result.landuse`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast

import pandas as pd
import shapely

from ._io import edge_coordinates, plain, write_csv, write_geojson, write_json

if TYPE_CHECKING:
    from collections.abc import Iterator

    import numpy as np

    from ..landuse import LandUse
    from ..result import Result

__all__ = [
    "streets_by_name",
    "write_landuse_geojson",
    "write_landuse_json",
    "write_landuse_streets",
]


class _StreetRow(Protocol):
    """A row of :attr:`LandUse.streets` as ``itertuples`` yields it (the columns used here)."""

    edge: np.integer[Any]
    name: str
    road_class: str
    length_m: float
    kerb_spaces: float
    spaces_freed: float
    area_freed_m2: float


class _LotRow(Protocol):
    """A row of :attr:`LandUse.lots` as ``itertuples`` yields it (the columns used here)."""

    geometry: shapely.Geometry
    osm_id: np.integer[Any]
    name: str
    parking: str
    spaces: float
    spaces_freed: float
    area_freed_m2: float


def _landuse(result: Result) -> LandUse:
    if result.landuse is None:
        raise ValueError(
            "the result holds no land-use impact: simulate with 'landuse' in [outputs].which"
        )
    return result.landuse


def streets_by_name(streets: pd.DataFrame) -> pd.DataFrame:
    """Street segments summed per street name and road class, most spaces freed first."""
    return (
        streets.assign(name=streets["name"].replace("", "(unnamed)"))
        .groupby(["name", "road_class"], as_index=False)[
            ["length_m", "kerb_spaces", "trip_ends_nearby", "spaces_freed", "area_freed_m2"]
        ]
        .sum()
        .sort_values(["spaces_freed", "name"], ascending=[False, True], kind="stable")
    )


def write_landuse_json(result: Result, path: Path) -> None:
    """The land-use summary with its parameters and sources."""
    write_json(_landuse(result).summary, path)


def write_landuse_streets(result: Result, path: Path) -> None:
    """Kerb spaces and spaces freed per street (:func:`streets_by_name`)."""
    write_csv(streets_by_name(_landuse(result).streets), path)


def write_landuse_geojson(result: Result, path: Path) -> None:
    """Street segments and car parks where spaces are freed, with how many."""
    _, streets, lots = _landuse(result)
    graph = result.resolved.graph
    features: list[dict[str, Any]] = []
    street_rows = streets[streets["spaces_freed"] > 0.005].itertuples(index=False)
    for row in cast("Iterator[_StreetRow]", street_rows):
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "LineString",
                    "coordinates": edge_coordinates(graph, int(row.edge)),
                },
                "properties": plain(
                    {
                        "kind": "kerb",
                        "name": row.name,
                        "road_class": row.road_class,
                        "length_m": round(float(row.length_m), 2),
                        "kerb_spaces": round(float(row.kerb_spaces), 2),
                        "spaces_freed": round(float(row.spaces_freed), 2),
                        "area_freed_m2": round(float(row.area_freed_m2), 2),
                    }
                ),
            }
        )
    lot_rows = lots[lots["spaces_freed"] > 0.005].itertuples(index=False)
    for lot in cast("Iterator[_LotRow]", lot_rows):
        geom = json.loads(shapely.to_geojson(shapely.set_precision(lot.geometry, 1e-7)))
        features.append(
            {
                "type": "Feature",
                "geometry": geom,
                "properties": plain(
                    {
                        "kind": "car_park",
                        "osm_id": int(lot.osm_id),
                        "name": lot.name,
                        "parking": lot.parking,
                        "spaces": round(float(lot.spaces), 2),
                        "spaces_freed": round(float(lot.spaces_freed), 2),
                        "area_freed_m2": round(float(lot.area_freed_m2), 2),
                    }
                ),
            }
        )
    write_geojson(features, path)
