"""The service on the road graph: stops, lines, depots, fleet, and the resolved scenario.

:func:`resolve` is the bridge from a validated :class:`~klshuttle.scenario.Scenario`
to what the simulator works with: it loads the road graph (the fleet's max
speed caps the edge speeds), builds the service area, finds and snaps the
stops and depots, computes line timetables, runs the demand models and assigns
requests to stops. Every check a planner needs before a simulation happens
here; problems raise :class:`~klshuttle.errors.ScenarioError` naming the key.

Stops
-----
OSM stops are the named bus-stop objects of the map (``highway=bus_stop``,
bus platforms and stop positions, platform ways at their centroid). Objects
that share a name and lie within ``merge_distance_m`` of each other (single
linkage) are one stop, placed at their mean position; unnamed objects within
30 m of a named stop join it, others are ignored. Each stop is snapped to its
nearest graph node (``node``, ``snap_m``); ``edge_m`` is its distance to the
nearest road edge, which must not exceed ``map.max_snap_m``.
"""

from __future__ import annotations

import logging
import math
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from .area import ServiceArea, resolve_area
from .demand import Requests, generate_requests
from .errors import KlshuttleError, ScenarioError
from .graph import RoadGraph, to_metric
from .osmfeatures import OsmFeatures, load_features
from .places import find_place, normalize_name, suggest
from .scenario import (
    LineSpec,
    NamedStops,
    OsmStops,
    PointSpec,
    PointStops,
    Scenario,
    VirtualStops,
    display_path,
    format_time,
    location_label,
)

__all__ = [
    "REJECT_NO_STOP",
    "REJECT_SAME_STOP",
    "Depots",
    "Line",
    "LineRides",
    "ResolvedScenario",
    "StopAssignment",
    "Stops",
    "assign_stops",
    "line_rides",
    "merge_osm_stops",
    "resolve",
    "virtual_stops",
]

log = logging.getLogger(__name__)

#: Reason codes of :class:`StopAssignment` (the simulator's rejection reasons).
REJECT_NO_STOP = "no_stop_in_reach"
REJECT_SAME_STOP = "same_stop"

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
        ``"osm"``, ``"coordinates"``, ``"virtual"`` or ``"place"``.
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


def _make_stops(
    graph: RoadGraph,
    names: list[str],
    lon: NDArray[np.float64],
    lat: NDArray[np.float64],
    n_objects: NDArray[np.int64] | list[int],
    source: list[str] | str,
) -> Stops:
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


def virtual_stops(graph: RoadGraph, area: ServiceArea, spacing_m: float) -> Stops:
    """Stops on graph nodes so that every node in the area lies within ``spacing_m``.

    Greedy cover: nodes are visited by falling degree (junctions first), then
    index; a node becomes a stop unless a stop already lies within
    ``spacing_m`` (straight line). Deterministic for a given graph.
    """
    inside = np.flatnonzero(area.node_inside)
    deg = (
        np.diff(graph.indptr)[inside] + np.bincount(graph.indices, minlength=graph.n_nodes)[inside]
    )
    order = inside[np.lexsort((inside, -deg))]
    tree = cKDTree(np.column_stack([graph.x[inside], graph.y[inside]]))
    pos = {int(n): i for i, n in enumerate(inside)}
    covered = np.zeros(len(inside), dtype=bool)
    chosen = []
    for nd in order:
        if covered[pos[int(nd)]]:
            continue
        chosen.append(int(nd))
        covered[tree.query_ball_point([graph.x[nd], graph.y[nd]], spacing_m)] = True
    chosen_arr = np.array(sorted(chosen), dtype=np.int64)
    names = []
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
    return _make_stops(
        graph,
        names,
        graph.lon[chosen_arr],
        graph.lat[chosen_arr],
        np.zeros(len(chosen_arr)),
        "virtual",
    )


# --------------------------------------------------------------------- depots
@dataclass(frozen=True, eq=False)
class Depots:
    """Depots where vehicles start and may return.

    ``vehicle_depot[v]`` is the depot index of vehicle ``v``.
    """

    name: NDArray[np.str_]
    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    node: NDArray[np.int32]
    snap_m: NDArray[np.float64]
    edge_m: NDArray[np.float64]
    inside_area: NDArray[np.bool_]
    vehicle_depot: NDArray[np.int32]

    def __len__(self) -> int:
        return int(self.name.shape[0])

    @property
    def vehicle_node(self) -> NDArray[np.int32]:
        """Start node of each vehicle."""
        return self.node[self.vehicle_depot]

    def to_frame(self) -> pd.DataFrame:
        """The depots as a DataFrame with the number of vehicles at each."""
        df = pd.DataFrame(
            {
                k: getattr(self, k)
                for k in ("name", "lon", "lat", "node", "snap_m", "edge_m", "inside_area")
            }
        )
        df["vehicles"] = np.bincount(self.vehicle_depot, minlength=len(self))
        return df


# ---------------------------------------------------------------------- lines
@dataclass(frozen=True, eq=False)
class Line:
    """A fixed line with its timetable, in stop indices of :attr:`ResolvedScenario.stops`.

    Attributes
    ----------
    name
        Line name.
    stops
        ``{"forward": int32 array, "backward": int32 array}`` stop-index
        sequences (``backward`` absent for one-way lines).
    departures_s
        Departure times from the first stop, per direction.
    segment_time_s
        Driving time between consecutive stops, per direction (fastest path).
    run_time_s
        End-to-end time per direction: driving plus the fixed dwell time at
        intermediate stops (boarding time per passenger comes on top in the
        simulation).
    layover_s
        Time at each terminal before the next trip.
    vehicles_needed
        Vehicles needed to run the timetable (most trips in progress at once,
        counting a vehicle busy from its forward departure until its return
        trip and layover end).
    vehicles
        Vehicles assigned to the line (the scenario's ``vehicles`` or ``vehicles_needed``).
    """

    name: str
    stops: dict[str, NDArray[np.int32]]
    departures_s: dict[str, NDArray[np.float64]]
    segment_time_s: dict[str, NDArray[np.float64]]
    run_time_s: dict[str, float]
    layover_s: float
    vehicles_needed: int
    vehicles: int

    @property
    def directions(self) -> tuple[str, ...]:
        """``("forward",)`` or ``("forward", "backward")``."""
        return tuple(self.stops)


def _segment_times(graph: RoadGraph, nodes: NDArray[np.int32]) -> NDArray[np.float64]:
    from .routing import pair_costs

    return pair_costs(graph, nodes[:-1], nodes[1:], weight="travel_time_s")


def _build_line(
    spec: LineSpec, index: int, stops: Stops, graph: RoadGraph, scenario: Scenario
) -> Line:
    where = f"service.lines[{index}]"
    idx = []
    for j, s in enumerate(spec.stops):
        k = stops.index_of(s)
        if k is None:
            close = suggest(s, [str(n) for n in stops.name])
            hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
            raise ScenarioError(
                f"{where}.stops[{j}]: no stop {s!r} among the service's stops{hint}"
            )
        idx.append(k)
    fwd = np.array(idx, dtype=np.int32)
    seqs = {"forward": fwd}
    if spec.both_directions:
        seqs["backward"] = fwd[::-1].copy()
    dwell = scenario.fleet.vehicle.dwell_time_s
    seg: dict[str, NDArray[np.float64]] = {}
    run: dict[str, float] = {}
    for d, seq in seqs.items():
        t = _segment_times(graph, stops.node[seq])
        if not np.all(np.isfinite(t)):
            j = int(np.flatnonzero(~np.isfinite(t))[0])
            raise ScenarioError(
                f"{where}: no road path from {str(stops.name[seq[j]])!r} to {str(stops.name[seq[j + 1]])!r}"
            )
        seg[d] = t
        run[d] = float(t.sum() + dwell * (len(seq) - 2))
    hours = scenario.fleet.vehicle.operating_hours
    if spec.departures is not None:
        fwd_dep = np.array(spec.departures, dtype=np.float64)
    else:
        first = hours.start if spec.first is None else spec.first
        # default last departure: the trip (and the return trip) ends by closing time
        back = run.get("backward", 0.0) + (spec.layover_s if spec.both_directions else 0.0)
        last = (hours.end - run["forward"] - back) if spec.last is None else spec.last
        if last < first:
            raise ScenarioError(
                f"{where}: no departure fits between {format_time(first)} and closing time "
                f"{format_time(hours.end)} (a round trip takes {format_time(run['forward'] + back)})"
            )
        assert spec.headway_s is not None
        fwd_dep = np.arange(first, last + 1e-6, spec.headway_s, dtype=np.float64)
    deps = {"forward": fwd_dep}
    if spec.both_directions:
        if spec.return_departures is not None:
            deps["backward"] = np.array(spec.return_departures, dtype=np.float64)
        else:
            # the return trip leaves after the run and the layover, on a whole minute
            deps["backward"] = np.ceil((fwd_dep + run["forward"] + spec.layover_s) / 60.0) * 60.0
    for d, t in deps.items():
        outside = t[(t < hours.start) | (t + run[d] > hours.end + 1e-6)]
        if len(outside):
            raise ScenarioError(
                f"{where}: the {d} trip leaving at {format_time(outside[0])} runs outside the "
                f"operating hours {format_time(hours.start)}-{format_time(hours.end)}"
            )
    # vehicles: a vehicle is busy from a forward departure to the end of its
    # return trip plus layover (one-way lines: driving back empty is assumed
    # to take as long as the forward run).
    back_run = run.get("backward", run["forward"])
    cycle = run["forward"] + spec.layover_s + back_run + spec.layover_s
    if spec.both_directions and spec.return_departures is not None:
        starts = np.concatenate([deps["forward"], deps["backward"]])
        ends = np.concatenate(
            [
                deps["forward"] + run["forward"] + spec.layover_s,
                deps["backward"] + back_run + spec.layover_s,
            ]
        )
        needed = _max_overlap(starts, ends)
    else:
        needed = _max_overlap(fwd_dep, fwd_dep + cycle + 60.0)
    vehicles = spec.vehicles if spec.vehicles is not None else needed
    if vehicles < needed:
        raise ScenarioError(
            f"{where}.vehicles: the timetable needs {needed} vehicles "
            f"(round trip {cycle / 60:.0f} min incl. layovers), got {vehicles}"
        )
    return Line(
        name=spec.name,
        stops=seqs,
        departures_s=deps,
        segment_time_s=seg,
        run_time_s=run,
        layover_s=spec.layover_s,
        vehicles_needed=needed,
        vehicles=vehicles,
    )


def _max_overlap(starts: NDArray[np.float64], ends: NDArray[np.float64]) -> int:
    events = sorted(
        [(float(s), 1) for s in starts] + [(float(e), -1) for e in ends], key=lambda e: (e[0], e[1])
    )
    cur = best = 0
    for _, k in events:
        cur += k
        best = max(best, cur)
    return best


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


@dataclass(frozen=True, eq=False)
class LineRides:
    """Which line direction each request rides, and where it boards and alights.

    Attributes
    ----------
    routes
        ``(line index, direction)`` of each route, in the order of
        :attr:`ResolvedScenario.lines` and :attr:`Line.directions`.
    route : int64
        Route index of each request; -1 when no single line direction runs
        from its pickup stop to its drop-off stop (or it has no stops).
    board, alight : int64
        Positions of the pickup and drop-off stop along that route's stop
        sequence (``board < alight``); -1 where ``route`` is -1.
    """

    routes: tuple[tuple[int, str], ...]
    route: NDArray[np.int64]
    board: NDArray[np.int64]
    alight: NDArray[np.int64]


def line_rides(
    assignment: StopAssignment, lines: tuple[Line, ...] | list[Line], n_stops: int
) -> LineRides:
    """Match each request's pickup and drop-off stop to a line direction.

    The first route (in line order, forward before backward) that visits the
    pickup stop before the drop-off stop carries the request; transfers
    between lines are not modelled. On a loop line (first stop = last stop)
    riders board at the first and alight at the last visit.
    """
    routes = tuple((i, d) for i, ln in enumerate(lines) for d in ln.directions)
    n = len(assignment)
    route = np.full(n, -1, dtype=np.int64)
    board = np.full(n, -1, dtype=np.int64)
    alight = np.full(n, -1, dtype=np.int64)
    p = assignment.pickup_stop.astype(np.int64)
    q = assignment.dropoff_stop.astype(np.int64)
    ok = (p >= 0) & (q >= 0)
    for r, (i, d) in enumerate(routes):
        seq = np.asarray(lines[i].stops[d], dtype=np.int64)
        first = np.full(n_stops, -1, dtype=np.int64)
        last = np.full(n_stops, -1, dtype=np.int64)
        first[seq[::-1]] = np.arange(len(seq))[::-1]
        last[seq] = np.arange(len(seq))
        bp = np.where(ok, first[np.where(ok, p, 0)], -1)
        aq = np.where(ok, last[np.where(ok, q, 0)], -1)
        take = (route < 0) & (bp >= 0) & (aq > bp)
        route[take], board[take], alight[take] = r, bp[take], aq[take]
    return LineRides(routes, route, board, alight)


# ---------------------------------------------------------------- resolution
@dataclass(frozen=True, eq=False)
class ResolvedScenario:
    """A scenario placed on the road graph: everything the simulator needs.

    Attributes
    ----------
    scenario
        The validated scenario.
    graph
        Road graph built with ``scenario.build_settings``.
    area
        Service area (polygon, km², nodes inside).
    stops
        Stops of the service (empty for door-to-door on-demand without lines).
    depots
        Depots and the start depot of each vehicle.
    lines
        Fixed lines with timetables (mode line or hybrid).
    requests
        The day's requests (None when resolved with ``demand=False``).
    assignment
        Pickup/drop-off stop per request for stop-based service (on-demand
        stop-based: all stops; line mode: the line stops), else None.
    warnings
        Things that are allowed but look wrong.
    timings_s
        Seconds spent per step (graph, features, stops, demand, ...).
    """

    scenario: Scenario
    graph: RoadGraph
    area: ServiceArea
    stops: Stops
    depots: Depots
    lines: tuple[Line, ...]
    requests: Requests | None
    assignment: StopAssignment | None
    warnings: tuple[str, ...] = ()
    timings_s: dict[str, float] = field(default_factory=dict)

    @property
    def vehicle_capacity(self) -> int:
        """Passengers per vehicle."""
        return self.scenario.fleet.vehicle.capacity

    def line_rides(self) -> LineRides | None:
        """Line direction, boarding and alighting position of each request (line mode)."""
        if self.assignment is None or not self.lines:
            return None
        return line_rides(self.assignment, self.lines, len(self.stops))

    @property
    def on_demand_vehicles(self) -> int:
        """Vehicles left for on-demand service after the lines took theirs."""
        if self.scenario.service.mode == "line":
            return 0
        return self.scenario.fleet.vehicles - sum(ln.vehicles for ln in self.lines)


class _Locator:
    """Finds named places and stops; the error names the key path."""

    def __init__(self, graph: RoadGraph, feats: Any, merge_m: float) -> None:
        self._graph = graph
        self._feats = feats
        self._merge_m = merge_m
        self._osm: list[OsmStopCluster] | None = None

    def osm_stops(self) -> list[OsmStopCluster]:
        if self._osm is None:
            self._osm = merge_osm_stops(self._feats(), self._merge_m)
        return self._osm

    def find_stop(self, name: str) -> list[OsmStopCluster]:
        """Stops of that name; "Post" finds "Post" and "Post (2)" (ambiguous), "Post (2)" one."""
        import re

        key = normalize_name(name)
        exact = [c for c in self.osm_stops() if normalize_name(c.name) == key]
        same_base = [
            c for c in self.osm_stops() if normalize_name(re.sub(r" \(\d+\)$", "", c.name)) == key
        ]
        return same_base if len(same_base) > len(exact) else exact

    def __call__(self, loc: Any, where: str, prefer: str = "place") -> tuple[float, float, str]:
        if isinstance(loc, PointSpec):
            return loc.lon, loc.lat, location_label(loc)
        name = str(loc)
        place = find_place(name)
        stops: list[OsmStopCluster] = []
        if prefer == "stop" or place is None:
            try:
                stops = self.find_stop(name)
            except KlshuttleError:
                if place is None:
                    raise
        if prefer == "stop" and len(stops) == 1:
            return stops[0].lon, stops[0].lat, stops[0].name
        if place is not None:
            return place.lon, place.lat, place.name
        if len(stops) == 1:
            return stops[0].lon, stops[0].lat, stops[0].name
        if len(stops) > 1:
            names = ", ".join(repr(c.name) for c in stops)
            raise ScenarioError(f"{where}: {name!r} names several stops ({names}); pick one")
        feats = self._feats()
        stations = [str(s) for s in feats.station_name]
        for i, s in enumerate(stations):
            if normalize_name(s) == normalize_name(name):
                return float(feats.station_lon[i]), float(feats.station_lat[i]), s
        from .places import PLACES

        candidates = [c.name for c in self.osm_stops()] + [p.name for p in PLACES] + stations
        close = suggest(name, candidates)
        hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
        raise ScenarioError(f"{where}: no stop or place named {name!r} on this map{hint}")


def resolve(
    scenario: Scenario,
    *,
    graph: RoadGraph | None = None,
    demand: bool = True,
    seed: int | None = None,
    use_cache: bool = True,
) -> ResolvedScenario:
    """Place a scenario on the road graph and check that it makes sense.

    Parameters
    ----------
    scenario
        A validated scenario (:func:`~klshuttle.scenario.load_scenario`).
    graph
        A road graph to use instead of loading one (it should match
        ``scenario.build_settings``).
    demand
        Also run the demand models and assign stops.
    seed
        Overrides the scenario's seed for the demand.
    use_cache
        Use the graph and OSM-features caches.

    Returns
    -------
    ResolvedScenario

    Raises
    ------
    ScenarioError
        A stop, depot or the area is off the network, a name is unknown, a
        line's timetable does not fit the fleet or the operating hours, ...
    DemandError
        A demand model cannot produce its trips.
    """
    from .maps import load_map

    label = display_path(scenario.source_path) if scenario.source_path else scenario.name
    timings: dict[str, float] = {}
    warnings: list[str] = []
    t0 = time.perf_counter()
    try:
        if graph is None:
            graph = load_map(
                scenario.map.source, settings=scenario.build_settings, use_cache=use_cache
            )
        timings["graph"] = time.perf_counter() - t0

        features_cache: dict[str, OsmFeatures] = {}

        def feats() -> OsmFeatures:
            if "f" not in features_cache:
                t = time.perf_counter()
                features_cache["f"] = load_features(scenario.map.source, use_cache=use_cache)
                timings["osm_features"] = time.perf_counter() - t
            return features_cache["f"]

        stops_spec = scenario.service.stops
        merge_m = getattr(stops_spec, "merge_distance_m", 250.0)
        locator = _Locator(graph, feats, merge_m)
        t = time.perf_counter()
        area = resolve_area(
            scenario.map.area, graph, locate=lambda loc, where: locator(loc, where, "stop")
        )
        timings["area"] = time.perf_counter() - t

        t = time.perf_counter()
        stops = _resolve_stops(scenario, graph, area, locator, warnings)
        depots = _resolve_depots(scenario, graph, area, locator, warnings)
        lines = tuple(
            _build_line(spec, i, stops, graph, scenario)
            for i, spec in enumerate(scenario.service.lines)
        )
        _check_fleet(scenario, lines, warnings)
        timings["service"] = time.perf_counter() - t
    except ScenarioError as exc:
        raise ScenarioError(f"{label}: {exc}") from None

    requests, assignment = None, None
    if demand:
        try:
            requests, assignment = _demand(
                scenario, graph, area, stops, lines, locator, feats, seed, timings, warnings
            )
        except ScenarioError as exc:
            raise ScenarioError(f"{label}: {exc}") from None
    timings["total"] = time.perf_counter() - t0
    return ResolvedScenario(
        scenario=scenario,
        graph=graph,
        area=area,
        stops=stops,
        depots=depots,
        lines=lines,
        requests=requests,
        assignment=assignment,
        warnings=tuple(warnings),
        timings_s=timings,
    )


def _demand(
    scenario: Scenario,
    graph: RoadGraph,
    area: ServiceArea,
    stops: Stops,
    lines: tuple[Line, ...],
    locator: _Locator,
    feats: Any,
    seed: int | None,
    timings: dict[str, float],
    warnings: list[str],
) -> tuple[Requests, StopAssignment | None]:
    assignment = None
    t = time.perf_counter()
    requests = generate_requests(
        scenario,
        graph,
        area,
        locate=lambda loc, where: locator(loc, where, "place"),
        features=feats,
        seed=seed,
    )
    timings["demand"] = time.perf_counter() - t
    svc = scenario.service
    stop_based = svc.mode == "line" or svc.on_demand.stop_based
    if stop_based:
        usable = stops
        if svc.mode == "line":
            on_line = np.unique(np.concatenate([ln.stops["forward"] for ln in lines]))
            usable = stops.subset(on_line)
        assignment = assign_stops(
            requests,
            usable,
            max_walk_m=svc.on_demand.max_walk_m,
            walk_detour_factor=svc.on_demand.walk_detour_factor,
        )
        if svc.mode == "line":
            # report stop indices in the full stop table
            object.__setattr__(assignment, "pickup_stop", _remap(assignment.pickup_stop, on_line))
            object.__setattr__(assignment, "dropoff_stop", _remap(assignment.dropoff_stop, on_line))
        counts = assignment.counts()
        bad = counts.get(REJECT_NO_STOP, 0) + counts.get(REJECT_SAME_STOP, 0)
        if len(requests) and bad / len(requests) > 0.2:
            warnings.append(
                f"{bad} of {len(requests)} requests ({100 * bad / len(requests):.0f} %) have no "
                f"stop within {svc.on_demand.max_walk_m:g} m or the same stop at both ends"
            )
    hours = scenario.fleet.vehicle.operating_hours
    if len(requests):
        late = int(((requests.time_s < hours.start) | (requests.time_s >= hours.end)).sum())
        if late:
            warnings.append(
                f"{late} requests fall outside the operating hours "
                f"{format_time(hours.start)}-{format_time(hours.end)}"
            )
    for tag, info in requests.meta.get("models", {}).items():
        if info.get("dropped"):
            warnings.append(
                f"demand model {tag!r}: {info['dropped']} trips left out (outside the window or area)"
            )
    return requests, assignment


def _remap(idx: NDArray[np.int32], table: NDArray[np.int64]) -> NDArray[np.int32]:
    out = np.full(len(idx), -1, dtype=np.int32)
    ok = idx >= 0
    out[ok] = table[idx[ok]]
    return out


def _resolve_stops(
    scenario: Scenario, graph: RoadGraph, area: ServiceArea, locator: _Locator, warnings: list[str]
) -> Stops:
    spec = scenario.service.stops
    tol = scenario.map.max_snap_m
    where = "service.stops"
    needs_stops = scenario.service.mode != "on_demand" or scenario.service.on_demand.stop_based
    if isinstance(spec, VirtualStops):
        stops = virtual_stops(graph, area, spec.spacing_m)
    elif isinstance(spec, OsmStops):
        clusters = locator.osm_stops()
        lon = np.array([c.lon for c in clusters])
        lat = np.array([c.lat for c in clusters])
        inside = area.contains(lon, lat) if len(clusters) else np.zeros(0, bool)
        sel = [c for c, ok in zip(clusters, inside, strict=True) if ok]
        stops = _make_stops(
            graph,
            [c.name for c in sel],
            np.array([c.lon for c in sel]),
            np.array([c.lat for c in sel]),
            [c.n_objects for c in sel],
            "osm",
        )
        far = stops.edge_m > tol
        if far.any():
            names = ", ".join(
                f"{stops.name[i]} ({stops.edge_m[i]:.0f} m)" for i in np.flatnonzero(far)[:3]
            )
            warnings.append(
                f"{int(far.sum())} OSM stops lie more than {tol:g} m from the shuttle's roads and are left out: {names}"
            )
            stops = stops.subset(np.flatnonzero(~far))
    elif isinstance(spec, NamedStops):
        pts = [locator(n, f"{where}.names[{i}]", "stop") for i, n in enumerate(spec.names)]
        stops = _make_stops(
            graph,
            [p[2] for p in pts],
            np.array([p[0] for p in pts]),
            np.array([p[1] for p in pts]),
            [0] * len(pts),
            "osm",
        )
        _check_given(stops, area, tol, f"{where}.names")
    elif isinstance(spec, PointStops):
        stops = _make_stops(
            graph,
            [str(p.name) for p in spec.points],
            np.array([p.lon for p in spec.points]),
            np.array([p.lat for p in spec.points]),
            [0] * len(spec.points),
            "coordinates",
        )
        _check_given(stops, area, tol, f"{where}.points")
    else:  # pragma: no cover
        raise ScenarioError(f"{where}: unknown stops type")
    dup = [n for n, c in Counter(str(n) for n in stops.name).items() if c > 1]
    if dup:
        raise ScenarioError(f"{where}: stop {dup[0]!r} is listed twice")
    if needs_stops and len(stops) < 2:
        raise ScenarioError(
            f"{where}: the service needs at least 2 stops in the service area, found {len(stops)}"
        )
    return stops


def _check_given(stops: Stops, area: ServiceArea, tol: float, where: str) -> None:
    inside = area.contains(stops.lon, stops.lat)
    for i in range(len(stops)):
        if stops.edge_m[i] > tol:
            raise ScenarioError(
                f"{where}[{i}]: stop {str(stops.name[i])!r} lies {stops.edge_m[i]:.1f} m from the nearest "
                f"road the shuttle may use (at most {tol:g} m, map.max_snap_m)"
            )
        if not inside[i]:
            raise ScenarioError(
                f"{where}[{i}]: stop {str(stops.name[i])!r} lies outside the service area"
            )


def _resolve_depots(
    scenario: Scenario, graph: RoadGraph, area: ServiceArea, locator: _Locator, warnings: list[str]
) -> Depots:
    tol = scenario.map.max_snap_m
    pts = [locator(d, f"fleet.depots[{i}]", "stop") for i, d in enumerate(scenario.fleet.depots)]
    lon = np.array([p[0] for p in pts])
    lat = np.array([p[1] for p in pts])
    node, snap = graph.nearest_nodes(lon, lat)
    _, edge_m, _ = graph.nearest_edges(lon, lat)
    for i in range(len(pts)):
        if edge_m[i] > tol:
            raise ScenarioError(
                f"fleet.depots[{i}]: depot {pts[i][2]!r} lies {edge_m[i]:.1f} m from the nearest road "
                f"the shuttle may use (at most {tol:g} m, map.max_snap_m)"
            )
    inside = area.contains(lon, lat)
    for i in np.flatnonzero(~inside):
        warnings.append(
            f"depot {pts[i][2]!r} lies outside the service area (vehicles drive in empty)"
        )
    return Depots(
        name=np.array([p[2] for p in pts], dtype=str),
        lon=lon,
        lat=lat,
        node=np.asarray(node, dtype=np.int32),
        snap_m=np.asarray(snap, dtype=np.float64),
        edge_m=np.asarray(edge_m, dtype=np.float64),
        inside_area=inside,
        vehicle_depot=np.array(scenario.fleet.depot_of_vehicle(), dtype=np.int32),
    )


def _check_fleet(scenario: Scenario, lines: tuple[Line, ...], warnings: list[str]) -> None:
    fleet = scenario.fleet
    on_lines = sum(ln.vehicles for ln in lines)
    if scenario.service.mode == "line" and on_lines > fleet.vehicles:
        detail = ", ".join(f"{ln.name} {ln.vehicles}" for ln in lines)
        raise ScenarioError(
            f"fleet.vehicles: the lines need {on_lines} vehicles ({detail}), the fleet has {fleet.vehicles}"
        )
    if scenario.service.mode == "hybrid" and on_lines >= fleet.vehicles:
        raise ScenarioError(
            f"fleet.vehicles: the lines take {on_lines} vehicles and leave none of {fleet.vehicles} for on-demand service"
        )
    if scenario.service.mode == "line" and on_lines < fleet.vehicles:
        warnings.append(
            f"{fleet.vehicles - on_lines} of {fleet.vehicles} vehicles are not needed by the lines"
        )
    hours = fleet.vehicle.operating_hours
    energy = fleet.vehicle.energy
    if energy is not None and hours.duration_s / 3600 > energy.hours_per_charge:
        warnings.append(
            f"operating hours ({hours.duration_s / 3600:.1f} h) exceed the {fleet.vehicle.label}'s "
            f"{energy.hours_per_charge:g} h per charge"
        )
    w = scenario.demand.window
    if w.start < hours.start or w.end > hours.end:
        warnings.append(
            f"demand window {format_time(w.start)}-{format_time(w.end)} reaches beyond the operating hours "
            f"{format_time(hours.start)}-{format_time(hours.end)}"
        )
    if math.isfinite(fleet.vehicle.max_speed_kmh) and fleet.vehicle.max_speed_kmh > 25:
        warnings.append(
            f"max_speed_kmh {fleet.vehicle.max_speed_kmh:g} is above the 15-20 km/h automated shuttles run in German pilots"
        )
