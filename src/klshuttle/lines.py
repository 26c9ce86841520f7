"""Fixed lines: their routes through the stops, timetables, and fleet checks.

:func:`build_line` turns a ``[[service.lines]]`` spec into a :class:`Line`
(stop sequence, segment and run times, departures, vehicles needed);
:func:`check_fleet` checks the lines against the fleet and the operating hours;
:func:`line_rides` matches each request's stops to a line direction.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .errors import ScenarioError
from .graph import RoadGraph, to_metric
from .linepaths import route_direction
from .osmroutes import OsmRoute
from .places import normalize_name, suggest
from .scenario import LineSpec, Scenario, format_time
from .stops import StopAssignment, Stops

__all__ = [
    "Line",
    "LineRides",
    "TripPattern",
    "build_line",
    "check_fleet",
    "line_rides",
    "select_relations",
]


@dataclass(frozen=True, eq=False)
class TripPattern:
    """What one scheduled trip of a line serves: a direction, or out and back
    as one trip on a through-running line.

    Attributes
    ----------
    label
        ``"forward"``, ``"backward"`` or ``"through"``.
    stops : int32
        Stop indices in travel order.
    stop_nodes : int32
        Graph node of each halt.
    waypoints
        Per segment, the nodes passed between two halts.
    departures_s : float64
        Departures from the first stop.
    run_time_s
        Driving plus the fixed dwell at intermediate stops.
    segment_time_s : float64
        Driving time of each segment (halt to halt).
    """

    label: str
    stops: NDArray[np.int32]
    stop_nodes: NDArray[np.int32]
    waypoints: tuple[NDArray[np.int32], ...]
    departures_s: NDArray[np.float64]
    run_time_s: float
    segment_time_s: NDArray[np.float64]

    def arrival_offsets_s(self, dwell_s: float) -> NDArray[np.float64]:
        """Time from departure to the arrival at each stop, with the fixed dwell
        at every intermediate stop passed before it."""
        seg = np.asarray(self.segment_time_s, dtype=np.float64)
        k = np.arange(len(seg) + 1)
        return np.concatenate(([0.0], np.cumsum(seg))) + dwell_s * np.maximum(k - 1, 0)


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
    stop_nodes
        Graph node where the vehicles halt at each stop, per direction (for a
        line on an OSM route: on the carriageway it drives in that direction;
        otherwise the stop's node).
    waypoints
        Per direction and segment, nodes the vehicles pass so that the fastest
        paths between them follow the route (empty: fastest path stop to stop).
    path_edges
        Per direction, the edges driven from the first to the last stop.
    osm_relations
        The route relations followed, forward then backward (empty: none).
    off_route_m
        Per direction, metres of the path off the relation's ways.
    through
        Whether a trip runs out and back as one (riders stay aboard through
        the far terminal); ``turn_time_s`` is the drive from the last halt
        out to the first halt back.
    """

    name: str
    stops: dict[str, NDArray[np.int32]]
    departures_s: dict[str, NDArray[np.float64]]
    segment_time_s: dict[str, NDArray[np.float64]]
    run_time_s: dict[str, float]
    layover_s: float
    vehicles_needed: int
    vehicles: int
    stop_nodes: dict[str, NDArray[np.int32]] = field(default_factory=dict)
    waypoints: dict[str, tuple[NDArray[np.int32], ...]] = field(default_factory=dict)
    path_edges: dict[str, NDArray[np.int64]] = field(default_factory=dict)
    osm_relations: tuple[int, ...] = ()
    off_route_m: dict[str, float] = field(default_factory=dict)
    through: bool = False
    turn_time_s: float = 0.0
    dwell_s: float = 0.0

    @property
    def directions(self) -> tuple[str, ...]:
        """``("forward",)`` or ``("forward", "backward")``."""
        return tuple(self.stops)

    @property
    def through_extra_s(self) -> float:
        """On a through-running line, the time between the outbound run and
        the return run: the dwell at the far terminal (two when the two
        directions end and start at different stops) and the turn."""
        if not self.through:
            return 0.0
        merged = int(self.stops["forward"][-1]) == int(self.stops["backward"][0])
        return self.dwell_s * (1 if merged else 2) + self.turn_time_s

    def patterns(self) -> tuple[TripPattern, ...]:
        """The trips the simulator runs: each direction, or one through trip."""

        def nodes(d: str) -> NDArray[np.int32]:
            # (a Line built by hand without halts: -1, unknown)
            fill = np.full(len(self.stops[d]), -1, dtype=np.int32)
            return np.asarray(self.stop_nodes.get(d, fill), dtype=np.int32)

        def ways(d: str) -> tuple[NDArray[np.int32], ...]:
            w = self.waypoints.get(d, ())
            return w if w else tuple(np.empty(0, np.int32) for _ in range(len(self.stops[d]) - 1))

        if not self.through:
            return tuple(
                TripPattern(
                    d,
                    self.stops[d],
                    nodes(d),
                    ways(d),
                    self.departures_s[d],
                    self.run_time_s[d],
                    np.asarray(self.segment_time_s.get(d, np.zeros(len(self.stops[d]) - 1))),
                )
                for d in self.directions
            )
        f, b = self.stops["forward"], self.stops["backward"]
        nf, nb = nodes("forward"), nodes("backward")
        wf, wb = ways("forward"), ways("backward")
        sf = np.asarray(self.segment_time_s["forward"], dtype=np.float64)
        sb = np.asarray(self.segment_time_s["backward"], dtype=np.float64)
        if int(f[-1]) == int(b[0]):
            # one halt at the far terminal; the vehicle turns to the return halt
            turn = np.array([int(nb[0])] if nb[0] != nf[-1] else [], dtype=np.int32)
            stops = np.concatenate([f, b[1:]])
            halts = np.concatenate([nf, nb[1:]])
            waypoints = (*wf, np.concatenate([turn, wb[0]]).astype(np.int32), *wb[1:])
            seg = np.concatenate([sf, [self.turn_time_s + sb[0]], sb[1:]])
        else:
            stops = np.concatenate([f, b])
            halts = np.concatenate([nf, nb])
            waypoints = (*wf, np.empty(0, np.int32), *wb)
            seg = np.concatenate([sf, [self.turn_time_s], sb])
        run = self.run_time_s["forward"] + self.through_extra_s + self.run_time_s["backward"]
        return (
            TripPattern(
                "through",
                stops.astype(np.int32),
                halts.astype(np.int32),
                waypoints,
                self.departures_s["forward"],
                run,
                seg.astype(np.float64),
            ),
        )


def _segment_times(graph: RoadGraph, nodes: NDArray[np.integer[Any]]) -> NDArray[np.float64]:
    from .routing import pair_costs

    return pair_costs(graph, nodes[:-1], nodes[1:], weight="travel_time_s")


def _route_stop_index(
    stops: Stops, name: str, lon: float, lat: float, max_m: float = 400.0, near_m: float = 100.0
) -> int | None:
    """The service stop a route relation's stop is: same name (the nearest of
    that name, within ``max_m``), else any stop within ``near_m``."""
    if len(stops) == 0:
        return None
    sx, sy = to_metric(np.asarray(stops.lon), np.asarray(stops.lat))
    px, py = to_metric(np.array([lon]), np.array([lat]))
    d = np.hypot(sx - px[0], sy - py[0])
    key = normalize_name(name) if name else ""
    same = [
        i
        for i, n in enumerate(stops.name)
        if key and (normalize_name(str(n)) == key or normalize_name(str(n)).startswith(key + " ("))
    ]
    if same:
        i = min(same, key=lambda i: d[i])
        if d[i] <= max_m:
            return int(i)
    i = int(np.argmin(d))
    return i if d[i] <= near_m else None


def select_relations(
    spec: LineSpec, where: str, routes: Sequence[OsmRoute]
) -> tuple[OsmRoute, ...]:
    """The route relations of an ``osm_route`` line: forward, then backward.

    Raises
    ------
    ScenarioError
        No relation has the ref, or the choice is ambiguous without ``osm_relations``.
    """
    ref = spec.osm_route
    mine = [r for r in routes if r.ref == ref]
    if not mine:
        refs = sorted({r.ref for r in routes}, key=lambda x: (len(x), x))
        raise ScenarioError(
            f"{where}.osm_route: no bus route relation with ref {ref!r} in the map "
            f"(refs: {', '.join(refs[:50]) or 'none'})"
        )
    by_id = {r.relation_id: r for r in mine}
    listing = "; ".join(f"{r.relation_id} {r.from_name} -> {r.to_name}" for r in mine)
    if spec.osm_relations is not None:
        missing = [i for i in spec.osm_relations if i not in by_id]
        if missing:
            raise ScenarioError(
                f"{where}.osm_relations: relation {missing[0]} is not a route of line {ref!r} "
                f"({listing})"
            )
        return tuple(by_id[i] for i in spec.osm_relations)
    want = 2 if spec.both_directions else 1
    if len(mine) != want:
        raise ScenarioError(
            f"{where}.osm_relations: line {ref!r} has {len(mine)} route relations ({listing}); "
            f"name the {want} to follow"
        )
    return tuple(mine)


def _osm_directions(
    spec: LineSpec, where: str, stops: Stops, graph: RoadGraph, routes: Sequence[OsmRoute]
) -> dict[str, tuple[NDArray[np.int32], OsmRoute]]:
    rels = select_relations(spec, where, routes)
    out = {}
    for d, rel in zip(("forward", "backward"), rels, strict=False):
        idx = []
        for st in rel.stops:
            k = _route_stop_index(stops, st.name, st.lon, st.lat)
            if k is None:
                raise ScenarioError(
                    f"{where}.osm_route: stop {st.name or st.osm_node!r} of route relation "
                    f"{rel.relation_id} is not among the service's stops (service.stops)"
                )
            idx.append(k)
        if len(idx) < 2:
            raise ScenarioError(
                f"{where}.osm_route: route relation {rel.relation_id} has fewer than two stops"
            )
        out[d] = (np.array(idx, dtype=np.int32), rel)
    return out


def build_line(
    spec: LineSpec,
    index: int,
    stops: Stops,
    graph: RoadGraph,
    scenario: Scenario,
    routes: Sequence[OsmRoute] = (),
) -> Line:
    """Build line ``index`` of a scenario: stop sequence, timetable, vehicles.

    Parameters
    ----------
    spec
        The line's ``[[service.lines]]`` entry.
    index
        Its position in ``service.lines`` (for the key path in error messages).
    stops
        The service's stops; the line's stop names are looked up here.
    graph
        Road graph for the driving times between consecutive stops.
    scenario
        The scenario (dwell time and operating hours of its fleet).
    routes
        The map's bus route relations (needed for ``osm_route``).

    Returns
    -------
    Line

    Raises
    ------
    ScenarioError
        A stop is unknown, two consecutive stops have no road path between
        them, a trip runs outside the operating hours, or the line has fewer
        vehicles than its timetable needs.
    """
    where = f"service.lines[{index}]"
    dwell = scenario.fleet.vehicle.dwell_time_s
    seg: dict[str, NDArray[np.float64]] = {}
    run: dict[str, float] = {}
    seqs: dict[str, NDArray[np.int32]] = {}
    halts: dict[str, NDArray[np.int32]] = {}
    ways: dict[str, tuple[NDArray[np.int32], ...]] = {}
    path: dict[str, NDArray[np.int64]] = {}
    off: dict[str, float] = {}
    rel_ids: tuple[int, ...] = ()
    if spec.osm_route is not None:
        for d, (seq, rel) in _osm_directions(spec, where, stops, graph, routes).items():
            try:
                routed = route_direction(graph, rel, list(range(len(rel.stops))))
            except ValueError as exc:
                raise ScenarioError(f"{where}.osm_route: {exc}") from None
            seqs[d] = seq
            halts[d] = routed.stop_nodes
            ways[d] = routed.waypoints
            path[d] = routed.path_edges
            off[d] = routed.off_route_m
            seg[d] = routed.segment_time_s
            rel_ids += (rel.relation_id,)
    else:
        assert spec.stops is not None  # the spec has stops or osm_route
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
        seqs["forward"] = fwd
        if spec.both_directions:
            seqs["backward"] = fwd[::-1].copy()
        via_f = _via_nodes(spec, where, stops, graph, fwd)
        for d, sq in seqs.items():
            n_seg = len(sq) - 1
            if d == "forward":
                ways[d] = tuple(np.array(v, dtype=np.int32) for v in via_f)
            else:
                ways[d] = tuple(np.array(v[::-1], dtype=np.int32) for v in via_f[::-1])
            halts[d] = stops.node[sq].astype(np.int32)
            t = np.zeros(n_seg)
            for k in range(n_seg):
                pts = np.array([halts[d][k], *ways[d][k], halts[d][k + 1]], dtype=np.int64)
                t[k] = float(_segment_times(graph, pts).sum())
            if not np.all(np.isfinite(t)):
                j = int(np.flatnonzero(~np.isfinite(t))[0])
                raise ScenarioError(
                    f"{where}: no road path from {str(stops.name[sq[j]])!r} to {str(stops.name[sq[j + 1]])!r}"
                )
            seg[d] = t
    for d, sq in seqs.items():
        run[d] = float(seg[d].sum() + dwell * (len(sq) - 2))
    turn = extra = 0.0
    if spec.through_running:
        a, b = int(halts["forward"][-1]), int(halts["backward"][0])
        turn = float(_segment_times(graph, np.array([a, b], dtype=np.int32))[0]) if a != b else 0.0
        if not np.isfinite(turn):
            raise ScenarioError(
                f"{where}.through_running: no road path from the outbound to the return terminal"
            )
        merged = int(seqs["forward"][-1]) == int(seqs["backward"][0])
        extra = dwell * (1 if merged else 2) + turn
    hours = scenario.fleet.vehicle.operating_hours
    if spec.departures is not None:
        fwd_dep = np.array(spec.departures, dtype=np.float64)
    else:
        first = hours.start if spec.first is None else spec.first
        # default last departure: the trip (and the return trip) ends by closing time
        back = run.get("backward", 0.0) + (spec.layover_s if spec.both_directions else 0.0)
        if spec.through_running:
            back = extra + run["backward"]
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
        if spec.through_running:
            # riders stay aboard: the return leaves after the dwell at the far terminal
            deps["backward"] = fwd_dep + run["forward"] + extra
        elif spec.return_departures is not None:
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
    if spec.through_running:
        cycle = run["forward"] + extra + back_run + spec.layover_s
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
        stop_nodes=halts,
        waypoints=ways,
        path_edges=path,
        osm_relations=rel_ids,
        off_route_m=off,
        through=spec.through_running,
        turn_time_s=turn,
        dwell_s=dwell,
    )


def _via_nodes(
    spec: LineSpec, where: str, stops: Stops, graph: RoadGraph, fwd: NDArray[np.int32]
) -> list[list[int]]:
    """Per forward segment, the graph nodes of the line's via points, in order."""
    assert spec.stops is not None
    out: list[list[int]] = [[] for _ in range(len(fwd) - 1)]
    for i, v in enumerate(spec.via):
        k = spec.stops.index(v.after)
        if v.street is not None:
            edges = graph.edges_named(v.street)
            if len(edges) == 0:
                close = suggest(v.street, list(graph.street_names))
                hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
                raise ScenarioError(
                    f"{where}.via[{i}].street: no street named {v.street!r} on the road network{hint}"
                )
            a, b = fwd[k], fwd[k + 1]
            mx, my = to_metric(
                np.array([(stops.lon[a] + stops.lon[b]) / 2]),
                np.array([(stops.lat[a] + stops.lat[b]) / 2]),
            )
            cand = np.unique(
                np.concatenate([graph.edge_source[edges], graph.indices[edges]]).astype(np.int64)
            )
            cx, cy = to_metric(graph.lon[cand], graph.lat[cand])
            out[k].append(int(cand[int(np.argmin(np.hypot(cx - mx[0], cy - my[0])))]))
        else:
            assert v.lon is not None and v.lat is not None
            node, _ = graph.nearest_nodes([v.lon], [v.lat])
            out[k].append(int(np.asarray(node)[0]))
    return out


def _max_overlap(starts: NDArray[np.float64], ends: NDArray[np.float64]) -> int:
    events = sorted(
        [(float(s), 1) for s in starts] + [(float(e), -1) for e in ends], key=lambda e: (e[0], e[1])
    )
    cur = best = 0
    for _, k in events:
        cur += k
        best = max(best, cur)
    return best


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

    The first route (in line order, forward before backward; a through-running
    line is one route, out and back) that visits the pickup stop before the
    drop-off stop carries the request; transfers between lines are not
    modelled. Where a route visits a stop twice (a loop, or out and back
    through a terminal), riders take the shortest ride: the visit of the
    drop-off stop next after a visit of the pickup stop, boarding at the
    latest such visit.
    """
    pats = [(i, p) for i, ln in enumerate(lines) for p in ln.patterns()]
    routes = tuple((i, p.label) for i, p in pats)
    n = len(assignment)
    route = np.full(n, -1, dtype=np.int64)
    board = np.full(n, -1, dtype=np.int64)
    alight = np.full(n, -1, dtype=np.int64)
    p = assignment.pickup_stop.astype(np.int64)
    q = assignment.dropoff_stop.astype(np.int64)
    ok = (p >= 0) & (q >= 0)
    p0, q0 = np.where(ok, p, 0), np.where(ok, q, 0)
    for r, (_, pat) in enumerate(pats):
        seq = np.asarray(pat.stops, dtype=np.int64)
        m = len(seq)
        # nxt[s, k]: first position >= k where stop s is visited (m: none)
        nxt = np.full((n_stops, m + 1), m, dtype=np.int64)
        for k in range(m - 1, -1, -1):
            nxt[:, k] = nxt[:, k + 1]
            nxt[seq[k], k] = k
        best_b = np.full(n, -1, dtype=np.int64)
        best_a = np.full(n, -1, dtype=np.int64)
        for k in range(m - 1):  # board at position k
            at = ok & (seq[k] == p0)
            a = nxt[q0, k + 1]
            better = at & (a < m) & ((best_b < 0) | (a - k < best_a - best_b))
            best_b[better], best_a[better] = k, a[better]
        take = (route < 0) & (best_b >= 0)
        route[take], board[take], alight[take] = r, best_b[take], best_a[take]
    return LineRides(routes, route, board, alight)


def check_fleet(scenario: Scenario, lines: tuple[Line, ...]) -> list[str]:
    """Check the lines against the fleet; return warnings for what looks wrong.

    Raises
    ------
    ScenarioError
        The lines need more vehicles than the fleet has (mode line), or leave
        none for on-demand service (mode hybrid).
    """
    warnings: list[str] = []
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
    return warnings
