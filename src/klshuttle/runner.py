"""Run a scenario: resolve it, simulate the day, and collect the results.

:func:`simulate` is what ``klshuttle run`` calls: it places the scenario on
the road graph (:func:`klshuttle.resolve.resolve`), builds the routing tables
(:class:`klshuttle.routing.Router`), turns requests into what the simulator
needs (stops, walks, wait and ride limits), runs the on-demand simulation,
the line simulation or both (hybrid), and returns a :class:`Result` whose
tables have the columns of the output files, with the land-use impact when the
scenario's outputs ask for it. Writing is :func:`klshuttle.outputs.write_result`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ._kernels.simstate import Net, SparseNet
from .accessibility import (
    Accessibility,
    DoorService,
    StopService,
    accessibility,
    service_levels,
)
from .demand.trips import BYTES_PER_REQUEST
from .dispatch import DemandRebalancer, dispatch_params_from_spec
from .errors import ScenarioError
from .events import EVENT_NAMES, REASON_NAMES, EventKind, EventLog, RejectReason
from .graph import to_lonlat, to_metric
from .landuse import LandUse, landuse_impact, parking_lots
from .linesim import LineRoute, LineSimulation, RoutePassengers
from .metrics import kpis as compute_kpis
from .metrics import link_loads, trips_table, vehicles_table
from .osmfeatures import BUILDING_RESIDENTIAL, load_features
from .places import find_place, normalize_name
from .resolve import ResolvedScenario, resolve
from .result import Result
from .routing import Router
from .scenario import FeederDemand, PointSpec, Scenario, display_path
from .shortest_paths import available_memory_bytes, fmt_bytes
from .sim import (
    FleetInput,
    OnDemandSimulation,
    TripInput,
    check_threads,
    net_tables,
    vehicle_state_bytes,
)
from .simnet import node_tables, pair_times_lengths, sparse_net, travel_times
from .walknet import load_walk_graph

logger = logging.getLogger(__name__)

__all__ = ["Result", "check_memory", "prepare_trips", "simulate"]

#: Progress callback: (simulated time s, service start s, service end s).
Progress = Callable[[float, float, float], None]


def check_memory(resolved: ResolvedScenario) -> None:
    """Refuse, before allocating, a run whose state does not fit in the memory.

    The estimate is the vehicles' state (:func:`klshuttle.sim.vehicle_state_bytes`
    per vehicle, growing with the road nodes and the capacity) plus
    :data:`klshuttle.demand.trips.BYTES_PER_REQUEST` per request, against the
    memory available now (the routing tables check themselves).

    Raises
    ------
    ScenarioError
        One line naming ``fleet.vehicles``, the estimate and the memory available.
    """
    sc = resolved.scenario
    n_requests = 0 if resolved.requests is None else len(resolved.requests)
    per_vehicle = vehicle_state_bytes(resolved.graph.n_nodes, sc.fleet.vehicle.capacity)
    need = sc.fleet.vehicles * per_vehicle + n_requests * BYTES_PER_REQUEST
    avail = available_memory_bytes()
    if avail is not None and need > avail:
        label = display_path(sc.source_path) if sc.source_path else sc.name
        raise ScenarioError(
            f"{label}: fleet.vehicles: {sc.fleet.vehicles:,} vehicles of capacity "
            f"{sc.fleet.vehicle.capacity} on {resolved.graph.n_nodes:,} road nodes with "
            f"{n_requests:,} requests need about {fmt_bytes(need)} of memory, more than "
            f"the {fmt_bytes(avail)} available"
        )


#: :func:`simulate`'s ``routing`` choices and the Router mode each needs.
ROUTER_MODES: dict[str, Literal["auto", "matrix", "query"]] = {
    "auto": "auto",
    "tables": "matrix",
    "hierarchy": "query",
}


def _simulation_net(
    router: Router, resolved: ResolvedScenario, *, hierarchy: bool = False
) -> Net | SparseNet:
    """The router's all-pairs tables, or the graph's contraction hierarchy when they
    do not fit or ``hierarchy`` asks for it (line service then reads tables over
    its stops and depots only)."""
    if router.mode == "matrix" and not hierarchy:
        return net_tables(router)
    sc = resolved.scenario
    n = resolved.graph.n_nodes
    logger.info("simulating on the contraction hierarchy of %d nodes (no all-pairs tables)", n)
    return sparse_net(resolved.graph, n_vehicles=sc.fleet.vehicles)


def prepare_trips(
    resolved: ResolvedScenario, net: Net | SparseNet
) -> tuple[pd.DataFrame, TripInput]:
    """Turn the day's requests into what the simulators need.

    Stop-based service: passengers walk to their assigned stop (walking
    distance / walking speed) and ask for the ride when they are there;
    door-to-door: the ride starts at the graph node nearest the door.
    Requests without a stop in reach, or with the same stop (node) at both
    ends, are marked as rejected before the simulation starts. Walking the
    whole way takes the straight line x ``walk_detour_factor`` at
    ``walk_speed_mps`` (``walk_all_s``); with ``reject_if_walking_faster`` the
    dispatcher may plan no drop-off after the time that walking would beat.
    A rider with a deadline (``latest_arrival_s``, a train) must be dropped
    off by the deadline minus the walk from the drop-off stop (a hard limit).

    Returns
    -------
    base : DataFrame
        Request columns of trips.csv, in the simulators' order (by the time the
        dispatcher learns of the request - a prebooked ride's booking time,
        else the time the passenger is at the pickup point - then that time,
        then request id).
    trips : TripInput
        The same requests as arrays for the simulators.
    """
    sc = resolved.scenario
    od = sc.service.on_demand
    req = resolved.requests
    assert req is not None  # resolve(demand=True)
    graph = resolved.graph
    n = len(req)
    pre = np.zeros(n, dtype=np.int8)
    asg = resolved.assignment
    stops = resolved.stops
    if asg is not None:
        has_p, has_d = asg.pickup_stop >= 0, asg.dropoff_stop >= 0
        pickup = np.where(has_p, stops.node[np.maximum(asg.pickup_stop, 0)], req.origin_node)
        dropoff = np.where(has_d, stops.node[np.maximum(asg.dropoff_stop, 0)], req.dest_node)
        walk_to = np.where(has_p, asg.pickup_walk_m, np.nan)
        walk_from = np.where(has_d, asg.dropoff_walk_m, np.nan)
        names = stops.name.astype(str)
        pickup_stop = np.where(has_p, names[np.maximum(asg.pickup_stop, 0)], "")
        dropoff_stop = np.where(has_d, names[np.maximum(asg.dropoff_stop, 0)], "")
        for reason in (RejectReason.no_stop_in_reach, RejectReason.same_stop):
            pre[asg.reason == reason.label] = reason
    else:
        pickup = np.asarray(req.origin_node)
        dropoff = np.asarray(req.dest_node)
        _, snap_to_m = graph.nearest_nodes(req.origin_lon, req.origin_lat)
        _, snap_from_m = graph.nearest_nodes(req.dest_lon, req.dest_lat)
        walk_to = np.asarray(snap_to_m) * od.walk_detour_factor
        walk_from = np.asarray(snap_from_m) * od.walk_detour_factor
        pickup_stop = dropoff_stop = np.full(n, "")
    pre[(pre == 0) & (pickup == dropoff)] = RejectReason.same_stop
    walk_s = np.where(pre == 0, np.nan_to_num(walk_to) / od.walk_speed_mps, 0.0)
    submit = np.asarray(req.time_s) + walk_s
    # walking the whole way: straight line x the walking detour factor
    ox, oy = to_metric(req.origin_lon, req.origin_lat)
    dx, dy = to_metric(req.dest_lon, req.dest_lat)
    walk_all_s = np.hypot(dx - ox, dy - oy) * od.walk_detour_factor / od.walk_speed_mps
    # the dispatcher learns of a prebooked ride when it is booked, of an
    # immediate one when the rider is at the stop; requests in that order
    book = np.asarray(req.book_s, dtype=np.float64)
    release = np.where(np.isnan(book), submit, np.minimum(book, submit))
    order = np.lexsort((np.asarray(req.request_id), submit, release))
    pickup, dropoff = pickup[order].astype(np.int32), dropoff[order].astype(np.int32)
    direct_s, direct_m = pair_times_lengths(net, pickup, dropoff)
    base = pd.DataFrame(
        {
            "request_id": np.asarray(req.request_id)[order],
            "tag": np.asarray(req.tag).astype(str)[order],
            "passengers": np.asarray(req.passengers)[order],
            "request_s": np.asarray(req.time_s)[order],
            "submit_s": submit[order],
            "book_s": book[order],
            "prebooked": ~np.isnan(book[order]),
            "origin_lon": np.asarray(req.origin_lon)[order],
            "origin_lat": np.asarray(req.origin_lat)[order],
            "dest_lon": np.asarray(req.dest_lon)[order],
            "dest_lat": np.asarray(req.dest_lat)[order],
            "pickup_stop": pickup_stop[order],
            "dropoff_stop": dropoff_stop[order],
            "pickup_node": pickup,
            "dropoff_node": dropoff,
            "walk_to_m": walk_to[order],
            "walk_from_m": walk_from[order],
            "direct_s": direct_s,
            "direct_m": direct_m,
            "walk_all_s": walk_all_s[order],
        }
    )
    # latest drop-off that still beats walking: request time + walking the
    # whole way - the walk from the drop-off stop
    walk_from_s = np.nan_to_num(np.asarray(walk_from)[order]) / od.walk_speed_mps
    base["walk_from_s"] = walk_from_s
    beat_walking = np.asarray(req.time_s)[order] + walk_all_s[order] - walk_from_s
    if not od.reject_if_walking_faster:
        beat_walking = np.full(n, np.inf)
    # a rider's deadline (a train): at the destination by latest_arrival_s,
    # so off the shuttle a walk from the drop-off stop earlier
    arrive_by = np.asarray(req.latest_arrival_s)[order]
    by_deadline = np.where(np.isnan(arrive_by), np.inf, arrive_by - walk_from_s)
    base["train"] = np.asarray(req.train).astype(str)[order]
    base["latest_arrival_s"] = arrive_by
    has_limit = np.isfinite(beat_walking) | np.isfinite(by_deadline)
    trips = TripInput(
        t_submit_s=submit[order],
        pickup_node=pickup,
        dropoff_node=dropoff,
        pax=np.asarray(req.passengers, dtype=np.int32)[order],
        max_wait_s=np.full(n, od.max_wait_s),
        max_ride_s=od.max_ride_time_s(direct_s),
        pre_reason=pre[order],
        latest_dropoff_s=np.minimum(beat_walking, by_deadline) if has_limit.any() else None,
        deadline=(np.isfinite(by_deadline) & (by_deadline <= beat_walking)).astype(np.uint8),
        release_s=release[order] if (~np.isnan(book)).any() else None,
    )
    return base, trips


def _line_routes(resolved: ResolvedScenario) -> list[LineRoute]:
    """All directions of all lines, in the order of :func:`klshuttle.lines.line_rides`."""
    routes = []
    for line in resolved.lines:
        for pat in line.patterns():
            routes.append(
                LineRoute(
                    line=line.name,
                    direction=pat.label,
                    stop_nodes=np.asarray(pat.stop_nodes, dtype=np.int32),
                    waypoints=pat.waypoints,
                    departures_s=np.asarray(pat.departures_s, dtype=np.float64),
                    layover_s=float(line.layover_s),
                )
            )
    return routes


def _longest_gap_s(departures_s: NDArray[np.float64]) -> float:
    """The longest time between two departures of a line direction (0 for one departure)."""
    d = np.sort(np.asarray(departures_s, dtype=np.float64))
    return float(np.diff(d).max()) if len(d) > 1 else 0.0


def _board_where_lines_halt(
    base: pd.DataFrame,
    trips: TripInput,
    routes: list[LineRoute],
    rp: RoutePassengers,
    net: Net | SparseNet,
    scenario: Any,
) -> tuple[pd.DataFrame, TripInput]:
    """Line riders board and alight where their line direction halts.

    A line that follows an OSM route relation halts on the carriageway of its
    direction, which may be another node than the stop's; pickup and drop-off
    nodes, direct times and ride limits follow the halts (unchanged for lines
    that halt at the stops' nodes).
    """
    use = np.flatnonzero(rp.route >= 0)
    if len(use) == 0:
        return base, trips
    pick = np.asarray(trips.pickup_node).copy()
    drop = np.asarray(trips.dropoff_node).copy()
    for i in use:
        nodes = routes[int(rp.route[i])].stop_nodes
        pick[i] = nodes[int(rp.board[i])]
        drop[i] = nodes[int(rp.alight[i])]
    if np.array_equal(pick, trips.pickup_node) and np.array_equal(drop, trips.dropoff_node):
        return base, trips
    direct_s, direct_m = pair_times_lengths(net, pick, drop)
    base = base.assign(pickup_node=pick, dropoff_node=drop, direct_s=direct_s, direct_m=direct_m)
    od = scenario.service.on_demand
    trips = replace(
        trips,
        pickup_node=pick.astype(np.int32),
        dropoff_node=drop.astype(np.int32),
        max_ride_s=od.max_ride_time_s(direct_s),
    )
    return base, trips


def _subset_trips(trips: TripInput, idx: NDArray[np.int64]) -> TripInput:
    subset: dict[str, Any] = {}
    for k in TripInput.__dataclass_fields__:
        v = getattr(trips, k)
        subset[k] = None if v is None else np.asarray(v)[idx]
    return TripInput(**subset)


def _events_frame(log: EventLog, base: pd.DataFrame, graph: Any) -> pd.DataFrame:
    e = log.events
    node = e["node"]
    req = e["request"]
    etype = e["event"]
    # string columns as object arrays taken from their few distinct values: pandas
    # turns those into its string dtype several times faster than numpy "U" arrays
    names = np.array(EVENT_NAMES, dtype=object)[etype]
    detail = np.full(len(etype), "", dtype=object)
    is_reject = etype == EventKind.reject
    detail[is_reject] = np.array(REASON_NAMES, dtype=object)[e["info"][is_reject]]
    target = np.isin(
        etype,
        [EventKind.depart, EventKind.divert, EventKind.rebalance, EventKind.return_to_depot],
    )
    to_node, which = np.unique(e["info"][target], return_inverse=True)
    detail[target] = np.array([f"to node {graph.osmid[x]}" for x in to_node], dtype=object)[which]
    rid = np.where(req >= 0, base["request_id"].to_numpy()[np.maximum(req, 0)], -1)
    return pd.DataFrame(
        {
            "time_s": e["t_s"],
            "event": pd.array(names, dtype="str"),
            "vehicle": e["vehicle"].astype(np.int64),
            "request_id": rid.astype(np.int64),
            "node_osmid": graph.osmid[node],
            "lon": graph.lon[node],
            "lat": graph.lat[node],
            "load": np.where(
                np.isin(etype, [EventKind.request, EventKind.reject]), 0, e["load"]
            ).astype(np.int64),
            "passengers": np.where(req >= 0, base["passengers"].to_numpy()[np.maximum(req, 0)], 0),
            "detail": pd.array(detail, dtype="str"),
        }
    )


def simulate(
    scenario: Scenario,
    *,
    seed: int | None = None,
    resolved: ResolvedScenario | None = None,
    router: Router | None = None,
    progress: Progress | None = None,
    threads: int = 1,
    routing: str = "auto",
) -> Result:
    """Simulate one day of the scenario's service.

    Parameters
    ----------
    scenario
        A validated scenario (:func:`klshuttle.load_scenario`).
    seed
        Demand seed; default the scenario's ``demand.seed``.
    resolved, router
        Reuse an already resolved scenario or router (sweeps, benchmarks).
    progress
        Called with (simulated time, start, end) as the day advances.
    threads
        Threads of the on-demand insertion search over vehicles (1: serial,
        the default). The outputs are byte-identical whatever the count; more
        threads pay off from a few hundred vehicles (README, "Parallel
        insertion").
    routing
        How the simulation finds travel times and paths: ``"tables"``, the
        all-pairs tables (fastest; 20 bytes per node pair); ``"hierarchy"``,
        the graph's contraction hierarchy (memory grows with the nodes, not
        their square; lines read tables over their stops and depots);
        ``"auto"`` (default): the tables when they fit (the Router's
        ``mode="auto"``), else the hierarchy.

    Returns
    -------
    Result
        Tables, KPIs, the event log and, when ``[outputs].which`` lists
        ``landuse``, the land-use impact; :func:`klshuttle.outputs.write_result`
        writes the files.
    """
    check_threads(threads)
    if routing not in ROUTER_MODES:
        raise ValueError(f"routing must be one of {', '.join(ROUTER_MODES)}, got {routing!r}")
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    seed = scenario.seed if seed is None else int(seed)
    if resolved is None:
        resolved = resolve(scenario, seed=seed)
    check_memory(resolved)
    timings["resolve"] = time.perf_counter() - t0
    t = time.perf_counter()
    if router is None:
        router = Router(resolved.graph, mode=ROUTER_MODES[routing])
    elif router.n_nodes != resolved.graph.n_nodes:
        raise ValueError(
            f"the router was built for a graph of {router.n_nodes} nodes, but the "
            f"scenario resolves to one of {resolved.graph.n_nodes}: pass the router "
            "of the scenario's own graph"
        )
    net = _simulation_net(router, resolved, hierarchy=routing == "hierarchy")
    timings["routing_tables"] = time.perf_counter() - t
    t = time.perf_counter()
    base, trips = prepare_trips(resolved, net)
    sc = resolved.scenario
    # fail on an unknown destination before the day is simulated
    destinations = _destinations(resolved) if "accessibility" in sc.outputs.which else []
    veh = sc.fleet.vehicle
    start_s, end_s = float(veh.operating_hours.start), float(veh.operating_hours.end)
    depot_nodes = np.asarray(resolved.depots.vehicle_node, dtype=np.int32)
    fleet = FleetInput(
        depot_node=depot_nodes,
        capacity=int(veh.capacity),
        dwell_s=float(veh.dwell_time_s),
        per_pax_s=float(veh.boarding_time_s),
    )
    mode = sc.service.mode
    n_line = 0 if mode == "on_demand" else sum(ln.vehicles for ln in resolved.lines)
    parts: list[tuple[EventLog, NDArray[np.int64]]] = []
    all_idx = np.arange(len(trips), dtype=np.int64)
    on_demand_idx = all_idx
    if mode in ("line", "hybrid"):
        routes = _line_routes(resolved)
        rides = resolved.line_rides()
        assert rides is not None  # lines and a stop assignment exist in line and hybrid mode
        rid = base["request_id"].to_numpy()  # request ids are positions in time order
        rp = RoutePassengers(rides.route[rid], rides.board[rid], rides.alight[rid])
        base, trips = _board_where_lines_halt(base, trips, routes, rp, net, sc)
        use_line = rp.route >= 0
        if mode == "line":
            pre = np.asarray(trips.pre_reason).copy()
            pre[(pre == 0) & ~use_line] = RejectReason.no_line_connection
            trips = replace(trips, pre_reason=pre)
            line_idx = all_idx
            on_demand_idx = all_idx[:0]
        else:
            line_idx = all_idx[use_line & (np.asarray(trips.pre_reason) == 0)]
            on_demand_idx = np.setdiff1d(all_idx, line_idx)
        # line riders ride as the timetable goes: the on-demand ride limit is not
        # theirs, and they wait for the next departure (up to the route's longest
        # gap between departures, at least the on-demand wait limit)
        no_limit = np.asarray(trips.max_ride_s, dtype=np.float64).copy()
        no_limit[line_idx] = np.inf
        gap = np.array([_longest_gap_s(rt.departures_s) for rt in routes] + [0.0])
        wait = np.asarray(trips.max_wait_s, dtype=np.float64).copy()
        wait[line_idx] = np.maximum(wait[line_idx], gap[rp.route[line_idx]])
        trips = replace(trips, max_ride_s=no_limit, max_wait_s=wait)
        vehicle_line = [ln.name for ln in resolved.lines for _ in range(ln.vehicles)]
        line_fleet = replace(fleet, depot_node=depot_nodes[:n_line])
        sub = RoutePassengers(rp.route[line_idx], rp.board[line_idx], rp.alight[line_idx])
        log = LineSimulation(
            net if isinstance(net, Net) else node_tables(net),
            routes,
            vehicle_line,
            line_fleet,
            _subset_trips(trips, line_idx),
            sub,
            start_s=start_s,
            end_s=end_s,
        ).run()
        parts.append((log, line_idx))
        if progress is not None:
            progress(end_s, start_s, end_s)
    if mode in ("on_demand", "hybrid"):
        d = sc.dispatch
        od_fleet = replace(fleet, depot_node=depot_nodes[n_line:])
        targets = resolved.stops.node if len(resolved.stops) else np.unique(depot_nodes)
        sim = OnDemandSimulation(
            net,
            od_fleet,
            _subset_trips(trips, on_demand_idx),
            start_s=start_s,
            end_s=end_s,
            dispatch=dispatch_params_from_spec(d, pooling=sc.service.on_demand.pooling)._replace(
                threads=threads
            ),
            rebalancing=d.rebalancing,
            rebalancing_interval_s=d.rebalancing_interval_s,
            rebalancer=DemandRebalancer(net, np.asarray(targets, dtype=np.int32))
            if d.rebalancing == "demand"
            else None,
        )
        for chunk in sim.run(chunk_s=900.0):
            if progress is not None:
                progress(min(chunk.sim_time_s, end_s), start_s, end_s)
        parts.append((sim.event_log(), on_demand_idx))
    log = (
        parts[0][0]
        if len(parts) == 1 and mode != "hybrid"
        else EventLog.concat(parts, trips, fleet)
    )
    service = np.full(len(base), "on_demand", dtype=object)
    service[np.setdiff1d(all_idx, on_demand_idx)] = "line"
    base["service"] = service
    n_od = log.fleet.n_vehicles - n_line
    vehicle_service = np.array(["line"] * min(n_line, log.fleet.n_vehicles) + ["on_demand"] * n_od)
    timings["simulation"] = time.perf_counter() - t
    t = time.perf_counter()
    trip_tab = trips_table(log, base)
    vehicles = vehicles_table(log, net, trip_tab, vehicle_service)
    loads = link_loads(log, net, resolved.graph)
    k = compute_kpis(trip_tab, vehicles)
    warnings = _fleet_warnings(k)
    events = _events_frame(log, base, resolved.graph)
    timings["tables"] = time.perf_counter() - t
    run_id = sc.run_id(seed)
    kp = {"scenario": sc.name, "run_id": run_id, "seed": seed, "mode": mode, **k}
    landuse = (
        _landuse(resolved, trip_tab, vehicles, run_id) if "landuse" in sc.outputs.which else None
    )
    access = None
    if "accessibility" in sc.outputs.which:
        t = time.perf_counter()
        access = _accessibility(resolved, trip_tab, net, destinations, run_id)
        timings["accessibility"] = time.perf_counter() - t
    return Result(
        scenario=sc,
        seed=seed,
        run_id=run_id,
        trips=trip_tab,
        vehicles=vehicles,
        events=events,
        link_loads=loads,
        kpis=kp,
        resolved=resolved,
        log=log,
        landuse=landuse,
        accessibility=access,
        timings_s=timings,
        warnings=warnings,
    )


#: Share of the fleet that may stand still all day before a run warns.
NEVER_MOVED_WARN_SHARE = 0.1


def _fleet_warnings(k: dict[str, Any]) -> list[str]:
    """Warnings about the run's outcome: a fleet larger than the demand needs."""
    idle, n = k["vehicles_never_moved"], k["vehicles"]
    if n and idle > NEVER_MOVED_WARN_SHARE * n:
        return [
            f"{idle} of {n} vehicles never moved all day (more than "
            f"{NEVER_MOVED_WARN_SHARE:.0%} of the fleet): the same service needs fewer vehicles"
        ]
    return []


def _landuse(
    resolved: ResolvedScenario, trips: pd.DataFrame, vehicles: pd.DataFrame, run_id: str
) -> LandUse:
    """The land-use impact of a run; the car parks come from the map's OSM features."""
    sc = resolved.scenario
    return landuse_impact(
        trips=trips,
        n_vehicles=len(vehicles),
        vehicle_km=float(vehicles["km_driven"].sum()),
        graph=resolved.graph,
        area=resolved.area.polygon,
        area_km2=resolved.area.area_km2,
        car_parks=parking_lots(load_features(sc.map.source)),
        params=sc.landuse,
        scenario_name=sc.name,
        run_id=run_id,
        min_trip_ends=sc.privacy.min_trips,
    )


def _destinations(resolved: ResolvedScenario) -> list[tuple[str, float, float]]:
    """The ``[accessibility]`` destinations and the demand models' hubs, as (name, lon, lat).

    A name is looked up among the gazetteer's places, then the service's stops,
    then the map's rail stations; an unknown name is a scenario error.
    """
    sc = resolved.scenario
    label = display_path(sc.source_path) if sc.source_path else sc.name
    named: list[tuple[Any, str]] = [
        (d, f"accessibility.destinations[{i}]") for i, d in enumerate(sc.accessibility.destinations)
    ]
    for i, model in enumerate(sc.demand.models):
        for hub in getattr(model, "hubs", None) or {}:
            named.append((hub, f"demand.models[{i}].hubs.{hub}"))
        if isinstance(model, FeederDemand):
            named.append((model.hub, f"demand.models[{i}].hub"))
    stops = resolved.stops
    stop_names = {normalize_name(str(n)): i for i, n in enumerate(stops.name)}
    out: dict[str, tuple[str, float, float]] = {}
    feats = None
    for loc, where in named:
        if isinstance(loc, PointSpec):
            name = loc.name or f"{loc.lat:.5f} N {loc.lon:.5f} E"
            out.setdefault(name, (name, loc.lon, loc.lat))
            continue
        place = find_place(str(loc))
        if place is not None:
            out.setdefault(place.name, (place.name, place.lon, place.lat))
            continue
        key = normalize_name(str(loc))
        if key in stop_names:
            i = stop_names[key]
            name = str(stops.name[i])
            out.setdefault(name, (name, float(stops.lon[i]), float(stops.lat[i])))
            continue
        feats = feats if feats is not None else load_features(sc.map.source)
        hit = [j for j, s in enumerate(feats.station_name) if normalize_name(str(s)) == key]
        if not hit:
            raise ScenarioError(f"{label}: {where}: no place, stop or station named {loc!r}")
        j = hit[0]
        name = str(feats.station_name[j])
        out.setdefault(name, (name, float(feats.station_lon[j]), float(feats.station_lat[j])))
    return list(out.values())


def _shuttle_service(
    resolved: ResolvedScenario,
    net: Net | SparseNet,
    res_lon: Any,
    res_lat: Any,
    dests: list[Any],
) -> StopService | DoorService | None:
    """The shuttle as the accessibility measure sees it: stops and the rides between them."""
    sc = resolved.scenario
    od = sc.service.on_demand
    stops = resolved.stops
    mode = sc.service.mode
    if mode != "line" and not od.stop_based:
        graph = resolved.graph
        bn, bd = graph.nearest_nodes(res_lon, res_lat)
        bn = np.asarray(bn)
        board = np.where(
            resolved.area.node_inside[bn], np.asarray(bd) * od.walk_detour_factor, np.inf
        )
        board = np.where(board <= od.max_walk_m, board, np.inf)
        dn, dd = graph.nearest_nodes([d[1] for d in dests], [d[2] for d in dests])
        dn = np.asarray(dn)
        alight = np.where(
            resolved.area.node_inside[dn], np.asarray(dd) * od.walk_detour_factor, np.inf
        )
        alight = np.where(alight <= od.max_walk_m, alight, np.inf)
        return DoorService(board, alight, travel_times(net, bn, dn))
    if len(stops) == 0:
        return None
    node = np.asarray(stops.node)
    direct = travel_times(net, node, node)
    if mode == "line":
        ok = np.zeros(direct.shape, dtype=bool)
        for line in resolved.lines:
            for seq in line.stops.values():
                seq = np.asarray(seq)
                for a in range(len(seq)):
                    ok[seq[a], seq[a + 1 :]] = True
    else:  # on demand (and hybrid): any stop to any other
        ok = np.ones(direct.shape, dtype=bool)
    ok &= node[:, None] != node[None, :]
    return StopService(
        np.asarray(stops.lon, dtype=np.float64),
        np.asarray(stops.lat, dtype=np.float64),
        np.where(ok, direct, np.inf),
        float(od.max_walk_m),
    )


def _accessibility(
    resolved: ResolvedScenario,
    trips: pd.DataFrame,
    net: Net | SparseNet,
    destinations: list[tuple[str, float, float]],
    run_id: str,
) -> Accessibility:
    """Residents reaching the destinations, walking and with the shuttle (this run's day)."""
    sc = resolved.scenario
    spec = sc.accessibility
    feats = load_features(sc.map.source)
    walk = load_walk_graph(sc.map.source)
    home = feats.building_use == BUILDING_RESIDENTIAL
    res_lon, res_lat = to_lonlat(feats.building_x[home], feats.building_y[home])
    area_m2 = feats.building_area_m2[home]
    persons = spec.population * area_m2 / area_m2.sum()
    veh = sc.fleet.vehicle
    # a resident setting out without a booking waits what immediate requests
    # wait; prebooked rides are planned to their time (a wait near zero)
    prebooked = (
        trips["prebooked"].to_numpy(dtype=bool)
        if "prebooked" in trips
        else np.zeros(len(trips), bool)
    )
    asked_now = bool(prebooked.any() and not prebooked.all())
    day, hours = service_levels(
        trips[~prebooked] if asked_now else trips,
        percentile=spec.wait_percentile,
        start_s=float(veh.operating_hours.start),
        end_s=float(veh.operating_hours.end),
    )
    service = _shuttle_service(resolved, net, res_lon, res_lat, destinations)
    info = {
        "scenario": sc.name,
        "run_id": run_id,
        "residents": {
            "population": spec.population,
            "residential_buildings": int(home.sum()),
            "how": (
                "the population shared over the map's residential buildings (inside "
                "landuse=residential) in proportion to their footprint, as the osm "
                "demand model weights homes"
            ),
            "source": (
                "Kaiserslautern core city 78,501 residents (end of 2016, city press "
                "release; shared/DOMAIN.md): the map extract holds the core city"
            ),
        },
        "walking": (
            "osmnx network_type walk from the scenario's OSM file; straight line from "
            "building and destination to the nearest walking node"
        ),
        "shuttle": (
            "none"
            if service is None
            else "door to door"
            if isinstance(service, DoorService)
            else f"{len(service.lon)} stops, walks of at most {service.max_walk_m:g} m "
            "to and from them"
        ),
        "wait": (
            f"the {spec.wait_percentile:g}th percentile of the waits of the "
            f"{'immediate ' if asked_now else ''}requests "
            "(a rejected request counts as never served"
            f"{'; prebooked rides, planned to their time, are left out' if asked_now else ''})"
        ),
        "ride": "direct road time x the median detour (ride / direct time) of the served trips",
    }
    return accessibility(
        walk=walk,
        res_lon=res_lon,
        res_lat=res_lat,
        persons=persons,
        destinations=destinations,
        service=service,
        day=day,
        hours=hours,
        walk_speed_mps=float(sc.service.on_demand.walk_speed_mps),
        thresholds_min=list(spec.thresholds_min),
        grid_m=float(spec.grid_m),
        info=info,
    )
