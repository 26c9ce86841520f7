"""``public/layers.gpkg``: the public map layers of a run in one GeoPackage (QGIS, ArcGIS).

Each layer is listed once in :data:`GPKG_LAYERS` with its geometry type and
the function that gives its GeoJSON-like features (the same features as the
public GeoJSON files, so the aggregation of :mod:`.privacy` holds here too),
or None when the run has no such layer (no land-use impact computed, ...). To
add a layer (an accessibility grid, ...), add one :class:`GpkgLayer` line.

Every layer is in WGS84 (EPSG:4326), like the GeoJSON files; invalid
geometries are repaired (:func:`shapely.make_valid`) or left out. The file
is written through geopandas and pyogrio with a fixed GeoPackage timestamp, so
the same run gives the same bytes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from .geo import link_loads_features, stops_features
from .landuse_files import landuse_features

if TYPE_CHECKING:
    import geopandas as gpd

    from ..result import Result

__all__ = ["CRS", "GPKG_LAYERS", "GpkgLayer", "gpkg_frames", "write_gpkg"]

log = logging.getLogger(__name__)

#: The coordinate reference system of every layer.
CRS = "EPSG:4326"
#: The GeoPackage timestamps (gpkg_contents.last_change): fixed, for identical bytes.
_GPKG_DATE = "2000-01-01T00:00:00.000Z"

Features = Callable[["Result"], "list[dict[str, Any]] | None"]


@dataclass(frozen=True)
class GpkgLayer:
    """One layer of layers.gpkg.

    Attributes
    ----------
    name
        The layer (table) name.
    geometry_type
        ``"Point"``, ``"LineString"``, ``"MultiPolygon"`` ...
    features
        ``features(result)``: GeoJSON-like features in lon/lat, or None when
        the run has no such layer.
    """

    name: str
    geometry_type: str
    features: Features


def _landuse_kind(kind: str) -> Features:
    def features(result: Result) -> list[dict[str, Any]] | None:
        if result.landuse is None:
            return None
        return [f for f in landuse_features(result) if f["properties"]["kind"] == kind]

    return features


#: The layers of layers.gpkg, in writing order.
GPKG_LAYERS: tuple[GpkgLayer, ...] = (
    GpkgLayer("link_loads", "LineString", link_loads_features),
    GpkgLayer("stops", "Point", stops_features),
    GpkgLayer("landuse_streets", "LineString", _landuse_kind("kerb")),
    GpkgLayer("landuse_car_parks", "MultiPolygon", _landuse_kind("car_park")),
)


def _valid(frame: gpd.GeoDataFrame, layer: GpkgLayer) -> gpd.GeoDataFrame:
    """Repair invalid geometries; drop what stays invalid or empty."""
    geoms = frame.geometry.to_numpy()
    bad = ~shapely.is_valid(geoms)
    if bad.any():
        fixed = shapely.make_valid(geoms[bad])
        if layer.geometry_type.endswith("Polygon"):
            # a repaired polygon may come back as a collection with lines: keep the areas
            parts = [
                shapely.multipolygons([p for p in shapely.get_parts(g) if p.geom_type == "Polygon"])
                for g in fixed
            ]
            fixed = np.array(parts, dtype=object)
        geoms = geoms.copy()
        geoms[bad] = fixed
        frame = frame.set_geometry(geoms, crs=CRS)
    keep = shapely.is_valid(geoms) & ~shapely.is_empty(geoms)
    if not keep.all():
        log.warning("layers.gpkg %s: %d invalid geometries left out", layer.name, (~keep).sum())
    return frame.loc[keep].reset_index(drop=True)


def gpkg_frames(result: Result) -> dict[str, tuple[gpd.GeoDataFrame, str]]:
    """The layers of this run: name -> (GeoDataFrame in EPSG:4326, geometry type)."""
    import geopandas as gpd

    out = {}
    for layer in GPKG_LAYERS:
        feats = layer.features(result)
        if feats is None:
            continue
        if feats:
            frame = gpd.GeoDataFrame.from_features(feats, crs=CRS)
            # from_features puts geometry first; keep the properties' order after it
            frame = _valid(frame, layer)
        else:
            frame = gpd.GeoDataFrame(geometry=gpd.GeoSeries([], crs=CRS))
        out[layer.name] = (frame, layer.geometry_type)
    return out


def write_gpkg(result: Result, path: Path) -> None:
    """Write layers.gpkg: every layer of :data:`GPKG_LAYERS` the run has."""
    import pyogrio

    old = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": _GPKG_DATE})
    try:
        for name, (frame, geometry_type) in gpkg_frames(result).items():
            pyogrio.write_dataframe(
                frame,
                path,
                layer=name,
                driver="GPKG",
                geometry_type=geometry_type,
                promote_to_multi=geometry_type.startswith("Multi"),
            )
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": old})
