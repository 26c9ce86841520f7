"""Stops of a service (OSM, given, virtual) and the assignment of requests to stops.

Stops
-----
OSM stops are the named bus-stop objects of the map (``highway=bus_stop``,
bus platforms and stop positions, platform ways at their centroid). Objects
that share a name and lie within ``merge_distance_m`` of each other (single
linkage) are one stop, placed at their mean position; unnamed objects within
30 m of a named stop join it, others are ignored. Each stop is snapped to its
nearest graph node (``node``, ``snap_m``); ``edge_m`` is its distance to the
nearest road edge, which must not exceed ``map.max_snap_m``.

Stop assignment
---------------
:func:`assign_stops` gives each request its nearest pickup and drop-off stop
within walking reach (straight line x a detour factor).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy.spatial import cKDTree

from .area import ServiceArea
from .events import RejectReason
from .graph import RoadGraph, to_metric
from .osmfeatures import OsmFeatures
from .places import normalize_name

if TYPE_CHECKING:
    from .demand import Requests

__all__ = [
    "REJECT_NO_STOP",
    "REJECT_SAME_STOP",
    "FixedStop",
    "OsmStopCluster",
    "StopAssignment",
    "Stops",
    "assign_stops",
    "make_stops",
    "merge_osm_stops",
    "virtual_stops",
]

#: Reason codes of :class:`StopAssignment` (the simulator's rejection reasons).
REJECT_NO_STOP = RejectReason.no_stop_in_reach.label
REJECT_SAME_STOP = RejectReason.same_stop.label

#: Unnamed stop objects join a named stop within this distance (assumption:
#: the two platforms of a stop face each other across a street, < 30 m).
_UNNAMED_JOIN_M = 30.0


# ---------------------------------------------------------------------- stops
@dataclass(frozen=True, eq=False)
class Stops:
    """The stops of a service, index ``i`` = stop id ``i``.

    Attributes
    ----------
    stop_id : int32
        0..n-1.
    name : str
        Unique display names.
    lon, lat : float64
        Stop position (WGS84).
    node : int32
        Nearest road-graph node.
    snap_m : float64
        Straight-line distance from the stop to ``node``.
    edge_m : float64
        Distance from the stop to the nearest road edge (the on-network check).
    n_objects : int32
        OSM objects merged into the stop (0 for virtual or given stops).
    source : str
        ``"osm"``, ``"coordinates"``, ``"virtual"``, ``"place"`` or ``"hub"``
        (a hub's forecourt, :func:`virtual_stops`).
    """

    stop_id: NDArray[np.int32]
    name: NDArray[np.str_]
    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    node: NDArray[np.int32]
    snap_m: NDArray[np.float64]
    edge_m: NDArray[np.float64]
    n_objects: NDArray[np.int32]
    source: NDArray[np.str_]

    def __len__(self) -> int:
        return int(self.stop_id.shape[0])

    def to_frame(self) -> pd.DataFrame:
        """The stops as a DataFrame (one row per stop)."""
        return pd.DataFrame({k: getattr(self, k) for k in self.__dataclass_fields__})

    def index_of(self, name: str) -> int | None:
        """Stop index of a name (normalized comparison), or None."""
        key = normalize_name(name)
        for i, n in enumerate(self.name):
            if normalize_name(str(n)) == key:
                return i
        return None

    def subset(self, index: NDArray[np.int64] | list[int]) -> Stops:
        """The given stops, renumbered 0..k-1 in the given order."""
        idx = np.asarray(index, dtype=np.int64)
        kw = {k: getattr(self, k)[idx] for k in self.__dataclass_fields__}
        kw["stop_id"] = np.arange(len(idx), dtype=np.int32)
        return Stops(**kw)


def make_stops(
    graph: RoadGraph,
    names: list[str],
    lon: NDArray[np.float64],
    lat: NDArray[np.float64],
    n_objects: ArrayLike,
    source: list[str] | str,
) -> Stops:
    """Snap named points to the road graph as :class:`Stops` numbered 0..n-1.

    Parameters
    ----------
    graph
        The road graph the stops are snapped to.
    names
        Display names, one per stop.
    lon, lat
        Stop positions (WGS84).
    n_objects
        OSM objects merged into each stop (0 for virtual or given stops).
    source
        ``"osm"``, ``"coordinates"``, ``"virtual"`` or ``"place"``, for all
        stops or one per stop.
    """
    n = len(names)
    lon = np.asarray(lon, dtype=np.float64)
    lat = np.asarray(lat, dtype=np.float64)
    if n:
        node, snap = graph.nearest_nodes(lon, lat)
        _, edge_m, _ = graph.nearest_edges(lon, lat)
    else:
        node, snap, edge_m = np.empty(0, np.int32), np.empty(0), np.empty(0)
    return Stops(
        stop_id=np.arange(n, dtype=np.int32),
        name=np.array(names, dtype=str) if n else np.empty(0, dtype=str),
        lon=lon,
        lat=lat,
        node=np.asarray(node, dtype=np.int32),
        snap_m=np.asarray(snap, dtype=np.float64),
        edge_m=np.asarray(edge_m, dtype=np.float64),
        n_objects=np.asarray(n_objects, dtype=np.int32),
        source=np.array([source] * n if isinstance(source, str) else source, dtype=str),
    )


@dataclass(frozen=True)
class OsmStopCluster:
    """One merged OSM stop before snapping."""

    name: str
    lon: float
    lat: float
    n_objects: int


def merge_osm_stops(feats: OsmFeatures, merge_distance_m: float) -> list[OsmStopCluster]:
    """Merge the bus-stop objects of a map into named stops.

    Objects with the same normalized name within ``merge_distance_m`` (single
    linkage) become one stop at their mean position. A name used by stops in
    several places keeps them apart as "Name", "Name (2)", ... (west to east).
    Unnamed objects within 30 m of a named object join its stop.

    Returns
    -------
    list of OsmStopCluster
        Sorted by name.
    """
    names = [str(n) for n in feats.stop_name]
    x, y = to_metric(feats.stop_lon, feats.stop_lat)
    named = np.array([bool(n) for n in names], dtype=bool)
    keys = [normalize_name(n) if n else "" for n in names]
    parent = list(range(len(names)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    idx_named = np.flatnonzero(named)
    if len(idx_named):
        tree = cKDTree(np.column_stack([x[idx_named], y[idx_named]]))
        for a, b in sorted(tree.query_pairs(merge_distance_m)):
            i, j = int(idx_named[a]), int(idx_named[b])
            if keys[i] == keys[j]:
                parent[find(i)] = find(j)
        unnamed = np.flatnonzero(~named)
        if len(unnamed):
            d, k = tree.query(np.column_stack([x[unnamed], y[unnamed]]))
            for u, dist, kk in zip(unnamed, d, k, strict=True):
                if dist <= _UNNAMED_JOIN_M:
                    parent[int(u)] = find(int(idx_named[kk]))
    groups: dict[int, list[int]] = {}
    for i in range(len(names)):
        if named[i] or find(i) != i:
            groups.setdefault(find(i), []).append(i)
    clusters = []
    for members in groups.values():
        label_counts = Counter(_display_name(names[m]) for m in members if names[m])
        if not label_counts:
            continue
        label = sorted(label_counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
        clusters.append(
            (
                label,
                float(np.mean(feats.stop_lon[members])),
                float(np.mean(feats.stop_lat[members])),
                len(members),
            )
        )
    clusters.sort(key=lambda c: (normalize_name(c[0]), c[1], c[2]))
    out: list[OsmStopCluster] = []
    seen: Counter[str] = Counter()
    for label, lon, lat, n in clusters:
        seen[normalize_name(label)] += 1
        k = seen[normalize_name(label)]
        out.append(OsmStopCluster(label if k == 1 else f"{label} ({k})", lon, lat, n))
    return out


def _display_name(name: str) -> str:
    import re

    return re.sub(r"^Kaiserslautern\s*,\s*", "", name.replace("\xa0", " ").strip())


@dataclass(frozen=True)
class FixedStop:
    """A stop placed before the virtual cover: a hub's forecourt or an OSM bus stop."""

    name: str
    lon: float
    lat: float
    n_objects: int
    source: str


def virtual_stops(
    graph: RoadGraph,
    area: ServiceArea,
    spacing_m: float,
    *,
    fixed: tuple[FixedStop, ...] | list[FixedStop] = (),
    preferred: tuple[FixedStop, ...] | list[FixedStop] = (),
) -> Stops:
    """Stops about ``spacing_m`` apart: fixed stops, OSM bus-stop positions, then graph nodes.

    ``spacing_m`` is the distance between neighbouring stops (KEXI Kelheim:
    stops "at most 250 m apart"). A greedy cover with half that radius gives
    it: a candidate becomes a stop unless a stop already lies within
    ``spacing_m / 2`` (straight line), so stops are more than ``spacing_m / 2``
    apart and every road node in the area lies within ``spacing_m / 2`` of a
    stop; two stops covering neighbouring nodes are then at most about
    ``spacing_m`` apart. Candidates in order: every ``fixed`` stop (the hubs'
    forecourts, always kept), the ``preferred`` ones (existing OSM bus stops,
    by name), then graph nodes by falling degree (junctions first), then
    index. Deterministic for a given graph.
    """
    radius = spacing_m / 2.0
    inside = np.flatnonzero(area.node_inside)
    deg = (
        np.diff(graph.indptr)[inside] + np.bincount(graph.indices, minlength=graph.n_nodes)[inside]
    )
    order = inside[np.lexsort((inside, -deg))]
    tree = cKDTree(np.column_stack([graph.x[inside], graph.y[inside]]))
    pos = {int(n): i for i, n in enumerate(inside)}
    covered = np.zeros(len(inside), dtype=bool)
    placed: list[FixedStop] = []
    placed_xy: list[tuple[float, float]] = []

    def near_a_stop(x: float, y: float) -> bool:
        if not placed_xy:
            return False
        xy = np.asarray(placed_xy)
        return bool(np.hypot(xy[:, 0] - x, xy[:, 1] - y).min() <= radius)

    for k, fs in enumerate([*fixed, *preferred]):
        x, y = (float(c) for c in to_metric(fs.lon, fs.lat))
        if k >= len(fixed) and near_a_stop(x, y):
            continue
        placed.append(fs)
        placed_xy.append((x, y))
        covered[tree.query_ball_point([x, y], radius)] = True
    chosen = []
    for nd in order:
        if covered[pos[int(nd)]]:
            continue
        chosen.append(int(nd))
        covered[tree.query_ball_point([graph.x[nd], graph.y[nd]], radius)] = True
    chosen_arr = np.array(sorted(chosen), dtype=np.int64)
    names = [f.name for f in placed]
    for k, nd in enumerate(chosen_arr):
        street = next(
            (
                graph.edge_name(int(e))
                for e in range(graph.indptr[nd], graph.indptr[nd + 1])
                if graph.edge_name(int(e))
            ),
            "",
        )
        names.append(f"V{k + 1:03d} {street}".strip())
    return make_stops(
        graph,
        names,
        np.concatenate([[f.lon for f in placed], graph.lon[chosen_arr]]),
        np.concatenate([[f.lat for f in placed], graph.lat[chosen_arr]]),
        np.concatenate([[f.n_objects for f in placed], np.zeros(len(chosen_arr))]),
        [f.source for f in placed] + ["virtual"] * len(chosen_arr),
    )


# ---------------------------------------------------------- stop assignment
@dataclass(frozen=True, eq=False)
class StopAssignment:
    """Pickup and drop-off stop of each request of a stop-based service.

    Walking distance = straight line from the door to the stop x
    ``walk_detour_factor`` (not a network walk: the road graph holds no
    footways). The nearest stop by that distance is chosen.

    Attributes
    ----------
    pickup_stop, dropoff_stop : int32
        Stop index, -1 when no stop lies within ``max_walk_m``.
    pickup_walk_m, dropoff_walk_m : float64
        Walking distance to/from that stop (to the nearest stop when out of reach).
    reason : str
        ``""`` (servable), ``"no_stop_in_reach"`` or ``"same_stop"``.
    """

    pickup_stop: NDArray[np.int32]
    dropoff_stop: NDArray[np.int32]
    pickup_walk_m: NDArray[np.float64]
    dropoff_walk_m: NDArray[np.float64]
    reason: NDArray[np.str_]
    max_walk_m: float
    walk_detour_factor: float

    def __len__(self) -> int:
        return int(self.reason.shape[0])

    @property
    def servable(self) -> NDArray[np.bool_]:
        """Requests with a reachable and distinct pickup and drop-off stop."""
        return self.reason == ""

    def counts(self) -> dict[str, int]:
        """Requests per reason (``"ok"`` for servable ones)."""
        r, c = np.unique(self.reason, return_counts=True)
        return {(str(k) or "ok"): int(v) for k, v in zip(r, c, strict=True)}

    def to_frame(self) -> pd.DataFrame:
        """The assignment as a DataFrame (one row per request)."""
        return pd.DataFrame(
            {
                k: getattr(self, k)
                for k in (
                    "pickup_stop",
                    "dropoff_stop",
                    "pickup_walk_m",
                    "dropoff_walk_m",
                    "reason",
                )
            }
        )


def assign_stops(
    requests: Requests,
    stops: Stops,
    *,
    max_walk_m: float,
    walk_detour_factor: float = 1.3,
    hub_stops: NDArray[np.int64] | list[int] | None = None,
) -> StopAssignment:
    """Give each request its nearest pickup and drop-off stop within walking reach.

    Parameters
    ----------
    requests
        The requests (door-to-door end points).
    stops
        Candidate stops (for a line service: the stops of its lines).
    max_walk_m
        Longest walk to or from a stop, in walking metres.
    walk_detour_factor
        Walking metres per straight-line metre (1.3 by default, an assumption).
    hub_stops
        Stops at the hubs' forecourts. A rider with a train (``requests.train``)
        boards or alights at the station's own stop: of the two trip ends, the
        one nearest a hub stop gets that stop (when it lies within
        ``max_walk_m``), even where another stop is nearer.

    Returns
    -------
    StopAssignment
        ``reason`` is ``"no_stop_in_reach"`` when the origin or the destination
        has no stop within ``max_walk_m``, else ``"same_stop"`` when both get the
        same stop, else ``""``.
    """
    n = len(requests)
    if len(stops) == 0:
        return StopAssignment(
            np.full(n, -1, np.int32),
            np.full(n, -1, np.int32),
            np.full(n, np.inf),
            np.full(n, np.inf),
            np.full(n, REJECT_NO_STOP if n else "", dtype="<U16"),
            max_walk_m,
            walk_detour_factor,
        )
    tree = cKDTree(np.column_stack(to_metric(stops.lon, stops.lat)))

    def nearest(lon: NDArray[np.float64], lat: NDArray[np.float64]) -> tuple[Any, Any]:
        if len(lon) == 0:
            return np.empty(0), np.empty(0, dtype=np.int64)
        d, k = tree.query(np.column_stack(to_metric(lon, lat)))
        return d * walk_detour_factor, k

    dp, kp = nearest(requests.origin_lon, requests.origin_lat)
    dd, kd = nearest(requests.dest_lon, requests.dest_lat)
    hubs = np.asarray([] if hub_stops is None else hub_stops, dtype=np.int64)
    rail = np.flatnonzero(np.asarray(requests.train) != "") if len(hubs) else np.empty(0, int)
    if len(rail):
        dp, kp, dd, kd = (np.array(a) for a in (dp, kp, dd, kd))
        hx, hy = to_metric(stops.lon[hubs], stops.lat[hubs])
        ends = []
        for lon, lat in (
            (requests.origin_lon[rail], requests.origin_lat[rail]),
            (requests.dest_lon[rail], requests.dest_lat[rail]),
        ):
            x, y = to_metric(lon, lat)
            d = np.hypot(x[:, None] - hx[None, :], y[:, None] - hy[None, :]) * walk_detour_factor
            ends.append((d.min(axis=1), hubs[d.argmin(axis=1)]))
        at_origin = ends[0][0] <= ends[1][0]
        for side, (dist, k) in enumerate(ends):
            mine = (at_origin if side == 0 else ~at_origin) & (dist <= max_walk_m)
            d_arr, k_arr = (dp, kp) if side == 0 else (dd, kd)
            d_arr[rail[mine]] = dist[mine]
            k_arr[rail[mine]] = k[mine]
    reach_p = dp <= max_walk_m
    reach_d = dd <= max_walk_m
    reason = np.full(n, "", dtype="<U16")
    reason[(kp == kd) & reach_p & reach_d] = REJECT_SAME_STOP
    reason[~(reach_p & reach_d)] = REJECT_NO_STOP
    return StopAssignment(
        pickup_stop=np.where(reach_p, kp, -1).astype(np.int32),
        dropoff_stop=np.where(reach_d, kd, -1).astype(np.int32),
        pickup_walk_m=np.asarray(dp, dtype=np.float64),
        dropoff_walk_m=np.asarray(dd, dtype=np.float64),
        reason=reason,
        max_walk_m=max_walk_m,
        walk_detour_factor=walk_detour_factor,
    )
