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
from ._kernels.simstate import Net
from .events import REASON_NAMES, EventLog, LegKind, RequestStatus
from .graph import RoadGraph

__all__ = ["TRIP_COLUMNS", "VEHICLE_COLUMNS", "kpis", "link_loads", "trips_table", "vehicles_table"]

#: Columns of trips.csv, in order.
TRIP_COLUMNS = [
    "request_id",
    "tag",
    "passengers",
    "request_s",
    "submit_s",
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
    "dropoff_s",
    "wait_s",
    "ride_s",
    "direct_s",
    "detour_factor",
    "ride_km",
    "direct_km",
    "passenger_km",
    "pooled",
]

#: Columns of vehicles.csv, in order.
VEHICLE_COLUMNS = [
    "vehicle",
    "depot_node",
    "km_driven",
    "empty_km",
    "km_with_passengers",
    "repositioning_km",
    "depot_km",
    "passenger_km",
    "hours_in_service",
    "passengers_served",
    "requests_served",
]


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
        ``direct_m``.

    Returns
    -------
    DataFrame
        The columns of :data:`TRIP_COLUMNS`. Waits count from when the
        passenger is at the pickup point; ride distance is what the vehicle
        drove with the passenger on board.
    """
    r = log.requests
    served = r["status"] == RequestStatus.done
    t = base.copy()
    t["status"] = np.where(served, "served", "rejected")
    t["reject_reason"] = [REASON_NAMES[c] for c in r["reason"]]
    t["vehicle"] = pd.array(np.where(r["vehicle"] >= 0, r["vehicle"], -1), dtype="int64")
    t["assign_s"] = r["assign_s"]
    t["promised_pickup_s"] = r["promised_pickup_s"]
    t["pickup_s"] = r["pickup_s"]
    t["dropoff_s"] = r["dropoff_s"]
    t["wait_s"] = r["pickup_s"] - t["submit_s"].to_numpy()
    t["ride_s"] = r["dropoff_s"] - r["pickup_s"]
    direct = t["direct_s"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        t["detour_factor"] = np.where(direct > 0, t["ride_s"].to_numpy() / direct, np.nan)
    t["ride_km"] = np.where(served, r["ride_m"] / 1000.0, np.nan)
    t["direct_km"] = t["direct_m"].to_numpy() / 1000.0
    t["passenger_km"] = np.where(served, t["passengers"].to_numpy() * r["ride_m"] / 1000.0, 0.0)
    t["pooled"] = r["pooled"] & served
    return t[TRIP_COLUMNS].reset_index(drop=True)


def _leg_lengths_m(log: EventLog, net: Net) -> np.ndarray:
    legs = log.legs
    return np.asarray(net.length_m[legs["from_node"], legs["to_node"]], dtype=np.float64)


def vehicles_table(log: EventLog, net: Net, trips: pd.DataFrame) -> pd.DataFrame:
    """One row per vehicle: distances, passenger-km, hours in service, passengers.

    ``repositioning_km`` is driven empty to where the vehicle is needed next
    (rebalancing towards demand, or a line vehicle's drive to the first stop of
    its next trip); ``depot_km`` is driven back to the depot.

    Hours in service run from service start until the vehicle went off
    service at its depot (or its last leg ended, if it never did).
    """
    legs = log.legs
    nv = log.fleet.n_vehicles
    veh = legs["vehicle"]
    length_km = _leg_lengths_m(log, net) / 1000.0
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
            "depot_node": np.asarray(log.fleet.depot_node, dtype=np.int64),
            "km_driven": per_vehicle(length_km),
            "empty_km": per_vehicle(length_km * (load == 0)),
            "km_with_passengers": per_vehicle(length_km * (load > 0)),
            "repositioning_km": per_vehicle(length_km * (kind == LegKind.rebalance)),
            "depot_km": per_vehicle(length_km * (kind == LegKind.depot)),
            "passenger_km": per_vehicle(length_km * load),
            "hours_in_service": (end_s - log.start_s) / 3600.0,
            "passengers_served": pax.astype(np.int64),
            "requests_served": reqs.astype(np.int64),
        }
    )
    return table[VEHICLE_COLUMNS]


def link_loads(log: EventLog, net: Net, graph: RoadGraph) -> pd.DataFrame:
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
    passages, pax = _link_loads_kernel(
        net, legs["from_node"], legs["to_node"], legs["load"], graph.n_edges
    )
    empty_legs = legs["load"] == 0
    empty, _ = _link_loads_kernel(
        net,
        legs["from_node"][empty_legs],
        legs["to_node"][empty_legs],
        legs["load"][empty_legs],
        graph.n_edges,
    )
    riders = _link_riders(log, net, graph.n_edges)
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


def _link_riders(log: EventLog, net: Net, n_edges: int) -> np.ndarray:
    """Requests on board per edge (:func:`klshuttle._kernels.simloop.link_riders`)."""
    legs, req = log.legs, log.requests
    n_vehicles = int(max(legs["vehicle"].max(initial=-1), req["vehicle"].max(initial=-1))) + 1
    # legs are stored vehicle by vehicle, so each vehicle's legs are one slice
    indptr = np.searchsorted(legs["vehicle"], np.arange(n_vehicles + 1)).astype(np.int64)
    return _link_riders_kernel(
        net,
        indptr,
        legs["t0_s"],
        legs["t1_s"],
        legs["from_node"],
        legs["to_node"],
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
        ``ride_mean_s``, ``detour_mean`` (ride time over direct time),
        ``pooling_rate`` (share of served trips that shared the vehicle),
        ``vehicle_km``, ``empty_km``, ``empty_share``, ``passenger_km``,
        ``vehicle_hours``, ``passengers_per_vehicle_hour``,
        ``vehicle_km_per_passenger_km``, ``mean_occupancy`` (passenger-km
        per vehicle-km).
    """
    served = trips["status"] == "served"
    s = trips[served]
    n, n_served = len(trips), int(served.sum())
    reasons = trips.loc[~served, "reject_reason"].value_counts()
    vkm = float(vehicles["km_driven"].sum())
    pkm = float(s["passenger_km"].sum())
    vh = float(vehicles["hours_in_service"].sum())
    pax = int(s["passengers"].sum())
    ekm = float(vehicles["empty_km"].sum())

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
        "pooling_rate": ratio(float(s["pooled"].sum()), n_served),
        "walk_mean_m": _mean((s["walk_to_m"] + s["walk_from_m"]).to_numpy(dtype=float)),
        "vehicles": len(vehicles),
        "vehicle_km": vkm,
        "empty_km": ekm,
        "empty_share": ratio(ekm, vkm),
        "passenger_km": pkm,
        "vehicle_hours": vh,
        "passengers_per_vehicle_hour": ratio(pax, vh),
        "vehicle_km_per_passenger_km": ratio(vkm, pkm),
        "mean_occupancy": ratio(pkm, vkm),
    }
