"""KPIs and tables from a tiny hand-made event log, against numbers worked out by hand.

The road: nodes 0 - 1 - 2 - 3 on a two-way street, 1 km and 100 s per edge.
Two vehicles, depots at nodes 0 and 3, service 0 .. 3600 s.

Requests (in the simulators' order):

====  ===  =======  ======  =======  =====  ======  ==========  =======
req   pax  submit   pickup  dropoff  ride   direct  outcome     vehicle
====  ===  =======  ======  =======  =====  ======  ==========  =======
r0    2    100      160     460      3 km   250 s   served      0
r1    1    200      300     500      1.5km  200 s   served      1
r2    1    300      -       -        -      100 s   capacity    -
r3    1    400      -       -        -      100 s   max_wait    -
====  ===  =======  ======  =======  =====  ======  ==========  =======

Legs (vehicle, from -> to, load, kind): v0 0->1 empty; v0 1->3 with 2 on
board; v0 3->0 empty back to the depot; v1 3->2 empty rebalancing; v1 2->1
with 1 on board. Vehicle 0 goes off service at 900 s, vehicle 1 never does.
Vehicle 0 leaves r0's pickup stop at 172 s (a 12 s dwell), vehicle 1 leaves
r1's at 310 s: the rides are 460 - 172 = 288 s and 500 - 310 = 190 s.
Door to door (request to arrival on foot): r0 90 -> 460 + 40 s walk = 410 s,
walking the whole way 360 s (walking is faster); r1 190 -> 500 + 15 = 325 s,
walking 1,000 s.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from klshuttle.events import EventKind, EventLog, LegKind, RejectReason, RequestStatus
from klshuttle.metrics import (
    TRIP_COLUMNS,
    VEHICLE_COLUMNS,
    kpis,
    link_loads,
    trips_table,
    vehicles_table,
)
from simkit import fleet, line_graph, reference_net, trips

GRAPH = line_graph(4)  # 100 s and 1000 m per edge
NET = reference_net(GRAPH)
NAN = np.nan


def _log() -> EventLog:
    s, r, d = LegKind.service, LegKind.rebalance, LegKind.depot
    legs = {
        "vehicle": [0, 0, 0, 1, 1],
        "t0_s": [0.0, 172.0, 500.0, 0.0, 200.0],
        "t1_s": [100.0, 372.0, 800.0, 100.0, 300.0],
        "from_node": [0, 1, 3, 3, 2],
        "to_node": [1, 3, 0, 2, 1],
        "load": [0, 2, 0, 0, 1],
        "kind": [s, s, d, r, s],
    }
    done, rej = RequestStatus.done, RequestStatus.rejected
    requests = {
        "status": [done, done, rej, rej],
        "vehicle": [0, 1, -1, -1],
        "assign_s": [100.0, 200.0, NAN, NAN],
        "promised_pickup_s": [150.0, 290.0, NAN, NAN],
        "pickup_s": [160.0, 300.0, NAN, NAN],
        "dropoff_s": [460.0, 500.0, NAN, NAN],
        "ride_m": [3000.0, 1500.0, 0.0, 0.0],
        "reason": [0, 0, RejectReason.capacity, RejectReason.max_wait],
        "pooled": [True, False, False, True],  # a rejected request never counts as pooled
    }
    pk, dp = EventKind.pickup, EventKind.depart
    events = {
        "t_s": [160.0, 172.0, 300.0, 310.0, 400.0],
        "event": [pk, dp, pk, dp, dp],
        "vehicle": [0, 0, 1, 1, 1],
        "request": [0, -1, 1, -1, -1],
        "node": [1, 1, 2, 2, 1],
        "load": [2, 2, 1, 1, 0],
        "info": [0, 3, 0, 1, 0],
    }
    tr = trips([100, 200, 300, 400], [1, 2, 0, 0], [3, 1, 1, 1], pax=[2, 1, 1, 1])
    return EventLog.from_columns(
        events,
        legs,
        requests,
        vehicle_off_s=[900.0, np.inf],
        start_s=0.0,
        end_s=3600.0,
        fleet=fleet([0, 3]),
        trips=tr,
    )


def _base() -> pd.DataFrame:
    n = 4
    return pd.DataFrame(
        {
            "request_id": np.arange(n),
            "tag": ["a"] * n,
            "passengers": [2, 1, 1, 1],
            "request_s": [90.0, 190.0, 300.0, 400.0],
            "submit_s": [100.0, 200.0, 300.0, 400.0],
            "origin_lon": np.zeros(n),
            "origin_lat": np.zeros(n),
            "dest_lon": np.zeros(n),
            "dest_lat": np.zeros(n),
            "pickup_stop": ["A", "B", "C", "C"],
            "dropoff_stop": ["D", "E", "F", "F"],
            "pickup_node": [1, 2, 0, 0],
            "dropoff_node": [3, 1, 1, 1],
            "walk_to_m": [100.0, 80.0, 10.0, 10.0],
            "walk_from_m": [50.0, 20.0, 10.0, 10.0],
            "direct_s": [250.0, 200.0, 100.0, 100.0],
            "direct_m": [2500.0, 1000.0, 1000.0, 1000.0],
            "walk_from_s": [40.0, 15.0, 7.0, 7.0],
            "walk_all_s": [360.0, 1000.0, 500.0, 500.0],
        }
    )


@pytest.fixture(scope="module")
def tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    log = _log()
    t = trips_table(log, _base())
    return t, vehicles_table(log, NET, t)


def test_trips_table_by_hand(tables) -> None:
    t, _ = tables
    assert list(t.columns) == TRIP_COLUMNS
    assert list(t["status"]) == ["served", "served", "rejected", "rejected"]
    assert list(t["reject_reason"]) == ["", "", "capacity", "max_wait"]
    assert list(t["vehicle"]) == [0, 1, -1, -1]
    np.testing.assert_array_equal(t["wait_s"], [60.0, 100.0, NAN, NAN])
    np.testing.assert_array_equal(t["depart_s"], [172.0, 310.0, NAN, NAN])
    np.testing.assert_array_equal(t["ride_s"], [288.0, 190.0, NAN, NAN])
    np.testing.assert_allclose(t["detour_factor"], [1.152, 0.95, NAN, NAN])
    np.testing.assert_array_equal(t["door_to_door_s"], [410.0, 325.0, NAN, NAN])
    assert list(t["walking_faster"]) == [True, False, False, False]
    assert set(t["service"]) == {"on_demand"}
    np.testing.assert_array_equal(t["ride_km"], [3.0, 1.5, NAN, NAN])
    np.testing.assert_array_equal(t["direct_km"], [2.5, 1.0, 1.0, 1.0])
    np.testing.assert_array_equal(t["passenger_km"], [6.0, 1.5, 0.0, 0.0])
    assert list(t["pooled"]) == [True, False, False, False]


def test_vehicles_table_by_hand(tables) -> None:
    _, v = tables
    assert list(v.columns) == VEHICLE_COLUMNS
    assert list(v["depot_node"]) == [0, 3]
    assert list(v["km_driven"]) == [6.0, 2.0]
    assert list(v["empty_km"]) == [4.0, 1.0]
    assert list(v["km_with_passengers"]) == [2.0, 1.0]
    assert list(v["repositioning_km"]) == [0.0, 1.0]
    assert list(v["depot_km"]) == [3.0, 0.0]
    assert list(v["passenger_km"]) == [4.0, 1.0]
    # vehicle 0 went off service at 900 s; vehicle 1 counts until service end
    assert list(v["hours_in_service"]) == [0.25, 1.0]
    assert list(v["driving_hours"]) == [(100 + 200 + 300) / 3600, (100 + 100) / 3600]
    assert list(v["passengers_served"]) == [2, 1]
    assert list(v["requests_served"]) == [1, 1]


def test_kpis_by_hand(tables) -> None:
    k = kpis(*tables)
    assert k["requests"] == 4
    assert k["served"] == 2
    assert k["served_share"] == 0.5
    assert k["passengers_served"] == 3
    assert k["rejections"] == {"capacity": 1, "max_wait": 1}
    assert k["wait_mean_s"] == 80.0
    assert k["wait_p95_s"] == pytest.approx(98.0)  # 60 + 0.95 x (100 - 60)
    assert k["ride_mean_s"] == 239.0
    assert k["detour_mean"] == pytest.approx(1.051)
    assert k["detour_p95"] == pytest.approx(0.95 + 0.95 * (1.152 - 0.95))
    assert k["pooling_rate"] == 0.5
    assert k["walk_faster_share"] == 0.5
    assert (k["vehicles_used"], k["vehicles_never_moved"]) == (2, 0)
    assert "by_service" not in k
    assert k["walk_mean_m"] == 125.0  # (150 + 100) / 2, served only
    assert k["vehicles"] == 2
    assert k["vehicle_km"] == 8.0
    assert k["empty_km"] == 5.0
    assert k["empty_share"] == 0.625
    assert k["passenger_km"] == 7.5  # from the served trips: 2 x 3 km + 1 x 1.5 km
    assert k["vehicle_hours"] == 1.25
    assert k["passengers_per_vehicle_hour"] == pytest.approx(2.4)
    assert k["vehicle_km_per_passenger_km"] == pytest.approx(8.0 / 7.5)
    assert k["mean_occupancy"] == pytest.approx(0.9375)


def test_kpis_per_service_of_a_hybrid_day() -> None:
    # r0 and r2 on demand (vehicle 0), r1 and r3 by line (vehicle 1)
    base = _base().assign(service=["on_demand", "line", "on_demand", "line"])
    log = _log()
    t = trips_table(log, base)
    v = vehicles_table(log, NET, t, ["on_demand", "line"])
    k = kpis(t, v)
    od, line = k["by_service"]["on_demand"], k["by_service"]["line"]
    assert (od["requests"], od["served"], line["requests"], line["served"]) == (2, 1, 2, 1)
    assert od["rejections"] == {"capacity": 1} and line["rejections"] == {"max_wait": 1}
    assert (od["vehicle_km"], line["vehicle_km"]) == (6.0, 2.0)
    # pooling counts on-demand trips only: r0 shared its vehicle, r1 rode a line bus
    assert k["pooling_rate"] == od["pooling_rate"] == 1.0 and line["pooling_rate"] is None
    assert od["ride_mean_s"] == 288.0 and line["ride_mean_s"] == 190.0


def test_vehicles_that_never_moved_are_counted() -> None:
    log = _log()
    t = trips_table(log, _base())
    v = vehicles_table(log, NET, t)
    v.loc[1, "km_driven"] = 0.0
    k = kpis(t, v)
    assert (k["vehicles_used"], k["vehicles_never_moved"]) == (1, 1)


def test_kpis_without_service_are_none_not_errors() -> None:
    base = _base().iloc[:0]
    t = base.assign(**{c: pd.Series(dtype=float) for c in TRIP_COLUMNS if c not in base.columns})[
        TRIP_COLUMNS
    ]
    v = pd.DataFrame({c: pd.Series(dtype=float) for c in VEHICLE_COLUMNS})
    k = kpis(t, v)
    assert k["requests"] == 0 and k["served"] == 0
    for key in ("served_share", "wait_mean_s", "wait_p95_s", "pooling_rate", "mean_occupancy"):
        assert k[key] is None, key


def test_link_loads_by_hand() -> None:
    # edges in CSR order: e0 0->1, e1 1->0, e2 1->2, e3 2->1, e4 2->3, e5 3->2
    loads = link_loads(_log(), NET, GRAPH)
    assert list(loads["edge"]) == [0, 1, 2, 3, 4, 5]
    assert list(loads["from_osmid"]) == [1000, 1001, 1001, 1002, 1002, 1003]
    assert list(loads["to_osmid"]) == [1001, 1000, 1002, 1001, 1003, 1002]
    assert list(loads["passages"]) == [1, 1, 1, 2, 1, 2]
    assert list(loads["empty_passages"]) == [1, 1, 0, 1, 0, 2]
    assert list(loads["passengers"]) == [0, 0, 2, 1, 2, 0]
    assert list(loads["vehicle_km"]) == [1.0, 1.0, 1.0, 2.0, 1.0, 2.0]
    assert list(loads["passenger_km"]) == [0.0, 0.0, 2.0, 1.0, 2.0, 0.0]
    assert loads["vehicle_km"].sum() == 8.0  # = the vehicles' km_driven


def test_departure_after_pickup_against_brute_force() -> None:
    """depart_s is the rider's vehicle's first departure at or after the pickup (ties
    included), checked rider by rider on random logs with shared times."""
    from types import SimpleNamespace

    from klshuttle.metrics import _departures

    rng = np.random.default_rng(11)
    for _ in range(20):
        n_ev, n_req, n_veh = int(rng.integers(0, 300)), int(rng.integers(0, 200)), 7
        event = rng.choice([EventKind.depart, EventKind.pickup, EventKind.dropoff], n_ev)
        ev_vehicle = rng.integers(0, n_veh, n_ev).astype(np.int32)
        t_s = rng.integers(0, 100, n_ev).astype(np.float64)  # many equal times
        log = SimpleNamespace(events={"event": event, "vehicle": ev_vehicle, "t_s": t_s})
        vehicle = rng.integers(-1, n_veh, n_req)
        pickup_s = np.where(rng.random(n_req) < 0.2, np.nan, rng.integers(0, 110, n_req) * 1.0)
        got = _departures(log, vehicle, pickup_s)  # type: ignore[arg-type]
        for i in range(n_req):
            later = t_s[
                (event == EventKind.depart) & (ev_vehicle == vehicle[i]) & (t_s >= pickup_s[i])
            ]
            want = (
                later.min()
                if vehicle[i] >= 0 and np.isfinite(pickup_s[i]) and len(later)
                else np.nan
            )
            assert got[i] == want or (np.isnan(got[i]) and np.isnan(want)), (i, got[i], want)
