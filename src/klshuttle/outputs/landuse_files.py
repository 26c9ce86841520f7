"""Land-use files of a run: landuse.json, landuse_streets.csv, landuse.geojson.

The numbers come from :func:`klshuttle.landuse.landuse_impact`, which the
runner computes into :attr:`klshuttle.result.Result.landuse`. All three are
public: the per-street count of trip ends nearby is blanked where it is
between 1 and k - 1 (:func:`.privacy.public_streets`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import shapely

from ._io import edge_coordinates, plain, write_csv, write_geojson, write_json
from .privacy import privacy_of, public_streets

if TYPE_CHECKING:
    from ..landuse import LandUse
    from ..result import Result

__all__ = [
    "landuse_features",
    "streets_by_name",
    "write_landuse_geojson",
    "write_landuse_json",
    "write_landuse_streets",
]


def _landuse(result: Result) -> LandUse:
    if result.landuse is None:
        raise ValueError(
            "the result holds no land-use impact: simulate with 'landuse' in [outputs].which"
        )
    return result.landuse


def streets_by_name(streets: pd.DataFrame) -> pd.DataFrame:
    """Street segments summed per street name and road class, most spaces freed first.

    ``homes_nearby`` and ``destinations_nearby`` count the served trips whose
    rider's home (destination) lies nearest this street; each trip counts once,
    so neither column adds up to more than the day's served trips.
    """
    return (
        streets.assign(name=streets["name"].replace("", "(unnamed)"))
        .groupby(["name", "road_class"], as_index=False)[
            [
                "length_m",
                "kerb_spaces",
                "removable_spaces",
                "homes_nearby",
                "destinations_nearby",
                "spaces_freed_home",
                "spaces_freed_destination",
                "spaces_freed",
                "area_freed_m2",
            ]
        ]
        .sum()
        .sort_values(["spaces_freed", "name"], ascending=[False, True], kind="stable")
    )


def write_landuse_json(result: Result, path: Path) -> None:
    """The land-use chain step by step, its three cases, parameters and sources."""
    write_json(_landuse(result).summary, path)


def write_landuse_streets(result: Result, path: Path) -> None:
    """Kerb spaces and spaces freed per street (:func:`streets_by_name`), small counts blanked."""
    streets = streets_by_name(_landuse(result).streets)
    write_csv(public_streets(streets, privacy_of(result).min_trips)[0], path)


def write_landuse_geojson(result: Result, path: Path) -> None:
    """Street segments and car parks where spaces are freed (:func:`landuse_features`)."""
    write_geojson(landuse_features(result), path)


def landuse_features(result: Result) -> list[dict[str, Any]]:
    """Street segments and car parks where spaces are freed, with how many."""
    _, streets, lots = _landuse(result)
    graph = result.resolved.graph
    features: list[dict[str, Any]] = []
    row: dict[Any, Any]
    for row in streets[streets["spaces_freed"] > 0].to_dict("records"):
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "LineString",
                    "coordinates": edge_coordinates(graph, int(row["edge"])),
                },
                "properties": plain(
                    {
                        "kind": "kerb",
                        "name": row["name"],
                        "road_class": row["road_class"],
                        "length_m": round(float(row["length_m"]), 2),
                        "kerb_spaces": int(row["kerb_spaces"]),
                        "homes_nearby": int(row["homes_nearby"]),
                        "destinations_nearby": int(row["destinations_nearby"]),
                        "spaces_freed_home": int(row["spaces_freed_home"]),
                        "spaces_freed_destination": int(row["spaces_freed_destination"]),
                        "spaces_freed": int(row["spaces_freed"]),
                        "area_freed_m2": round(float(row["area_freed_m2"]), 2),
                    }
                ),
            }
        )
    for row in lots[lots["spaces_freed"] > 0].to_dict("records"):
        geom = json.loads(shapely.to_geojson(shapely.set_precision(row["geometry"], 1e-7)))
        features.append(
            {
                "type": "Feature",
                "geometry": geom,
                "properties": plain(
                    {
                        "kind": "car_park",
                        "osm_id": int(row["osm_id"]),
                        "name": row["name"],
                        "parking": row["parking"],
                        "spaces": int(row["spaces"]),
                        "destinations_nearby": int(row["destinations_nearby"]),
                        "spaces_freed": int(row["spaces_freed"]),
                        "area_freed_m2": round(float(row["area_freed_m2"]), 2),
                    }
                ),
            }
        )
    return features
