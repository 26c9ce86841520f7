"""Prebooked rides and earliest pickups: hand-worked dispatch and simulation cases."""

from __future__ import annotations

import numpy as np
import pytest

from klshuttle._kernels.simstate import E_ARRIVE
from klshuttle.dispatch import dispatch_params
from klshuttle.events import REASON_NAMES, RequestStatus
from klshuttle.sim import OnDemandSimulation
from simkit import fleet, line_graph, reference_net, trips

# 0 - 1 - 2 - 3 - 4, 100 s and 1 km per edge; dwell 10 s + 2 s per passenger
NET5 = reference_net(line_graph(5))
R_DONE = RequestStatus.done


def _run(tr, depots=(0,), start_s=0.0):
    sim = OnDemandSimulation(
        NET5,
        fleet(list(depots)),
        tr,
        start_s=start_s,
        end_s=3600.0,
        dispatch=dispatch_params("insertion"),
    )
    return sim.run_to_end()


def test_a_vehicle_that_comes_early_waits_for_the_rider() -> None:
    # booked at 0 for a pickup at node 2 from 1000: the shuttle leaves the
    # depot (node 0) at once, is at node 2 at 200 and waits with closed doors;
    # at 1000 the doors open (10 s + 2 s), it reaches node 4 at 1212
    log = _run(trips([1000.0], [2], [4], release_s=[0.0]))
    r = log.requests
    assert r["status"][0] == R_DONE
    assert r["promised_pickup_s"][0] == 1000.0
    assert r["pickup_s"][0] == 1000.0
    assert r["dropoff_s"][0] == 1212.0
    ev = log.events
    arrive = (ev["event"] == E_ARRIVE) & (ev["node"] == 2)
    assert list(ev["t_s"][arrive]) == [200.0]


def test_a_waiting_vehicle_serves_a_newcomer_first_and_comes_back() -> None:
    # the shuttle waits at node 2 for r0 (ready at 1000); r1 asks at 300 for
    # 3 -> 4: it leaves at once, picks r1 up at 400 (leaves 412), drops them at
    # 512 (leaves 524), is back at node 2 at 724 and waits again until 1000
    log = _run(trips([1000.0, 300.0], [2, 3], [4, 4], release_s=[0.0, 300.0]))
    r = log.requests
    assert list(r["status"]) == [R_DONE, R_DONE]
    assert list(r["pickup_s"]) == [1000.0, 400.0]
    assert list(r["dropoff_s"]) == [1212.0, 512.0]


def test_an_earliest_pickup_changes_the_stop_order() -> None:
    # One shuttle at node 0; both riders are known at 0; r0 goes 1 -> 2, r1 3 -> 4.
    # r0 ready at 0: r0 first (1 at 100, 2 at 212), then r1 (3 at 324, 4 at 436);
    # carrying r1 first would delay r0 by far more than r1 gains.
    log = _run(trips([0.0, 0.0], [1, 3], [2, 4]))
    r = log.requests
    assert list(r["pickup_s"]) == [100.0, 324.0]
    assert list(r["dropoff_s"]) == [212.0, 436.0]
    # r0 prebooked for 600: planned 1 at 600 (waiting from 100), 2 at 712.
    # r1 after r0: 3 at 824, 4 at 936 (936 s of passenger time); r1 first:
    # 3 at 300, 4 at 412 (leaves 424), r0 at 1 at 724, at 2 at 836, 124 s
    # later than planned: 412 + 124 = 536. The order turns round.
    log = _run(trips([600.0, 0.0], [1, 3], [2, 4], release_s=[0.0, 0.0]))
    r = log.requests
    assert list(r["status"]) == [R_DONE, R_DONE]
    assert list(r["pickup_s"]) == [724.0, 300.0]
    assert list(r["dropoff_s"]) == [836.0, 412.0]


@pytest.mark.parametrize(
    ("ready_s", "vehicles", "pickup_s", "dropoff_s"),
    [
        # r1 ready at 0: v0 turns at node 2 and takes r1 first (1 at 112, 12 s
        # dwell), then r0 (4 at 424, 3 at 536): 112 + 124 s of r0's delay = 236;
        # v1 from node 0 would take 2 at 200, 1 at 312: 312
        (0.0, [0, 0], [424.0, 0.0], [536.0, 112.0]),
        # r1 ready at 250: v0 first would delay r0 by 374 s (112 + 374), after
        # r0 it reaches node 2 at 524 (1 at 636: 386); v1 is at node 2 at 200,
        # waits until 250 and has r1 at node 1 at 362: 112
        (250.0, [0, 1], [300.0, 250.0], [412.0, 362.0]),
    ],
)
def test_an_earliest_pickup_changes_the_vehicle(ready_s, vehicles, pickup_s, dropoff_s) -> None:
    # v0 starts at node 2, v1 at node 0. r0 (4 -> 3, ready at 300) is known at
    # 0 and goes to v0 (at 4 at 200, waits, 3 at 412: 112 s; v1: 212 s).
    # r1 (2 -> 1) is also known at 0.
    log = _run(trips([300.0, ready_s], [4, 2], [3, 1], release_s=[0.0, 0.0]), depots=(2, 0))
    r = log.requests
    assert list(r["status"]) == [R_DONE, R_DONE]
    assert list(r["vehicle"]) == vehicles
    assert list(r["pickup_s"]) == pickup_s
    assert list(r["dropoff_s"]) == dropoff_s


def test_bookings_before_the_service_starts_are_released_at_its_start() -> None:
    # booked the evening before (negative seconds); service from 500
    log = _run(trips([800.0], [1], [2], release_s=[-3600.0]), start_s=500.0)
    r = log.requests
    assert r["status"][0] == R_DONE
    assert r["assign_s"][0] == 500.0
    assert r["pickup_s"][0] == 800.0
    # a prebooked ride outside the service hours is refused as such
    log = _run(trips([100.0], [1], [2], release_s=[-3600.0]), start_s=500.0)
    assert REASON_NAMES[log.requests["reason"][0]] == "outside_operating_hours"


def test_trip_input_checks_its_release_times() -> None:
    with pytest.raises(ValueError, match="released after its earliest pickup"):
        trips([100.0], [1], [2], release_s=[200.0])
    with pytest.raises(ValueError, match="sorted by release time"):
        trips([100.0, 50.0], [1, 1], [2, 2], release_s=[60.0, 40.0])
    assert np.isfinite(trips([100.0], [1], [2], release_s=[0.0]).release_s).all()
