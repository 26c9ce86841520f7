"""KPIs and tables from a finished simulation's event log.

Everything here is a pure function of the event log and the inputs: the
trip table (one row per request), the vehicle table (one row per vehicle),
the link loads (passages and passenger-km per road edge) and the KPIs a
planner compares between scenarios.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ._kernels.simloop import link_loads as _link_loads_kernel
from ._kernels.simloop import link_riders as _link_riders_kernel
from ._kernels.simloop import table_leg_edges
from ._kernels.simstate import Net, SparseNet
from .events import REASON_NAMES, EventKind, EventLog, LegKind, LegPaths, RequestStatus
from .graph import RoadGraph

__all__ = [
    "TRIP_COLUMNS",
    "VEHICLE_COLUMNS",
    "connection_kpis",
    "kpis",
    "link_loads",
    "trips_table",
    "vehicles_table",
]

#: Columns of trips.csv, in order.
TRIP_COLUMNS = [
    "request_id",
    "tag",
    "service",
    "passengers",
    "request_s",
    "submit_s",
    "book_s",
    "prebooked",
    "origin_lon",
    "origin_lat",
    "dest_lon",
    "dest_lat",
    "pickup_stop",
    "dropoff_stop",
    "pickup_node",
    "dropoff_node",
    "walk_to_m",
    "walk_from_m",
    "status",
    "reject_reason",
    "vehicle",
    "assign_s",
    "promised_pickup_s",
    "pickup_s",
    "depart_s",
    "dropoff_s",
    "wait_s",
    "ride_s",
    "direct_s",
    "detour_factor",
    "door_to_door_s",
    "walk_all_s",
    "walking_faster",
    "ride_km",
    "direct_km",
    "passenger_km",
    "pooled",
    "train",
    "latest_arrival_s",
    "station_slack_s",
    "connection",
]

#: Tolerance of a made connection, in seconds (the kernels' time tolerance).
CONNECTION_EPS_S = 1e-6

#: Columns of vehicles.csv, in order.
VEHICLE_COLUMNS = [
    "vehicle",
    "service",
    "depot_node",
    "km_driven",
    "empty_km",
    "km_with_passengers",
    "repositioning_km",
    "depot_km",
    "passenger_km",
    "hours_in_service",
    "driving_hours",
    "passengers_served",
    "requests_served",
]


def _departures(log: EventLog, vehicle: np.ndarray, pickup_s: np.ndarray) -> np.ndarray:
    """When each rider's vehicle left their pickup stop: its first ``depart`` at or after
    the pickup (NaN where there was no pickup).

    One sort of departures and pickups together by (vehicle, time, departures
    after pickups at the same time), so the time grows as n log n in requests,
    not as requests x vehicles.
    """
    e = log.events
    dep = e["event"] == EventKind.depart
    picked = np.flatnonzero(np.isfinite(pickup_s) & (vehicle >= 0))
    n_dep = int(dep.sum())
    veh = np.concatenate([np.asarray(e["vehicle"][dep], dtype=np.int64), vehicle[picked]])
    time_s = np.concatenate([e["t_s"][dep], pickup_s[picked]])
    is_dep = np.arange(len(veh)) < n_dep
    order = np.lexsort((is_dep, time_s, veh))
    # for each position in that order, the position of the next departure (or the end)
    m = len(order)
    next_dep = np.where(is_dep[order], np.arange(m), m)
    next_dep = np.minimum.accumulate(next_dep[::-1])[::-1]
    at = np.empty(m, dtype=np.int64)
    at[order] = np.arange(m)
    j = next_dep[at[n_dep:]]  # for each picked rider
    ok = j < m
    ok[ok] = veh[order[j[ok]]] == vehicle[picked][ok]
    out = np.full(len(pickup_s), np.nan)
    out[picked[ok]] = time_s[order[j[ok]]]
    return out


def trips_table(log: EventLog, base: pd.DataFrame) -> pd.DataFrame:
    """One row per request: times, waits, rides, detours, distances, outcome.

    Parameters
    ----------
    log
        The finished simulation's log.
    base
        The prepared requests, in the simulator's order, with ``request_id``,
        ``tag``, ``passengers``, ``request_s``, ``submit_s``, origin and
        destination lon/lat, ``pickup_stop``, ``dropoff_stop``, ``pickup_node``,
        ``dropoff_node``, ``walk_to_m``, ``walk_from_m``, ``direct_s`` and
        ``direct_m``; optionally ``service`` (``"on_demand"`` or ``"line"``,
        default on demand), ``walk_all_s`` (walking the whole way) and
        ``walk_from_s`` (the walk from the drop-off stop).

    Returns
    -------
    DataFrame
        The columns of :data:`TRIP_COLUMNS`. The wait runs from when the
        passenger is at the pickup point (``submit_s``) until the vehicle
        arrives there (``pickup_s``); the ride from when the vehicle leaves the
        pickup stop (``depart_s``: the dwell at the pickup stop is neither wait
        nor ride) until it arrives at the drop-off stop; ``detour_factor`` is the
        ride over the direct drive (``direct_s``); ``door_to_door_s`` runs from
        the request to the arrival on foot at the destination, and
        ``walking_faster`` marks served riders who would have been there sooner
        walking the whole way. Ride distance is what the vehicle drove with the
        passenger on board. A rider with a deadline (``latest_arrival_s``, a
        train's departure minus the transfer time, from ``base``) made the
        ``connection`` if they were on foot at the destination by then, else
        (late or not served) missed it; ``station_slack_s`` is the time to
        spare at the deadline (served riders only).
    """
    r = log.requests
    served = r["status"] == RequestStatus.done
    t = base.copy()
    n = len(t)
    if "service" not in t:
        t["service"] = "on_demand"
    t["status"] = np.where(served, "served", "rejected")
    t["reject_reason"] = [REASON_NAMES[c] for c in r["reason"]]
    t["vehicle"] = pd.array(np.where(r["vehicle"] >= 0, r["vehicle"], -1), dtype="int64")
    t["assign_s"] = r["assign_s"]
    t["promised_pickup_s"] = r["promised_pickup_s"]
    t["pickup_s"] = r["pickup_s"]
    depart = _departures(log, np.asarray(r["vehicle"]), np.asarray(r["pickup_s"]))
    t["depart_s"] = np.where(np.isfinite(depart), depart, r["pickup_s"])
    t["dropoff_s"] = r["dropoff_s"]
    t["wait_s"] = r["pickup_s"] - t["submit_s"].to_numpy()
    t["ride_s"] = r["dropoff_s"] - t["depart_s"].to_numpy()
    direct = t["direct_s"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        t["detour_factor"] = np.where(direct > 0, t["ride_s"].to_numpy() / direct, np.nan)
    walk_from_s = t["walk_from_s"].to_numpy() if "walk_from_s" in t else np.zeros(n)
    t["door_to_door_s"] = r["dropoff_s"] + walk_from_s - t["request_s"].to_numpy()
    if "walk_all_s" not in t:
        t["walk_all_s"] = np.nan
    t["walking_faster"] = served & (t["door_to_door_s"] > t["walk_all_s"]).to_numpy()
    t["ride_km"] = np.where(served, r["ride_m"] / 1000.0, np.nan)
    t["direct_km"] = t["direct_m"].to_numpy() / 1000.0
    t["passenger_km"] = np.where(served, t["passengers"].to_numpy() * r["ride_m"] / 1000.0, 0.0)
    t["pooled"] = r["pooled"] & served
    if "book_s" not in t:
        t["book_s"] = np.nan
    t["prebooked"] = np.isfinite(t["book_s"].to_numpy(dtype=float))
    if "train" not in t:
        t["train"] = ""
    if "latest_arrival_s" not in t:
        t["latest_arrival_s"] = np.nan
    arrive_by = t["latest_arrival_s"].to_numpy(dtype=float)
    bound = np.isfinite(arrive_by)
    arrival = r["dropoff_s"] + walk_from_s
    t["station_slack_s"] = np.where(bound & served, arrive_by - arrival, np.nan)
    made = bound & served & (arrival <= arrive_by + CONNECTION_EPS_S)
    t["connection"] = np.where(bound, np.where(made, "made", "missed"), "")
    return t[TRIP_COLUMNS].reset_index(drop=True)


def _leg_paths(log: EventLog, net: Net | SparseNet) -> LegPaths:
    """The legs' lengths and edges: as the simulation logged them, or (a log
    without them: line service on the tables) along the tables' fastest paths."""
    if log.leg_paths is not None:
        return log.leg_paths
    if not isinstance(net, Net):
        raise ValueError("legs without logged paths need the all-pairs routing tables")
    a, b = log.legs["from_node"], log.legs["to_node"]
    start, end, edges = table_leg_edges(net.pred_edge, net.edge_source, a, b)
    return LegPaths(np.asarray(net.length_m[a, b], dtype=np.float64), start, end, edges)


def vehicles_table(
    log: EventLog, net: Net | SparseNet, trips: pd.DataFrame, service: Any = "on_demand"
) -> pd.DataFrame:
    """One row per vehicle: distances, passenger-km, hours in service and driving, passengers.

    ``service`` names each vehicle's service (``"line"`` or ``"on_demand"``),
    one name for all or one per vehicle. ``driving_hours`` is the time spent
    on the road; a vehicle with 0 ``km_driven`` never moved.

    ``repositioning_km`` is driven empty to where the vehicle is needed next
    (rebalancing towards demand, or a line vehicle's drive to the first stop of
    its next trip); ``depot_km`` is driven back to the depot.

    Hours in service run from service start until the vehicle went off
    service at its depot (or its last leg ended, if it never did).
    """
    legs = log.legs
    nv = log.fleet.n_vehicles
    veh = legs["vehicle"]
    length_km = _leg_paths(log, net).length_m / 1000.0
    load = legs["load"]
    kind = legs["kind"]

    def per_vehicle(weights: np.ndarray) -> np.ndarray:
        return np.bincount(veh, weights=weights, minlength=nv)

    end_s = np.asarray(log.vehicle_off_s, dtype=np.float64).copy()
    last_leg = np.full(nv, log.end_s)
    if len(veh):
        np.maximum.at(last_leg, veh, legs["t1_s"])
    end_s = np.where(np.isfinite(end_s), end_s, np.maximum(last_leg, log.end_s))
    served = trips[trips["status"] == "served"]
    pax = np.bincount(
        served["vehicle"].to_numpy(dtype=np.int64), weights=served["passengers"], minlength=nv
    )
    reqs = np.bincount(served["vehicle"].to_numpy(dtype=np.int64), minlength=nv)
    table = pd.DataFrame(
        {
            "vehicle": np.arange(nv),
            "service": np.broadcast_to(np.asarray(service, dtype=object), (nv,)),
            "depot_node": np.asarray(log.fleet.depot_node, dtype=np.int64),
            "km_driven": per_vehicle(length_km),
            "empty_km": per_vehicle(length_km * (load == 0)),
            "km_with_passengers": per_vehicle(length_km * (load > 0)),
            "repositioning_km": per_vehicle(length_km * (kind == LegKind.rebalance)),
            "depot_km": per_vehicle(length_km * (kind == LegKind.depot)),
            "passenger_km": per_vehicle(length_km * load),
            "hours_in_service": (end_s - log.start_s) / 3600.0,
            "driving_hours": per_vehicle(legs["t1_s"] - legs["t0_s"]) / 3600.0,
            "passengers_served": pax.astype(np.int64),
            "requests_served": reqs.astype(np.int64),
        }
    )
    return table[VEHICLE_COLUMNS]


def link_loads(log: EventLog, net: Net | SparseNet, graph: RoadGraph) -> pd.DataFrame:
    """Shuttle passages and passenger-km per road edge (edges never driven left out).

    Returns
    -------
    DataFrame
        ``edge``, ``from_osmid``, ``to_osmid``, ``name``, ``road_class``,
        ``length_m``, ``passages``, ``empty_passages``, ``passengers``
        (passengers on board summed over passages), ``riders`` (requests
        whose ride covers the edge, each counted once: the count the public
        outputs threshold), ``vehicle_km``, ``passenger_km``.
    """
    legs = log.legs
    empty_legs = legs["load"] == 0
    lp = _leg_paths(log, net)
    passages, pax = _link_loads_kernel(
        lp.edge_start, lp.edge_end, lp.edges, legs["load"], graph.n_edges
    )
    empty, _ = _link_loads_kernel(
        lp.edge_start[empty_legs],
        lp.edge_end[empty_legs],
        lp.edges,
        legs["load"][empty_legs],
        graph.n_edges,
    )
    riders = _link_riders(log, lp, graph.n_edges)
    used = np.flatnonzero(passages > 0)
    src = graph.edge_source[used]
    length_m = graph.length_m[used]
    return pd.DataFrame(
        {
            "edge": used.astype(np.int64),
            "from_osmid": graph.osmid[src],
            "to_osmid": graph.osmid[graph.indices[used]],
            "name": [graph.edge_name(int(k)) for k in used],
            "road_class": [graph.road_class_names[c] for c in graph.road_class[used]],
            "length_m": length_m,
            "passages": passages[used],
            "empty_passages": empty[used],
            "passengers": pax[used],
            "riders": riders[used],
            "vehicle_km": passages[used] * length_m / 1000.0,
            "passenger_km": pax[used] * length_m / 1000.0,
        }
    )


def _link_riders(log: EventLog, lp: LegPaths, n_edges: int) -> np.ndarray:
    """Requests on board per edge (:func:`klshuttle._kernels.simloop.link_riders`)."""
    legs, req = log.legs, log.requests
    n_vehicles = int(max(legs["vehicle"].max(initial=-1), req["vehicle"].max(initial=-1))) + 1
    # legs are stored vehicle by vehicle, so each vehicle's legs are one slice
    indptr = np.searchsorted(legs["vehicle"], np.arange(n_vehicles + 1)).astype(np.int64)
    return _link_riders_kernel(
        indptr,
        legs["t0_s"],
        legs["t1_s"],
        lp.edge_start,
        lp.edge_end,
        lp.edges,
        legs["load"],
        req["vehicle"].astype(np.int64),
        req["pickup_s"],
        req["dropoff_s"],
        n_edges,
    )


def _percentile(values: np.ndarray, q: float) -> float | None:
    values = values[np.isfinite(values)]
    return float(np.percentile(values, q)) if values.size else None


def _mean(values: np.ndarray) -> float | None:
    values = values[np.isfinite(values)]
    return float(values.mean()) if values.size else None


def kpis(trips: pd.DataFrame, vehicles: pd.DataFrame) -> dict[str, Any]:
    """The service KPIs a planner compares between scenarios.

    Returns
    -------
    dict
        ``requests``, ``served``, ``served_share``, ``passengers_served``,
        ``rejections`` (by reason), ``wait_mean_s``, ``wait_p95_s``,
        ``ride_mean_s``, ``detour_mean`` and ``detour_p95`` (ride time over
        direct time, :func:`trips_table`), ``pooling_rate`` (share of served
        on-demand trips that shared the vehicle; None without on-demand
        service: a line bus is shared by design), ``walk_faster_share`` (share
        of served trips where walking the whole way would have been faster),
        ``walk_mean_m``, ``vehicles``, ``vehicles_used`` and
        ``vehicles_never_moved``, ``vehicle_km``, ``empty_km``, ``empty_share``,
        ``passenger_km``, ``vehicle_hours``, ``passengers_per_vehicle_hour``,
        ``vehicle_km_per_passenger_km``, ``mean_occupancy`` (passenger-km per
        vehicle-km). With both line and on-demand service (hybrid), ``by_service``
        holds the same KPIs for each service apart. With riders bound for a
        train (:func:`connection_kpis`): ``connections_made``,
        ``connections_missed``, ``connection_share``, ``connection_slack_mean_s``,
        ``connection_slack_p5_s`` and ``connections_by_train``. With prebooked
        rides (``prebooked``) among the requests: ``by_booking`` holds, for
        ``prebooked`` and ``immediate`` apart, the rider KPIs of
        :func:`booking_kpis`.
    """
    out = _service_kpis(trips, vehicles)
    out.update(connection_kpis(trips))
    if "prebooked" in trips and trips["prebooked"].any():
        out["by_booking"] = {
            "prebooked": booking_kpis(trips[trips["prebooked"].astype(bool)]),
            "immediate": booking_kpis(trips[~trips["prebooked"].astype(bool)]),
        }
    services = sorted(set(trips["service"]) | set(vehicles["service"]))
    if len(services) > 1:
        out["by_service"] = {
            name: _service_kpis(
                trips[trips["service"] == name], vehicles[vehicles["service"] == name]
            )
            for name in services
        }
    return out


def _service_kpis(trips: pd.DataFrame, vehicles: pd.DataFrame) -> dict[str, Any]:
    served = trips["status"] == "served"
    s = trips[served]
    n, n_served = len(trips), int(served.sum())
    reasons = trips.loc[~served, "reject_reason"].value_counts()
    vkm = float(vehicles["km_driven"].sum())
    pkm = float(s["passenger_km"].sum())
    vh = float(vehicles["hours_in_service"].sum())
    pax = int(s["passengers"].sum())
    ekm = float(vehicles["empty_km"].sum())
    moved = int((vehicles["km_driven"] > 0).sum())
    on_demand = s[s["service"] == "on_demand"]

    def ratio(a: float, b: float) -> float | None:
        return a / b if b > 0 else None

    return {
        "requests": n,
        "served": n_served,
        "served_share": ratio(n_served, n),
        "passengers_served": pax,
        "rejections": {str(k): int(v) for k, v in sorted(reasons.items())},
        "wait_mean_s": _mean(s["wait_s"].to_numpy(dtype=float)),
        "wait_p95_s": _percentile(s["wait_s"].to_numpy(dtype=float), 95),
        "ride_mean_s": _mean(s["ride_s"].to_numpy(dtype=float)),
        "detour_mean": _mean(s["detour_factor"].to_numpy(dtype=float)),
        "detour_p95": _percentile(s["detour_factor"].to_numpy(dtype=float), 95),
        "pooling_rate": ratio(float(on_demand["pooled"].sum()), len(on_demand)),
        "walk_faster_share": ratio(float(s["walking_faster"].sum()), n_served),
        "walk_mean_m": _mean((s["walk_to_m"] + s["walk_from_m"]).to_numpy(dtype=float)),
        "vehicles": len(vehicles),
        "vehicles_used": moved,
        "vehicles_never_moved": len(vehicles) - moved,
        "vehicle_km": vkm,
        "empty_km": ekm,
        "empty_share": ratio(ekm, vkm),
        "passenger_km": pkm,
        "vehicle_hours": vh,
        "passengers_per_vehicle_hour": ratio(pax, vh),
        "vehicle_km_per_passenger_km": ratio(vkm, pkm),
        "mean_occupancy": ratio(pkm, vkm),
    }


def booking_kpis(trips: pd.DataFrame) -> dict[str, Any]:
    """Rider KPIs of one group of requests (prebooked or immediate).

    Returns
    -------
    dict
        ``requests``, ``served``, ``served_share``, ``rejections`` (by
        reason), ``wait_p50_s`` and ``wait_p95_s`` (from the time the rider is
        ready: a prebooked ride's booked time), ``ride_over_direct_mean``, and
        with riders bound for a train ``connection_share``.
    """
    served = trips["status"] == "served"
    s = trips[served]
    reasons = trips.loc[~served, "reject_reason"].value_counts()
    wait = s["wait_s"].to_numpy(dtype=float)
    out: dict[str, Any] = {
        "requests": len(trips),
        "served": int(served.sum()),
        "served_share": float(served.mean()) if len(trips) else None,
        "rejections": {str(k): int(v) for k, v in sorted(reasons.items())},
        "wait_p50_s": _percentile(wait, 50),
        "wait_p95_s": _percentile(wait, 95),
        "ride_over_direct_mean": _mean(s["detour_factor"].to_numpy(dtype=float)),
    }
    conn = connection_kpis(trips)
    if conn:
        out["connection_share"] = conn["connection_share"]
    return out


def connection_kpis(trips: pd.DataFrame) -> dict[str, Any]:
    """Connections to trains, for the day and per train (empty without train riders).

    A rider bound for a train (``latest_arrival_s`` set) made the connection
    when on foot at the station by the deadline (:func:`trips_table`); a
    rejected rider missed it. The slack is the time to spare at the deadline
    of riders who made it.

    Returns
    -------
    dict
        ``connections_made``, ``connections_missed``, ``connection_share``
        (made over all train-bound riders), ``connection_slack_mean_s``,
        ``connection_slack_p5_s`` and ``connections_by_train``: for each train
        (``"dep HH:MM"``) its ``made``, ``missed``, ``share`` and
        ``slack_mean_s``, ``slack_p5_s``.
    """
    if "connection" not in trips:
        return {}
    bound = trips[trips["connection"] != ""]
    if bound.empty:
        return {}

    def summary(rows: pd.DataFrame) -> dict[str, Any]:
        made = int((rows["connection"] == "made").sum())
        slack = rows.loc[rows["connection"] == "made", "station_slack_s"].to_numpy(dtype=float)
        return {
            "made": made,
            "missed": len(rows) - made,
            "share": made / len(rows),
            "slack_mean_s": _mean(slack),
            "slack_p5_s": _percentile(slack, 5),
        }

    day = summary(bound)
    return {
        "connections_made": day["made"],
        "connections_missed": day["missed"],
        "connection_share": day["share"],
        "connection_slack_mean_s": day["slack_mean_s"],
        "connection_slack_p5_s": day["slack_p5_s"],
        "connections_by_train": {
            str(train): summary(rows) for train, rows in bound.groupby("train", sort=True)
        },
    }
