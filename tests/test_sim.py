"""The on-demand simulation: hand-worked cases, invariants, determinism."""

from __future__ import annotations

import numpy as np
import pytest

from klshuttle.dispatch import dispatch_params
from klshuttle.errors import KlshuttleError
from klshuttle.events import EVENT_NAMES, REASON_NAMES, RequestStatus
from klshuttle.sim import OnDemandSimulation
from simkit import fleet, line_graph, random_graph, reference_net, trips

LINE5 = line_graph(5)
NET5 = reference_net(LINE5)


R_DONE, R_REJECTED = RequestStatus.done, RequestStatus.rejected


def _run(net, fl, tr, *, dispatcher="insertion", pooling=True, **kw):
    sim = OnDemandSimulation(
        net,
        fl,
        tr,
        start_s=kw.pop("start_s", 0.0),
        end_s=kw.pop("end_s", 3600.0),
        dispatch=dispatch_params(dispatcher, pooling=pooling),
        **kw,
    )
    return sim.run_to_end()


def _events(log):
    e = log.events
    return [
        (float(e["t_s"][i]), EVENT_NAMES[e["event"][i]], int(e["vehicle"][i]), int(e["request"][i]))
        for i in range(len(e["t_s"]))
    ]


def test_one_vehicle_two_requests_pooled_by_hand() -> None:
    # 0 - 1 - 2 - 3 - 4, 100 s and 1 km per edge; dwell 10 s + 2 s per passenger.
    # r0 at t=100 from 1 to 3, r1 at t=150 from 2 to 4.
    # r0: vehicle 0 -> 1 arrives 200, boards, leaves 212.
    # r1: cheapest is [P0, P1, D0, D1]: P1 at 312, D0 at 424, D1 at 536.
    log = _run(NET5, fleet([0]), trips([100, 150], [1, 2], [3, 4]))
    r = log.requests
    assert list(r["status"]) == [R_DONE, R_DONE]
    assert list(r["pickup_s"]) == [200.0, 312.0]
    assert list(r["dropoff_s"]) == [424.0, 536.0]
    assert list(r["ride_m"]) == [2000.0, 2000.0]
    assert list(r["pooled"]) == [True, True]
    ev = [(t, name) for t, name, v, q in _events(log) if v == 0]
    assert ev[:3] == [(0.0, "start_service"), (100.0, "assign"), (150.0, "assign")]
    assert (548.0, "idle") in ev
    # after service end it drives home (400 s) and goes off service
    assert ev[-2:] == [(3600.0, "return_to_depot"), (4000.0, "end_service")]


def test_request_rejected_for_capacity() -> None:
    # capacity 1: r0 rides 1 -> 4 (on board from 200, passing node 2 at 312);
    # r1 asks at node 2 at 205 and could be reached in time, but only with r0
    # still on board; after r0's drop-off it is too late
    log = _run(
        NET5, fleet([0], capacity=1), trips([100, 205], [1, 2], [4, 3], max_wait_s=[1200, 200])
    )
    r = log.requests
    assert r["status"][0] == R_DONE and r["status"][1] == R_REJECTED
    assert REASON_NAMES[r["reason"][1]] == "capacity"


def test_request_rejected_for_max_wait() -> None:
    # the only vehicle needs 400 s to reach node 4; the passenger waits 300 s at most
    log = _run(NET5, fleet([0]), trips([100], [4], [0], max_wait_s=300))
    assert REASON_NAMES[log.requests["reason"][0]] == "max_wait"


def test_request_rejected_for_the_ride_limit_of_a_passenger_on_board() -> None:
    # r0 rides 1 -> 4 with a tight ride limit (312 s needed, 320 s allowed);
    # picking r1 up on the way would stretch r0's ride, and waiting for r0's
    # drop-off breaks r1's own wait limit: r0's ride is the binding limit
    tr = trips([100, 205], [1, 2], [4, 3], max_wait_s=[1200, 400], max_ride_s=[320, 3600])
    log = _run(NET5, fleet([0]), tr)
    r = log.requests
    assert r["dropoff_s"][0] - r["pickup_s"][0] == 312.0
    assert REASON_NAMES[r["reason"][1]] == "other_rider_ride"


def test_request_rejected_for_the_wait_limit_of_a_booked_passenger() -> None:
    # the vehicle leaves node 0 at 100 for r0 at node 3 (arrives 400, r0 waits
    # until 420 at most). r1 asks at 101 for 1 -> 2 with a ride of 150 s at
    # most: served first (1 at 200, 2 at 312), r0 would be picked up at 424;
    # picked up first and dropped after r0's pickup, r1 would ride 324 s; served
    # after r0, r1 would wait too long. r0's wait is the binding limit.
    tr = trips([100, 101], [3, 1], [4, 2], max_wait_s=[320, 300], max_ride_s=[3600, 150])
    log = _run(NET5, fleet([0]), tr)
    r = log.requests
    assert r["status"][0] == R_DONE and r["pickup_s"][0] == 400.0
    assert REASON_NAMES[r["reason"][1]] == "other_rider_wait"


def test_request_rejected_for_its_own_ride_limit() -> None:
    # 1 -> 3 takes 200 s of driving plus the dwell at node 2: over 150 s
    log = _run(NET5, fleet([0]), trips([100], [1], [3], max_ride_s=150.0))
    assert REASON_NAMES[log.requests["reason"][0]] == "max_ride"


def test_request_rejected_when_walking_is_faster() -> None:
    # picked up at 200 at node 1, it would reach node 3 at 412; walking gets
    # there by 350
    log = _run(NET5, fleet([0]), trips([100], [1], [3], latest_dropoff_s=350.0))
    assert REASON_NAMES[log.requests["reason"][0]] == "walking_is_faster"
    log = _run(NET5, fleet([0]), trips([100], [1], [3], latest_dropoff_s=420.0))
    assert log.requests["dropoff_s"][0] == 412.0


def test_equally_good_vehicles_take_turns() -> None:
    # three idle vehicles at the depot (node 0) and three requests far apart in
    # time: each time every vehicle is equally good; the rotation by request
    # index gives each request another vehicle, not always vehicle 0
    tr = trips([100, 1500, 2900], [0, 0, 0], [1, 1, 1])
    log = _run(NET5, fleet([0, 0, 0]), tr, rebalancing="depot")
    assert list(log.requests["vehicle"]) == [0, 1, 2]


def test_requests_outside_service_hours_are_rejected() -> None:
    log = _run(NET5, fleet([0]), trips([50, 3700], [1, 1], [2, 2]), start_s=100.0, end_s=3600.0)
    assert [REASON_NAMES[c] for c in log.requests["reason"]] == ["outside_operating_hours"] * 2


def test_dwelling_vehicle_takes_a_passenger_at_its_stop_without_a_new_dwell() -> None:
    # r0 boards at node 1 at 200 (doors open until 212); r1 asks at 205 at the same stop
    log = _run(NET5, fleet([0]), trips([100, 205], [1, 1], [2, 2]))
    r = log.requests
    assert r["pickup_s"][0] == 200.0 and r["pickup_s"][1] == 212.0  # joins before the doors close
    # departs at 214 (2 s more for r1), both alight at node 2 at 314
    assert list(r["dropoff_s"]) == [314.0, 314.0]


def test_rebalancing_depot_sends_vehicles_home() -> None:
    log = _run(NET5, fleet([0]), trips([100], [1], [3]), rebalancing="depot")
    names = [(t, n) for t, n, _, _ in _events(log)]
    # r0 alights at node 3 at 412; after 12 s of dwell the vehicle heads home
    assert (424.0, "return_to_depot") in names
    legs = log.legs
    assert legs["to_node"][-1] == 0


def test_demand_rebalancing_moves_idle_vehicles_towards_recent_requests() -> None:
    from klshuttle.dispatch import DemandRebalancer

    # two vehicles idle at node 0; all requests start at node 9 of a 10-node street
    g = line_graph(10, tt_s=60.0)
    net = reference_net(g)
    tr = trips([100, 200, 300, 1000, 1900], [9, 9, 9, 9, 9], [8, 8, 8, 8, 8], max_wait_s=1200)
    reb = DemandRebalancer(net, np.array([0, 5, 9], dtype=np.int32))
    sim = OnDemandSimulation(
        net,
        fleet([0, 0]),
        tr,
        start_s=0.0,
        end_s=3600.0,
        rebalancing="demand",
        rebalancing_interval_s=900.0,
        rebalancer=reb,
    )
    log = sim.run_to_end()
    names = [EVENT_NAMES[e] for e in log.events["event"]]
    assert "rebalance" in names
    targets = log.events["info"][[n == "rebalance" for n in names]]
    assert set(targets.tolist()) == {9}  # every request came from node 9
    # the request after the first rebalancing waits less than the ones before it
    wait = log.requests["pickup_s"] - tr.t_submit_s
    assert wait[4] < wait[0]
    check_invariants(log, g, net, tr, capacity=4)


def test_bad_settings_are_refused() -> None:
    with pytest.raises(KlshuttleError, match="after its start"):
        OnDemandSimulation(NET5, fleet([0]), trips([1], [1], [2]), start_s=10, end_s=10)
    with pytest.raises(KlshuttleError, match="unknown dispatcher"):
        dispatch_params("magic")
    with pytest.raises(KlshuttleError, match="unknown rebalancing 'stay'"):
        OnDemandSimulation(
            NET5, fleet([0]), trips([1], [1], [2]), start_s=0, end_s=10, rebalancing="stay"
        )
    with pytest.raises(KlshuttleError, match="batch window"):
        OnDemandSimulation(
            NET5,
            fleet([0]),
            trips([1], [1], [2]),
            start_s=0,
            end_s=10,
            dispatch=dispatch_params("batch", batch_window_s=0),
        )
    with pytest.raises(TypeError, match="unknown dispatch setting 'dispatcher'"):
        dispatch_params("batch", dispatcher=2)


# ------------------------------------------------------------------ invariants
def check_invariants(log, graph, net, tr, capacity: int) -> None:
    """Capacity, order, wait and ride limits, continuous movement, passenger-km."""
    r = log.requests
    done = r["status"] == R_DONE
    eps = 1e-6
    # every request ends served or rejected
    assert np.all((r["status"] == R_DONE) | (r["status"] == R_REJECTED))
    # picked up before dropped off, within the limits
    assert np.all(r["pickup_s"][done] <= r["dropoff_s"][done])
    assert np.all(r["pickup_s"][done] - tr.t_submit_s[done] <= tr.max_wait_s[done] + eps)
    assert np.all(r["pickup_s"][done] >= tr.t_submit_s[done])
    assert np.all(r["dropoff_s"][done] - r["pickup_s"][done] <= tr.max_ride_s[done] + eps)
    # load never exceeds capacity, and matches pickups minus dropoffs per vehicle
    e = log.events
    names = np.array(EVENT_NAMES)[e["event"]]
    assert e["load"][np.isin(names, ["pickup", "dropoff"])].max(initial=0) <= capacity
    for v in np.unique(e["vehicle"][e["vehicle"] >= 0]):
        mask = (e["vehicle"] == v) & np.isin(names, ["pickup", "dropoff"])
        pax = tr.pax[e["request"][mask]]
        sign = np.where(names[mask] == "pickup", 1, -1)
        assert np.array_equal(np.cumsum(sign * pax), e["load"][mask])
    # every pickup event belongs to a served request of that vehicle, once
    picks = e["request"][names == "pickup"]
    assert len(picks) == len(set(picks.tolist())) == done.sum()
    # vehicles move continuously: each leg starts where the previous ended, never earlier
    legs = log.legs
    for v in np.unique(legs["vehicle"]):
        m = legs["vehicle"] == v
        frm, to, t0, t1 = legs["from_node"][m], legs["to_node"][m], legs["t0_s"][m], legs["t1_s"][m]
        assert frm[0] == log.fleet.depot_node[v]
        assert np.array_equal(frm[1:], to[:-1])
        assert np.all(t0[1:] >= t1[:-1] - eps)
        # a leg driven to its end takes the shortest-path time; only a leg cut
        # short by a diversion is quicker, and only as many as there were diversions
        sp = net.time_s[frm, to]
        assert np.all(t1 - t0 <= sp + eps)
        cut = np.sum(t1 - t0 < sp - eps)
        assert cut <= np.sum((names == "divert") & (e["vehicle"] == v))
    # passenger-km in the trips equal passenger-km on the links
    from klshuttle._kernels.paths import path_edges

    pax_passages = np.zeros(graph.n_edges)
    for a, b, load in zip(legs["from_node"], legs["to_node"], legs["load"], strict=True):
        pax_passages[path_edges(net.pred_edge[a], net.edge_source, int(a), int(b))] += load
    trips_pkm = float(np.sum(tr.pax[done] * r["ride_m"][done]))
    links_pkm = float(np.sum(pax_passages * graph.length_m))
    assert trips_pkm == pytest.approx(links_pkm, rel=1e-9, abs=1e-6)


@pytest.mark.parametrize("dispatcher", ["insertion", "batch", "nearest_idle"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_invariants_on_random_days(dispatcher: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    g = random_graph(30, rng, extra=40)
    net = reference_net(g)
    n = 300
    t = np.sort(rng.uniform(0, 7200, n))
    o = rng.integers(0, 30, n)
    d = (o + rng.integers(1, 30, n)) % 30
    direct = net.time_s[o, d]
    tr = trips(t, o, d, max_wait_s=600, max_ride_s=1.5 * direct + 300, pax=rng.integers(1, 3, n))
    fl = fleet(rng.integers(0, 30, 6), capacity=4, dwell_s=15, per_pax_s=2.75)
    log = _run(net, fl, tr, end_s=7200.0, dispatcher=dispatcher)
    check_invariants(log, g, net, tr, capacity=4)
    served = (log.requests["status"] == R_DONE).mean()
    assert served > 0.2  # the fleet does real work
    if dispatcher == "nearest_idle":
        assert not log.requests["pooled"].any()


def test_same_inputs_give_identical_logs() -> None:
    rng = np.random.default_rng(5)
    g = random_graph(20, rng, extra=20)
    net = reference_net(g)
    t = np.sort(rng.uniform(0, 3600, 200))
    o = rng.integers(0, 20, 200)
    d = (o + 1 + rng.integers(0, 19, 200)) % 20
    tr = trips(t, o, d, max_wait_s=900)
    a = _run(net, fleet([0, 5, 10]), tr)
    b = _run(net, fleet([0, 5, 10]), tr)
    for key in a.events:
        assert np.array_equal(a.events[key], b.events[key])
    for key in a.requests:
        assert np.array_equal(a.requests[key], b.requests[key], equal_nan=True)


# ------------------------------------------------------------ hypothesis
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@st.composite
def _instances(draw):
    n = draw(st.integers(3, 10))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    g = random_graph(n, rng, extra=draw(st.integers(0, 12)))
    k = draw(st.integers(1, 40))
    t = np.sort(rng.uniform(0, 3000, k)).round(0)
    o = rng.integers(0, n, k)
    d = (o + rng.integers(1, n, k)) % n
    tr_kw = {
        "max_wait_s": rng.uniform(60, 900, k),
        "pax": rng.integers(1, 3, k),
    }
    fl = fleet(
        rng.integers(0, n, draw(st.integers(1, 4))),
        capacity=draw(st.integers(2, 5)),
        dwell_s=draw(st.sampled_from([0.0, 5.0, 30.0])),
        per_pax_s=draw(st.sampled_from([0.0, 2.75])),
    )
    kw = {
        "dispatcher": draw(st.sampled_from(["insertion", "batch", "nearest_idle"])),
        "pooling": draw(st.booleans()),
        "rebalancing": draw(st.sampled_from(["none", "depot"])),
    }
    return g, t, o, d, tr_kw, fl, kw, draw(st.floats(1.0, 2.0)), draw(st.floats(0.0, 600.0))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_instances())
def test_invariants_on_random_small_instances(inst) -> None:
    g, t, o, d, tr_kw, fl, kw, factor, offset = inst
    net = reference_net(g)
    tr = trips(t, o, d, max_ride_s=factor * net.time_s[o, d] + offset, **tr_kw)
    log = _run(net, fl, tr, end_s=3000.0, **kw)
    check_invariants(log, g, net, tr, capacity=fl.capacity)
    if not kw["pooling"] or kw["dispatcher"] == "nearest_idle":
        assert not log.requests["pooled"].any()
