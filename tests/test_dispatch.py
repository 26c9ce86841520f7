"""The numba insertion search against its plain-Python reference, on real states."""

from __future__ import annotations

import numpy as np
import pytest

from klshuttle._kernels import insertion as kin
from klshuttle._kernels.simstate import D_NEAREST_IDLE
from klshuttle.dispatch import (
    OBJECTIVES,
    best_insertion_reference,
    dispatch_params,
    dispatch_params_from_spec,
    dispatcher_code,
    insertion_cost_reference,
)
from klshuttle.errors import ScenarioError
from klshuttle.sim import OnDemandSimulation
from simkit import fleet, random_graph, reference_net, trips


def _states(
    seed: int,
    n_checks: int,
    *,
    dispatcher: str = "insertion",
    capacity: int = 4,
    pooling: bool = True,
    wait_weight: float = 1.0,
    objective: str = "passenger_time",
    prebooked_share: float = 0.0,
):
    """Run a random day and stop just before some requests; yield (sim, request, now).

    With ``prebooked_share`` that share of the requests is known up to an hour
    before the rider is ready (requests in order of release).
    """
    rng = np.random.default_rng(seed)
    g = random_graph(25, rng, extra=30)
    net = reference_net(g)
    n = 400
    ready = rng.uniform(0, 5400, n)
    lead = np.where(rng.random(n) < prebooked_share, rng.uniform(0, 3600, n), 0.0)
    order = np.lexsort((ready, ready - lead))
    t, release = ready[order], np.maximum(ready - lead, 0.0)[order]
    o = rng.integers(0, 25, n)
    d = (o + rng.integers(1, 25, n)) % 25
    direct = net.time_s[o, d]
    tr = trips(
        t,
        o,
        d,
        max_wait_s=rng.uniform(300, 900, n),
        max_ride_s=1.5 * direct + 300,
        pax=rng.integers(1, 3, n),
        release_s=release,
    )
    sim = OnDemandSimulation(
        net,
        fleet(rng.integers(0, 25, 5), capacity=capacity, dwell_s=15, per_pax_s=2.75),
        tr,
        start_s=0.0,
        end_s=5400.0,
        dispatch=dispatch_params(
            dispatcher, pooling=pooling, wait_weight=wait_weight, objective=objective
        ),
    )
    checks = np.sort(rng.choice(np.arange(20, n), n_checks, replace=False))
    sim._advance(-1.0)
    for r in checks:
        now = float(release[r])
        sim._advance(np.nextafter(now, -np.inf))
        if sim.clock.next_req[0] != r:  # an earlier request at the same time
            continue
        yield sim, int(r), now


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize(
    ("capacity", "wait_weight", "objective", "prebooked_share"),
    [
        (2, 1.0, "vehicle_time", 0.0),
        (6, 1.0, "vehicle_time", 0.0),
        (4, 0.0, "vehicle_time", 0.0),
        (4, 3.5, "vehicle_time", 0.0),
        (2, 1.0, "passenger_time", 0.0),
        (6, 1.0, "passenger_time", 0.0),
        (4, 1.0, "weighted", 0.0),
        (4, 1.0, "vehicle_time", 0.5),
        (6, 1.0, "passenger_time", 0.5),
        (4, 1.0, "weighted", 0.8),
    ],
)
def test_numba_insertion_matches_reference(
    seed: int, capacity: int, wait_weight: float, objective: str, prebooked_share: float
) -> None:
    compared = early = 0
    for sim, r, now in _states(
        seed,
        40,
        capacity=capacity,
        wait_weight=wait_weight,
        objective=objective,
        prebooked_share=prebooked_share,
    ):
        # plans where a vehicle will wait for a rider who is not ready yet
        planned = sim.veh.plan_req[sim.veh.plan_kind == 1]
        early += int((sim.req.t_submit[planned] > now + 60.0).any())
        a = kin.best_insertion(
            sim.net, sim.fleet, sim.veh, sim.req, sim.dispatch, r, now, sim.max_plan
        )
        b = best_insertion_reference(
            sim.net, sim.fleet, sim.veh, sim.req, sim.dispatch, r, now, sim.max_plan
        )
        av, ai, aj, acost, astage, _ = a
        bv, bi, bj, bcost, bstage, _ = b
        if bv < 0:
            assert av < 0 and astage == bstage, (a, b)
        else:
            assert av >= 0, (a, b)
            assert acost == pytest.approx(bcost, rel=1e-9, abs=1e-6)
            if (av, ai, aj) != (bv, bi, bj):  # a tie: the numba choice must cost the same
                alt = insertion_cost_reference(
                    sim.net, sim.fleet, sim.veh, sim.req, sim.dispatch, av, r, ai, aj, now
                )
                assert alt == pytest.approx(bcost, rel=1e-9, abs=1e-6)
        compared += 1
    assert compared > 20
    if prebooked_share > 0:
        assert early > 10, early  # the prebooked days do exercise the waits


@pytest.mark.parametrize("seed", range(3))
def test_numba_insertion_without_pooling_matches_reference(seed: int) -> None:
    compared = 0
    for sim, r, now in _states(seed, 30, pooling=False):
        a = kin.best_insertion(
            sim.net, sim.fleet, sim.veh, sim.req, sim.dispatch, r, now, sim.max_plan
        )
        assert sim.dispatch.pooling is False and sim.dispatch.wait_weight == 1.0
        b = best_insertion_reference(
            sim.net, sim.fleet, sim.veh, sim.req, sim.dispatch, r, now, sim.max_plan
        )
        assert (a[0] < 0) == (b[0] < 0), (a, b)
        if b[0] < 0:
            assert a[4] == b[4]
        else:
            assert a[3] == pytest.approx(b[3], rel=1e-9, abs=1e-6)
            assert a[2] == a[1]  # pickup and drop-off next to each other
        compared += 1
    assert compared > 15
    assert not sim.req.pooled.any()


def test_states_exercise_real_plans() -> None:
    lengths = [int(sim.veh.plan_len.max()) for sim, _, _ in _states(3, 30, capacity=6)]
    assert max(lengths) >= 6  # plans long enough to test interleaving


def test_nearest_idle_matches_reference() -> None:
    compared = 0
    for sim, r, now in _states(11, 30, dispatcher="nearest_idle"):
        assert sim.dispatch.dispatcher == D_NEAREST_IDLE
        a = kin.best_insertion(
            sim.net, sim.fleet, sim.veh, sim.req, sim.dispatch, r, now, sim.max_plan
        )
        b = best_insertion_reference(
            sim.net, sim.fleet, sim.veh, sim.req, sim.dispatch, r, now, sim.max_plan
        )
        assert a[0] == b[0]
        if b[0] >= 0:
            assert a[3] == pytest.approx(b[3], rel=1e-12)
        compared += 1
    assert compared > 15


def test_insertion_costs_matrix_matches_single_searches() -> None:
    compared = 0
    for sim, r, now in _states(4, 10):
        rs = np.array([r], dtype=np.int64)
        cost, pi, pj, _ = kin.insertion_costs(
            sim.net, sim.fleet, sim.veh, sim.req, sim.dispatch, rs, now, sim.max_plan
        )
        bv, bi, bj, bcost, _, _ = kin.best_insertion(
            sim.net, sim.fleet, sim.veh, sim.req, sim.dispatch, r, now, sim.max_plan
        )
        if bv >= 0:
            assert cost[0].min() == bcost and np.argmin(cost[0]) == bv
            assert (pi[0, bv], pj[0, bv]) == (bi, bj)
        else:
            assert np.isinf(cost).all()
        compared += 1
    assert compared > 5


def test_unknown_dispatcher_name() -> None:
    with pytest.raises(ScenarioError, match="known: insertion, nearest_idle, batch"):
        dispatcher_code("greedy")


def test_dispatch_params_cast_to_the_tuple_types() -> None:
    p = dispatch_params(
        "batch",
        pooling=0,
        objective="weighted",
        wait_weight=2,
        passenger_weight=3,
        batch_window_s=60,
    )
    assert (p.dispatcher, p.pooling, p.objective) == (2, False, OBJECTIVES["weighted"])
    assert (p.wait_weight, p.passenger_weight, p.batch_window_s) == (2.0, 3.0, 60.0)
    assert type(p.dispatcher) is int and type(p.pooling) is bool and type(p.objective) is int
    assert type(p.wait_weight) is float and type(p.batch_window_s) is float
    d = dispatch_params()
    assert (d.dispatcher, d.pooling, d.objective) == (0, True, OBJECTIVES["passenger_time"])


def test_unknown_objective_name() -> None:
    with pytest.raises(ScenarioError, match=r"dispatch\.objective: unknown objective 'fastest'"):
        dispatch_params(objective="fastest")


def test_dispatch_params_from_spec_take_the_fields_by_name() -> None:
    from klshuttle.scenario import DispatchSpec

    spec = DispatchSpec(
        algorithm="nearest_idle",
        objective="vehicle_time",
        wait_weight=0.5,
        passenger_weight=2.5,
        batch_window_s=12.0,
    )
    p = dispatch_params_from_spec(spec, pooling=False)
    assert (p.dispatcher, p.pooling, p.objective) == (
        D_NEAREST_IDLE,
        False,
        OBJECTIVES["vehicle_time"],
    )
    assert (p.wait_weight, p.passenger_weight, p.batch_window_s) == (0.5, 2.5, 12.0)
