"""Fixed-line service: timetable, boarding order, capacity, hand-worked times."""

from __future__ import annotations

import numpy as np

from klshuttle._kernels.simstate import R_DONE, R_REJECTED
from klshuttle.events import EVENT_NAMES, REASON_NAMES
from klshuttle.linesim import LineRoute, LineSimulation, RoutePassengers
from simkit import fleet, line_graph, reference_net, trips

G5 = line_graph(5)
NET5 = reference_net(G5)
ROUTES = [
    LineRoute("L", "forward", np.array([0, 2, 4], np.int32), np.array([100.0, 1300.0]), 60.0),
    LineRoute("L", "backward", np.array([4, 2, 0], np.int32), np.array([700.0, 1900.0]), 60.0),
]


def _run(tr, route, board, alight, *, capacity=2, depots=(0,)):
    sim = LineSimulation(
        NET5,
        ROUTES,
        ["L"] * len(depots),
        fleet(list(depots), capacity=capacity, dwell_s=10.0, per_pax_s=2.0),
        tr,
        RoutePassengers(np.asarray(route), np.asarray(board), np.asarray(alight)),
        start_s=0.0,
        end_s=3000.0,
    )
    return sim.run()


def test_line_day_by_hand() -> None:
    # r0 waits at node 0 from 50, r1 at node 2 from 60, both to node 4 (forward);
    # r2 waits at node 4 from 400 for the backward trip to node 0.
    tr = trips([50, 60, 400], [0, 2, 4], [4, 4, 0], max_wait_s=3000)
    log = _run(tr, [0, 0, 1], [0, 1, 0], [2, 2, 2])
    r = log.requests
    assert list(r["status"]) == [R_DONE] * 3
    # forward trip at 100: r0 boards (10 + 2 s), node 2 at 312, r1 boards, node 4 at 524
    assert list(r["pickup_s"]) == [100.0, 312.0, 700.0]
    assert list(r["dropoff_s"][:2]) == [524.0, 524.0]
    # backward trip at 700: r2 boards (12 s), node 2 passed (nobody there), node 0 at 1112
    assert r["dropoff_s"][2] == 1112.0
    assert list(r["pooled"]) == [True, True, False]
    assert list(r["ride_m"]) == [4000.0, 2000.0, 4000.0]
    # every trip of the timetable ran; the vehicle ends at its depot after the last one
    e = log.events
    names = [EVENT_NAMES[x] for x in e["event"]]
    assert names[-1] == "end_service" and e["t_s"][-1] == 2300.0 + 60.0
    legs = log.legs
    assert np.array_equal(legs["from_node"][1:], legs["to_node"][:-1])


def test_group_larger_than_the_room_gives_up_for_capacity() -> None:
    tr = trips([50], [0], [4], max_wait_s=600, pax=3)
    log = _run(tr, [0], [0], [2], capacity=2)
    assert log.requests["status"][0] == R_REJECTED
    assert REASON_NAMES[log.requests["reason"][0]] == "capacity"
    assert log.events["t_s"][np.flatnonzero(log.events["event"] == 1)[0]] == 650.0  # gave up


def test_passenger_after_the_last_departure_has_no_departure() -> None:
    tr = trips([2000], [0], [4], max_wait_s=600)
    log = _run(tr, [0], [0], [2])
    assert REASON_NAMES[log.requests["reason"][0]] == "no_departure"


def test_first_come_first_served_when_full() -> None:
    # capacity 1: r0 and r1 wait at node 0 for the 100 s trip; r0 came first
    tr = trips([10, 20], [0, 0], [4, 4], max_wait_s=3000)
    log = _run(tr, [0, 0], [0, 0], [2, 2], capacity=1)
    assert log.requests["pickup_s"][0] == 100.0
    assert log.requests["pickup_s"][1] == 1300.0  # the next forward trip
