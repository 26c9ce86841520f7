"""The compiled road graph: frozen CSR arrays that kernels and writers share.

A :class:`RoadGraph` is built once from OpenStreetMap by :mod:`klshuttle.maps`
and then never changes. Node ids are contiguous ``int32`` indices ``0..n-1``;
the OSM id of node ``i`` is ``osmid[i]``. Edges are stored in CSR order: the
edges leaving node ``u`` are ``indptr[u]:indptr[u + 1]``, edge ``k`` ends at
``indices[k]``, and every per-edge array (``travel_time_s``, ``length_m``,
``road_class``, geometry, ...) is indexed by the same ``k``.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np
from numpy.typing import ArrayLike, NDArray
from pyproj import Transformer
from scipy.spatial import cKDTree
from shapely import LineString

if TYPE_CHECKING:
    from shapely import STRtree

from .errors import MapBuildError
from .places import normalize_name

__all__ = ["GRAPH_FORMAT_VERSION", "METRIC_CRS", "RoadGraph", "to_lonlat", "to_metric"]

#: Bumped whenever the arrays or their meaning change; part of the cache key.
GRAPH_FORMAT_VERSION = 1

#: ETRS89 / UTM zone 32N: the metric CRS for Kaiserslautern.
METRIC_CRS = "EPSG:25832"

_TO_METRIC = Transformer.from_crs("EPSG:4326", METRIC_CRS, always_xy=True)
_TO_LONLAT = Transformer.from_crs(METRIC_CRS, "EPSG:4326", always_xy=True)


def to_metric(lon: ArrayLike, lat: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Project WGS84 lon/lat to ETRS89 / UTM 32N metres.

    Parameters
    ----------
    lon, lat
        Longitudes and latitudes in degrees.

    Returns
    -------
    x_m, y_m
        Easting and northing in metres, as float64 arrays.
    """
    x, y = _TO_METRIC.transform(
        np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
    )
    return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)


def to_lonlat(x_m: ArrayLike, y_m: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Project ETRS89 / UTM 32N metres back to WGS84 lon/lat degrees."""
    lon, lat = _TO_LONLAT.transform(
        np.asarray(x_m, dtype=np.float64), np.asarray(y_m, dtype=np.float64)
    )
    return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)


def _frozen(a: ArrayLike, dtype: Any) -> NDArray[Any]:
    arr = np.ascontiguousarray(a, dtype=dtype)
    arr.flags.writeable = False
    return arr


# The arrays that make up a RoadGraph, with their dtypes; the order is the
# order of the dataclass fields and of the cache file.
_ARRAY_FIELDS: dict[str, Any] = {
    "indptr": np.int64,
    "indices": np.int32,
    "travel_time_s": np.float64,
    "length_m": np.float64,
    "speed_kmh": np.float64,
    "road_class": np.int8,
    "name_code": np.int32,
    "edge_osmid": np.int64,
    "geom_indptr": np.int64,
    "geom_lon": np.float64,
    "geom_lat": np.float64,
    "lon": np.float64,
    "lat": np.float64,
    "osmid": np.int64,
}


@dataclass(frozen=True, eq=False)
class RoadGraph:
    """A directed road graph in CSR form, ready for numba kernels.

    Attributes
    ----------
    indptr : ndarray of int64, shape (n_nodes + 1,)
        Edges leaving node ``u`` are ``indptr[u]:indptr[u + 1]``.
    indices : ndarray of int32, shape (n_edges,)
        Head node of each edge.
    travel_time_s : ndarray of float64, shape (n_edges,)
        Free-flow travel time of each edge for the shuttle, in seconds.
    length_m : ndarray of float64, shape (n_edges,)
        Length of each edge in metres.
    speed_kmh : ndarray of float64, shape (n_edges,)
        Shuttle speed on each edge (speed limit capped by the vehicle).
    road_class : ndarray of int8, shape (n_edges,)
        Index into ``road_class_names`` (the OSM ``highway`` value).
    name_code : ndarray of int32, shape (n_edges,)
        Index into ``street_names``; -1 for an unnamed edge.
    edge_osmid : ndarray of int64, shape (n_edges,)
        OSM id of (the first) way the edge comes from.
    geom_indptr : ndarray of int64, shape (n_edges + 1,)
        Vertices of edge ``k``'s polyline are ``geom_indptr[k]:geom_indptr[k + 1]``
        in ``geom_lon`` / ``geom_lat``.
    lon, lat : ndarray of float64, shape (n_nodes,)
        Node coordinates in WGS84 degrees.
    osmid : ndarray of int64, shape (n_nodes,)
        OSM node id of each node.
    road_class_names, street_names : tuple of str
        Lookup tables for ``road_class`` and ``name_code``.
    meta : mapping
        How the graph was built: source, settings, content hash, drop report.
    """

    indptr: NDArray[np.int64]
    indices: NDArray[np.int32]
    travel_time_s: NDArray[np.float64]
    length_m: NDArray[np.float64]
    speed_kmh: NDArray[np.float64]
    road_class: NDArray[np.int8]
    name_code: NDArray[np.int32]
    edge_osmid: NDArray[np.int64]
    geom_indptr: NDArray[np.int64]
    geom_lon: NDArray[np.float64]
    geom_lat: NDArray[np.float64]
    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    osmid: NDArray[np.int64]
    road_class_names: tuple[str, ...]
    street_names: tuple[str, ...]
    meta: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name, dtype in _ARRAY_FIELDS.items():
            object.__setattr__(self, name, _frozen(getattr(self, name), dtype))
        n, m = self.lon.shape[0], self.indices.shape[0]
        checks = {
            "indptr": self.indptr.shape == (n + 1,) and (n == 0 or self.indptr[-1] == m),
            "per-edge arrays": all(
                getattr(self, k).shape == (m,)
                for k in ("travel_time_s", "length_m", "speed_kmh", "road_class", "name_code")
            ),
            "geometry": self.geom_indptr.shape == (m + 1,),
            "node arrays": self.lat.shape == (n,) and self.osmid.shape == (n,),
            "edge heads": m == 0 or (self.indices.min() >= 0 and self.indices.max() < n),
        }
        bad = [k for k, ok in checks.items() if not ok]
        if bad:
            raise MapBuildError(f"inconsistent road graph arrays: {', '.join(bad)}")

    # ------------------------------------------------------------------ sizes
    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return int(self.lon.shape[0])

    @property
    def n_edges(self) -> int:
        """Number of directed edges."""
        return int(self.indices.shape[0])

    # --------------------------------------------------------------- derived
    @cached_property
    def x(self) -> NDArray[np.float64]:
        """Node eastings in ETRS89 / UTM 32N metres."""
        return _frozen(to_metric(self.lon, self.lat)[0], np.float64)

    @cached_property
    def y(self) -> NDArray[np.float64]:
        """Node northings in ETRS89 / UTM 32N metres."""
        return _frozen(to_metric(self.lon, self.lat)[1], np.float64)

    @cached_property
    def edge_source(self) -> NDArray[np.int32]:
        """Tail node of each edge (the CSR row that holds it)."""
        return _frozen(np.repeat(np.arange(self.n_nodes), np.diff(self.indptr)), np.int32)

    @cached_property
    def reverse_csr(self) -> tuple[NDArray[np.int64], NDArray[np.int32], NDArray[np.int64]]:
        """The transposed graph: edges entering each node.

        Returns
        -------
        indptr : ndarray of int64, shape (n_nodes + 1,)
        sources : ndarray of int32
            Tail node of each incoming edge.
        edge : ndarray of int64
            Forward edge index of each incoming edge, to look up weights.
        """
        order = np.argsort(self.indices, kind="stable")
        counts = np.bincount(self.indices, minlength=self.n_nodes)
        indptr = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
        return (
            _frozen(indptr, np.int64),
            _frozen(self.edge_source[order], np.int32),
            _frozen(order, np.int64),
        )

    @cached_property
    def _kdtree(self) -> cKDTree:
        return cKDTree(np.column_stack([self.x, self.y]))

    @cached_property
    def _edge_lines_m(self) -> tuple[NDArray[np.object_], STRtree]:
        import shapely

        gx, gy = to_metric(self.geom_lon, self.geom_lat)
        coords = np.column_stack([gx, gy])
        parts = np.repeat(np.arange(self.n_edges), np.diff(self.geom_indptr))
        lines = np.asarray(shapely.linestrings(coords, indices=parts))  # one per edge
        return lines, shapely.STRtree(lines)

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        """Bounding box of the nodes as (west, south, east, north) degrees."""
        return (
            float(self.lon.min()),
            float(self.lat.min()),
            float(self.lon.max()),
            float(self.lat.max()),
        )

    # -------------------------------------------------------------- snapping
    def nearest_nodes(
        self, lon: ArrayLike, lat: ArrayLike
    ) -> tuple[NDArray[np.int32] | int, NDArray[np.float64] | float]:
        """Snap points to their nearest graph node.

        Parameters
        ----------
        lon, lat
            Point coordinates in WGS84 degrees: scalars or arrays of one shape.

        Returns
        -------
        node_index
            Index of the nearest node of each point (int32; a Python int for
            scalar input).
        distance_m
            Straight-line distance from the point to that node in metres, so
            callers can reject points too far from the network.
        """
        scalar = np.ndim(lon) == 0 and np.ndim(lat) == 0
        x, y = to_metric(np.atleast_1d(lon), np.atleast_1d(lat))
        dist, idx = self._kdtree.query(np.column_stack([x.ravel(), y.ravel()]))
        idx = idx.astype(np.int32).reshape(x.shape)
        dist = dist.astype(np.float64).reshape(x.shape)
        if scalar:
            return int(idx[0]), float(dist[0])
        return idx, dist

    def nearest_edges(
        self, lon: ArrayLike, lat: ArrayLike
    ) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]:
        """Snap points to the nearest position on a road edge.

        Parameters
        ----------
        lon, lat
            Point coordinates in WGS84 degrees (arrays of one shape, or scalars).

        Returns
        -------
        edge_index : ndarray of int64
            Nearest edge of each point. Of two opposite edges of a two-way
            street the one listed first wins.
        distance_m : ndarray of float64
            Distance from the point to that edge in metres.
        offset_m : ndarray of float64
            Position of the snapped point along the edge, in metres from its tail.
        """
        import shapely

        x, y = to_metric(np.atleast_1d(lon), np.atleast_1d(lat))
        pts = np.asarray(shapely.points(x.ravel(), y.ravel()))
        lines, tree = self._edge_lines_m
        (pi, ei), dist = tree.query_nearest(pts, return_distance=True, all_matches=False)
        edge = np.empty(len(pts), dtype=np.int64)
        d = np.empty(len(pts), dtype=np.float64)
        edge[pi] = ei
        d[pi] = dist
        offset = shapely.line_locate_point(lines[edge], pts)
        # the projected polyline length differs slightly from the geodesic length
        scale = self.length_m[edge] / np.maximum(shapely.length(lines[edge]), 1e-9)
        return edge, d, np.asarray(offset * scale, dtype=np.float64)

    def nearest_road_points(
        self, lon: ArrayLike, lat: ArrayLike
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """The nearest point on a road edge to each point (WGS84 in, WGS84 out)."""
        import shapely

        x, y = to_metric(np.atleast_1d(lon), np.atleast_1d(lat))
        pts = shapely.points(x.ravel(), y.ravel())
        lines, _ = self._edge_lines_m
        edge, _, _ = self.nearest_edges(lon, lat)
        on = shapely.line_interpolate_point(
            lines[edge], shapely.line_locate_point(lines[edge], pts)
        )
        return to_lonlat(shapely.get_x(on), shapely.get_y(on))

    # --------------------------------------------------------------- geometry
    def edge_geometry(self, k: int) -> LineString:
        """Return edge ``k`` as a lon/lat LineString."""
        a, b = int(self.geom_indptr[k]), int(self.geom_indptr[k + 1])
        return LineString(np.column_stack([self.geom_lon[a:b], self.geom_lat[a:b]]))

    def edge_name(self, k: int) -> str:
        """Return the street name of edge ``k`` ('' when unnamed)."""
        code = int(self.name_code[k])
        return self.street_names[code] if code >= 0 else ""

    def edges_named(self, name: str) -> NDArray[np.int64]:
        """Return the indices of all edges whose street name equals ``name``.

        The comparison uses :func:`klshuttle.places.normalize_name` (case,
        spaces, hyphens and "Straße"/"Strasse"/"Str." are ignored).
        """
        key = normalize_name(name)
        codes = [i for i, s in enumerate(self.street_names) if normalize_name(s) == key]
        return np.flatnonzero(np.isin(self.name_code, codes)).astype(np.int64)

    def km_by_road_class(self) -> dict[str, float]:
        """Kilometres of directed edge per road class, largest first."""
        km = np.bincount(
            self.road_class, weights=self.length_m, minlength=len(self.road_class_names)
        )
        pairs = sorted(
            (
                (self.road_class_names[i], float(km[i]) / 1000.0)
                for i in range(len(km))
                if km[i] > 0
            ),
            key=lambda p: -p[1],
        )
        return dict(pairs)

    # ----------------------------------------------------------------- interop
    def to_networkx(self) -> nx.MultiDiGraph:
        """Return the graph as a networkx MultiDiGraph.

        Nodes are the indices ``0..n-1`` with ``lon``, ``lat`` and ``osmid``
        attributes; edge keys are the CSR edge indices, with attributes
        ``travel_time_s``, ``length_m``, ``road_class`` and ``name``.
        """
        G = nx.MultiDiGraph(crs="EPSG:4326")
        G.add_nodes_from(
            (i, {"lon": float(self.lon[i]), "lat": float(self.lat[i]), "osmid": int(self.osmid[i])})
            for i in range(self.n_nodes)
        )
        src = self.edge_source
        G.add_edges_from(
            (
                int(src[k]),
                int(self.indices[k]),
                k,
                {
                    "travel_time_s": float(self.travel_time_s[k]),
                    "length_m": float(self.length_m[k]),
                    "road_class": self.road_class_names[self.road_class[k]],
                    "name": self.edge_name(k),
                },
            )
            for k in range(self.n_edges)
        )
        return G

    # ----------------------------------------------------------------- storage
    def save(self, path: Path) -> None:
        """Write the graph to an ``.npz`` file (atomically: temp file, then rename)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        arrays = {name: getattr(self, name) for name in _ARRAY_FIELDS}
        try:
            with tmp.open("wb") as fh:
                np.savez(
                    fh,
                    **arrays,
                    road_class_names=np.array(self.road_class_names, dtype=str),
                    street_names=np.array(self.street_names, dtype=str),
                    meta=np.array(json.dumps(dict(self.meta), sort_keys=True)),
                    format_version=np.array(GRAPH_FORMAT_VERSION),
                )
            tmp.replace(path)
        finally:
            tmp.unlink(missing_ok=True)

    @classmethod
    def load(cls, path: Path) -> RoadGraph:
        """Read a graph written by :meth:`save`.

        Raises
        ------
        MapBuildError
            If the file is not a klshuttle graph of the current format.
        """
        try:
            with np.load(Path(path), allow_pickle=False) as data:
                if int(data["format_version"]) != GRAPH_FORMAT_VERSION:
                    raise MapBuildError(f"{path}: graph format {int(data['format_version'])}")
                kwargs: dict[str, Any] = {name: data[name] for name in _ARRAY_FIELDS}
                kwargs["road_class_names"] = tuple(str(s) for s in data["road_class_names"])
                kwargs["street_names"] = tuple(str(s) for s in data["street_names"])
                kwargs["meta"] = json.loads(str(data["meta"]))
            return cls(**kwargs)
        except (OSError, KeyError, ValueError, TypeError, IndexError, EOFError) as exc:
            raise MapBuildError(f"{path}: not a readable klshuttle graph ({exc})") from exc
        except zipfile.BadZipFile as exc:  # a truncated or overwritten file
            raise MapBuildError(f"{path}: not a readable klshuttle graph ({exc})") from exc
