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

import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ._kernels.simstate import Net
from .dispatch import DemandRebalancer, dispatch_params_from_spec
from .events import EVENT_NAMES, REASON_NAMES, EventKind, EventLog, RejectReason
from .landuse import LandUse, landuse_impact, parking_lots
from .linesim import LineRoute, LineSimulation, RoutePassengers
from .metrics import kpis as compute_kpis
from .metrics import link_loads, trips_table, vehicles_table
from .osmfeatures import load_features
from .resolve import ResolvedScenario, resolve
from .result import Result
from .routing import Router
from .scenario import Scenario
from .sim import FleetInput, OnDemandSimulation, TripInput, net_tables

__all__ = ["Result", "prepare_trips", "simulate"]

#: Progress callback: (simulated time s, service start s, service end s).
Progress = Callable[[float, float, float], None]


def prepare_trips(resolved: ResolvedScenario, net: Net) -> tuple[pd.DataFrame, TripInput]:
    """Turn the day's requests into what the simulators need.

    Stop-based service: passengers walk to their assigned stop (walking
    distance / walking speed) and ask for the ride when they are there;
    door-to-door: the ride starts at the graph node nearest the door.
    Requests without a stop in reach, or with the same stop (node) at both
    ends, are marked as rejected before the simulation starts.

    Returns
    -------
    base : DataFrame
        Request columns of trips.csv, in the simulators' order (by the time the
        passenger is at the pickup point, then request id).
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
        _, walk_to = graph.nearest_nodes(req.origin_lon, req.origin_lat)
        _, walk_from = graph.nearest_nodes(req.dest_lon, req.dest_lat)
        walk_to = np.asarray(walk_to) * od.walk_detour_factor
        walk_from = np.asarray(walk_from) * od.walk_detour_factor
        pickup_stop = dropoff_stop = np.full(n, "")
    pre[(pre == 0) & (pickup == dropoff)] = RejectReason.same_stop
    walk_s = np.where(pre == 0, np.nan_to_num(walk_to) / od.walk_speed_mps, 0.0)
    submit = np.asarray(req.time_s) + walk_s
    order = np.lexsort((np.asarray(req.request_id), submit))
    pickup, dropoff = pickup[order].astype(np.int32), dropoff[order].astype(np.int32)
    direct_s = net.time_s[pickup, dropoff]
    direct_m = net.length_m[pickup, dropoff]
    base = pd.DataFrame(
        {
            "request_id": np.asarray(req.request_id)[order],
            "tag": np.asarray(req.tag).astype(str)[order],
            "passengers": np.asarray(req.passengers)[order],
            "request_s": np.asarray(req.time_s)[order],
            "submit_s": submit[order],
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
        }
    )
    trips = TripInput(
        t_submit_s=submit[order],
        pickup_node=pickup,
        dropoff_node=dropoff,
        pax=np.asarray(req.passengers, dtype=np.int32)[order],
        max_wait_s=np.full(n, od.max_wait_s),
        max_ride_s=od.max_ride_time_s(direct_s),
        pre_reason=pre[order],
    )
    return base, trips


def _line_routes(resolved: ResolvedScenario) -> list[LineRoute]:
    """All directions of all lines, in the order of :func:`klshuttle.lines.line_rides`."""
    routes = []
    for line in resolved.lines:
        for direction in line.directions:
            idx = np.asarray(line.stops[direction], dtype=np.int32)
            routes.append(
                LineRoute(
                    line=line.name,
                    direction=direction,
                    stop_nodes=np.asarray(
                        line.stop_nodes.get(direction, resolved.stops.node[idx]), dtype=np.int32
                    ),
                    waypoints=line.waypoints.get(direction, ()),
                    departures_s=np.asarray(line.departures_s[direction], dtype=np.float64),
                    layover_s=float(line.layover_s),
                )
            )
    return routes


def _board_where_lines_halt(
    base: pd.DataFrame,
    trips: TripInput,
    routes: list[LineRoute],
    rp: RoutePassengers,
    net: Net,
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
    direct_s = net.time_s[pick, drop]
    base = base.assign(
        pickup_node=pick, dropoff_node=drop, direct_s=direct_s, direct_m=net.length_m[pick, drop]
    )
    od = scenario.service.on_demand
    trips = replace(
        trips,
        pickup_node=pick.astype(np.int32),
        dropoff_node=drop.astype(np.int32),
        max_ride_s=od.max_ride_time_s(direct_s),
    )
    return base, trips


def _subset_trips(trips: TripInput, idx: NDArray[np.int64]) -> TripInput:
    return TripInput(
        **{k: np.asarray(getattr(trips, k))[idx] for k in TripInput.__dataclass_fields__}
    )


def _events_frame(log: EventLog, base: pd.DataFrame, graph: Any) -> pd.DataFrame:
    e = log.events
    node = e["node"]
    req = e["request"]
    etype = e["event"]
    names = np.array(EVENT_NAMES)[etype]
    detail = np.full(len(etype), "", dtype=object)
    is_reject = etype == EventKind.reject
    detail[is_reject] = np.array(REASON_NAMES, dtype=object)[e["info"][is_reject]]
    target = np.isin(
        etype,
        [EventKind.depart, EventKind.divert, EventKind.rebalance, EventKind.return_to_depot],
    )
    detail[target] = [f"to node {graph.osmid[x]}" for x in e["info"][target]]
    rid = np.where(req >= 0, base["request_id"].to_numpy()[np.maximum(req, 0)], -1)
    return pd.DataFrame(
        {
            "time_s": e["t_s"],
            "event": names,
            "vehicle": e["vehicle"].astype(np.int64),
            "request_id": rid.astype(np.int64),
            "node_osmid": graph.osmid[node],
            "lon": graph.lon[node],
            "lat": graph.lat[node],
            "load": np.where(
                np.isin(etype, [EventKind.request, EventKind.reject]), 0, e["load"]
            ).astype(np.int64),
            "passengers": np.where(req >= 0, base["passengers"].to_numpy()[np.maximum(req, 0)], 0),
            "detail": detail.astype(str),
        }
    )


def simulate(
    scenario: Scenario,
    *,
    seed: int | None = None,
    resolved: ResolvedScenario | None = None,
    router: Router | None = None,
    progress: Progress | None = None,
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

    Returns
    -------
    Result
        Tables, KPIs, the event log and, when ``[outputs].which`` lists
        ``landuse``, the land-use impact; :func:`klshuttle.outputs.write_result`
        writes the files.
    """
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    seed = scenario.seed if seed is None else int(seed)
    if resolved is None:
        resolved = resolve(scenario, seed=seed)
    timings["resolve"] = time.perf_counter() - t0
    t = time.perf_counter()
    if router is None:
        router = Router(resolved.graph)
    net = net_tables(router)
    timings["routing_tables"] = time.perf_counter() - t
    t = time.perf_counter()
    base, trips = prepare_trips(resolved, net)
    sc = resolved.scenario
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
        else:
            line_idx = all_idx[use_line & (np.asarray(trips.pre_reason) == 0)]
            on_demand_idx = np.setdiff1d(all_idx, line_idx)
        vehicle_line = [ln.name for ln in resolved.lines for _ in range(ln.vehicles)]
        line_fleet = replace(fleet, depot_node=depot_nodes[:n_line])
        sub = RoutePassengers(rp.route[line_idx], rp.board[line_idx], rp.alight[line_idx])
        log = LineSimulation(
            net,
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
            dispatch=dispatch_params_from_spec(d, pooling=sc.service.on_demand.pooling),
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
    timings["simulation"] = time.perf_counter() - t
    t = time.perf_counter()
    trip_tab = trips_table(log, base)
    vehicles = vehicles_table(log, net, trip_tab)
    loads = link_loads(log, net, resolved.graph)
    k = compute_kpis(trip_tab, vehicles)
    events = _events_frame(log, base, resolved.graph)
    timings["tables"] = time.perf_counter() - t
    run_id = sc.run_id(seed)
    kp = {"scenario": sc.name, "run_id": run_id, "seed": seed, "mode": mode, **k}
    landuse = (
        _landuse(resolved, trip_tab, vehicles, run_id) if "landuse" in sc.outputs.which else None
    )
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
        timings_s=timings,
    )


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
    )
