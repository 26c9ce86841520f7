"""Riders with a deadline (a train to catch): hand-worked dispatch cases."""

from __future__ import annotations

import numpy as np

from klshuttle.dispatch import dispatch_params
from klshuttle.events import REASON_NAMES, RequestStatus
from klshuttle.sim import OnDemandSimulation
from simkit import fleet, line_graph, reference_net, trips

# 0 - 1 - 2 - 3 - 4, 100 s and 1 km per edge; dwell 10 s + 2 s per passenger
NET5 = reference_net(line_graph(5))
R_DONE, R_REJECTED = RequestStatus.done, RequestStatus.rejected


def _run(tr):
    sim = OnDemandSimulation(
        NET5, fleet([0]), tr, start_s=0.0, end_s=3600.0, dispatch=dispatch_params("insertion")
    )
    return sim.run_to_end()


def test_a_deadline_changes_the_stop_order() -> None:
    # r0 asks at 100 for 1 -> 4: picked up at 200 (leaves 212), at 4 by 512.
    # r1 asks at 150 for 2 -> 3. Passenger time of the candidates:
    #   [P0 P1 D1 D0]: P1 312 (leaves 324), D1 424 (leaves 436), D0 536:
    #                  r1 424 - 150 = 274, r0 late by 24 -> 298 (chosen)
    #   [P0 P1 D0 D1]: D0 524 (leaves 536), D1 636: 486 + 12 = 498
    #   [P0 D0 P1 D1]: D0 512 (leaves 524), P1 724 (leaves 736), D1 836: 686
    log = _run(trips([100, 150], [1, 2], [4, 3]))
    r = log.requests
    assert list(r["status"]) == [R_DONE, R_DONE]
    assert list(r["dropoff_s"]) == [536.0, 424.0]
    # r0 must be at 4 by 520 (its train): both plans that carry r1 along
    # break it (536, 524); the shuttle takes r0 first, then r1
    log = _run(trips([100, 150], [1, 2], [4, 3], latest_dropoff_s=[520.0, np.inf], deadline=[1, 0]))
    r = log.requests
    assert list(r["status"]) == [R_DONE, R_DONE]
    assert list(r["dropoff_s"]) == [512.0, 836.0]
    assert list(r["pickup_s"]) == [200.0, 724.0]


def test_an_unmeetable_deadline_is_rejected_with_its_own_reason() -> None:
    # picked up at 200 at node 1, the rider would reach node 3 at 412; the
    # train leaves so that they must be there by 350: turned away, not served late
    log = _run(trips([100], [1], [3], latest_dropoff_s=350.0, deadline=1))
    r = log.requests
    assert r["status"][0] == R_REJECTED
    assert REASON_NAMES[r["reason"][0]] == "deadline"
    assert np.isnan(r["dropoff_s"][0])
    # the same limit from walking keeps its reason, and the ride limit its own
    log = _run(trips([100], [1], [3], latest_dropoff_s=350.0, deadline=0))
    assert REASON_NAMES[log.requests["reason"][0]] == "walking_is_faster"
    log = _run(trips([100], [1], [3], max_ride_s=150.0, latest_dropoff_s=350.0, deadline=1))
    assert REASON_NAMES[log.requests["reason"][0]] == "max_ride"
    # a deadline that can just be met is served on time
    log = _run(trips([100], [1], [3], latest_dropoff_s=412.0, deadline=1))
    assert log.requests["dropoff_s"][0] == 412.0


def test_a_booked_riders_deadline_turns_a_newcomer_away() -> None:
    # r0 (1 -> 4, at 4 by 512 at the latest) is booked; r1 (2 -> 3, asks at
    # 150) could only ride along by making r0 late, and waits at most 300 s,
    # so it cannot wait until r0 is dropped off (pickup at 724)
    tr = trips(
        [100, 150],
        [1, 2],
        [4, 3],
        max_wait_s=[1200, 300],
        latest_dropoff_s=[512.0, np.inf],
        deadline=[1, 0],
    )
    r = _run(tr).requests
    assert r["status"][0] == R_DONE and r["dropoff_s"][0] == 512.0
    assert r["status"][1] == R_REJECTED
    assert REASON_NAMES[r["reason"][1]] == "other_rider_ride"
