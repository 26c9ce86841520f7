"""The parallel insertion search chooses exactly what the serial search chooses.

Oracle: the serial search (itself checked against the plain-Python reference
and the enumeration in test_dispatch*.py), compared field by field and float
by float; for ties a hand-worked case (all vehicles alike: the rotation of
``tie_rank`` picks vehicle ``r mod n``); for whole runs the output files of
the serial run and the stored digests of a shipped scenario.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from grid_scenario import fails_cleanly, grid_scenario, klshuttle
from klshuttle._kernels import insertion as kin
from klshuttle.dispatch import dispatch_params
from klshuttle.errors import KlshuttleError
from klshuttle.sim import OnDemandSimulation
from simkit import fleet, random_graph, reference_net, trips
from test_output_digests import DIGESTS, REPO, _digest


def _day(seed: int, dispatcher: str = "insertion", threads: int = 1, vehicles: int = 15):
    """A random day on a 30-node graph, many vehicles (plans of varied length)."""
    rng = np.random.default_rng(seed)
    g = random_graph(30, rng, extra=40)
    net = reference_net(g)
    n = 1500
    t = np.sort(rng.uniform(0, 7200, n))
    o = rng.integers(0, 30, n)
    d = (o + rng.integers(1, 30, n)) % 30
    tr = trips(
        t,
        o,
        d,
        max_wait_s=rng.uniform(300, 900, n),
        max_ride_s=1.5 * net.time_s[o, d] + 300,
        pax=rng.integers(1, 3, n),
    )
    return OnDemandSimulation(
        net,
        fleet(rng.integers(0, 30, vehicles), capacity=4, dwell_s=15, per_pax_s=2.75),
        tr,
        start_s=0.0,
        end_s=7200.0,
        dispatch=dispatch_params(dispatcher, threads=threads),
    )


@pytest.mark.parametrize("seed", range(3))
def test_parallel_search_equals_serial_on_live_states(seed: int) -> None:
    sim = _day(seed)
    sim._advance(-1.0)
    compared = feasible = 0
    lengths = []
    for r in range(100, 1500, 11):
        now = float(sim.req.t_submit[r])
        sim._advance(np.nextafter(now, -np.inf))
        if sim.clock.next_req[0] != r:  # an earlier request at the same time
            continue
        args = (sim.net, sim.fleet, sim.veh, sim.req)
        serial = kin.best_insertion(*args, sim.dispatch, r, now, sim.max_plan)
        # more parts than numba has threads, and odd counts: the parts are
        # dealt round-robin whatever the pool size
        for threads in (2, 3, 8):
            par = kin.best_insertion(
                *args, sim.dispatch._replace(threads=threads), r, now, sim.max_plan
            )
            assert par == serial, (threads, r, par, serial)
        compared += 1
        feasible += serial[0] >= 0
        lengths.append(int(sim.veh.plan_len.max()))
    assert compared > 80 and 0 < feasible < compared  # assignments and rejections
    assert max(lengths) >= 6  # real plans, not empty vehicles


def test_parallel_offers_equal_serial_offers() -> None:
    sim = _day(5)
    args = (sim.net, sim.fleet, sim.veh, sim.req)
    several = 0
    for t_s in range(600, 7200, 600):
        sim._advance(float(t_s))
        r = int(sim.clock.next_req[0])
        now = float(sim.req.t_submit[r])
        serial = kin.vehicle_offers(*args, sim.dispatch, r, now, sim.max_plan)
        par = kin.vehicle_offers(*args, sim.dispatch._replace(threads=3), r, now, sim.max_plan)
        for a, b in zip(serial, par, strict=True):
            np.testing.assert_array_equal(a, b)
        several += np.isfinite(serial[0]).sum() >= 2
    assert several >= 3  # states where several vehicles could take the request


@pytest.mark.parametrize("threads", [1, 2, 5])
def test_tie_goes_to_the_rotation_whatever_the_threads(threads: int) -> None:
    # hand-worked: 6 idle vehicles at node 0, every one offers the same cost,
    # so request r goes to vehicle r mod 6 (tie_rank), not to the first found
    rng = np.random.default_rng(0)
    net = reference_net(random_graph(8, rng, extra=4))
    n = 20
    tr = trips(
        np.arange(n) * 10.0 + 100.0,
        np.full(n, 1),
        np.full(n, 5),
        max_wait_s=np.full(n, 900.0),
        max_ride_s=np.full(n, 3600.0),
        pax=np.ones(n, dtype=np.int64),
    )
    sim = OnDemandSimulation(
        net,
        fleet(np.zeros(6, dtype=np.int64), capacity=4, dwell_s=15, per_pax_s=2.75),
        tr,
        start_s=0.0,
        end_s=7200.0,
    )
    sim._advance(50.0)
    dispatch = sim.dispatch._replace(threads=threads)  # 5: more parts than the pool
    for r in (0, 7, 11):
        v, *_ = kin.best_insertion(
            sim.net, sim.fleet, sim.veh, sim.req, dispatch, r, 100.0, sim.max_plan
        )
        assert v == r % 6


@pytest.mark.parametrize("dispatcher", ["insertion", "batch", "nearest_idle"])
def test_whole_day_identical_with_two_threads(dispatcher: str) -> None:
    logs = []
    for threads in (1, 2):
        sim = _day(7, dispatcher, threads)
        sim.run_to_end()
        logs.append(sim.event_log())
    a, b = logs
    assert len(next(iter(a.events.values()))) > 1000
    for name in ("events", "legs", "requests"):
        ta, tb = getattr(a, name), getattr(b, name)
        assert sorted(ta) == sorted(tb)
        for col in ta:
            np.testing.assert_array_equal(np.asarray(ta[col]), np.asarray(tb[col]), err_msg=col)


def test_thread_count_is_checked() -> None:
    import numba

    with pytest.raises(KlshuttleError, match="threads"):
        _day(0, threads=0)
    with pytest.raises(KlshuttleError, match="threads"):
        _day(0, threads=int(numba.config.NUMBA_NUM_THREADS) + 1)


def test_cli_threads_give_identical_files(tmp_path: Path) -> None:
    sc = grid_scenario(tmp_path / "s")
    digests = []
    for threads in ("1", "2"):
        out = tmp_path / f"out{threads}"
        proc = klshuttle(
            "run", str(sc), "--out", str(out), "--no-progress", "--threads", threads, cwd=tmp_path
        )
        assert proc.returncode == 0, proc.stderr
        digests.append(
            {p.relative_to(out).as_posix(): _digest(p) for p in out.rglob("*") if p.is_file()}
        )
    assert digests[0] == digests[1] and len(digests[0]) > 5


def test_cli_bad_thread_count_fails_cleanly(tmp_path: Path) -> None:
    import numba

    sc = grid_scenario(tmp_path / "s")
    too_many = str(int(numba.config.NUMBA_NUM_THREADS) + 1)
    fails_cleanly(
        tmp_path, ["run", str(sc), "--out", str(tmp_path / "o"), "--threads", too_many], "threads"
    )


@pytest.mark.kaiserslautern
def test_shipped_scenario_with_parallel_search_matches_stored_digests(
    kl_osm: Path, kl_cache: Path, tmp_path: Path
) -> None:
    name = "hbf-feeder-on-demand"  # the main job: 40 vehicles
    out = tmp_path / name
    proc = klshuttle(
        "run",
        str(REPO / "scenarios" / f"{name}.toml"),
        "--seed",
        "1",
        "--out",
        str(out),
        "--no-progress",
        "--threads",
        "2",
        cwd=tmp_path,
        env={"KLSHUTTLE_OSM": str(kl_osm), "KLSHUTTLE_CACHE_DIR": str(kl_cache)},
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    got = {p.relative_to(out).as_posix(): _digest(p) for p in out.rglob("*") if p.is_file()}
    assert got == DIGESTS[name]
