"""Simulation benchmarks: dispatch decisions and whole days on the Kaiserslautern graph.

Groups (names ``test_<group>[<impl>]``, as the routing benchmarks):

``insertion_decision``
    One cheapest-insertion decision over 50 vehicles at noon of a
    10,000-request day: the numba kernel against the plain-Python reference
    dispatcher on the same state (the simulation issue asks for 50x).
``map_load``
    Loading the compiled graph from the cache against building it from the
    OSM file.
``sim_day_<requests>_<vehicles>``
    A whole day (simulation, tables and the output files trips.csv,
    vehicles.csv, events.csv, link_loads.geojson, kpis.json) at three sizes;
    ``extra_info`` holds requests per second. For the guard each is paired
    with scipy's all-pairs Dijkstra on the same graph in the same run
    (``[scipy_all_pairs]``), a fixed CPU-bound workload that moves with the
    machine's speed, so the guarded ratio does not depend on how fast the
    shared machine is that day.
``sim_day_threads_<requests>_<vehicles>``
    A door-to-door day with its output files, the insertion search over
    vehicles on 2 threads (``[parallel]``) and on one (``[serial]``), in the
    same run; both must write byte-identical files. The day has as many
    requests per vehicle as the 100,000-request, 500-vehicle day of
    scripts/bench_big_day.py (run by hand: too long for CI).
"""

from __future__ import annotations

import hashlib
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy.sparse.csgraph import dijkstra

from klshuttle import Router, load_map, load_scenario, simulate
from klshuttle._kernels import insertion as kin
from klshuttle.dispatch import best_insertion_reference
from klshuttle.maps import build_graph, resolve_map_source
from klshuttle.outputs import write_result
from klshuttle.reference import to_scipy_csgraph
from klshuttle.resolve import resolve
from klshuttle.runner import prepare_trips
from klshuttle.sim import FleetInput, OnDemandSimulation, net_tables

REPO = Path(__file__).resolve().parents[1]
BASE = REPO / "scenarios" / "base.toml"

#: Day sizes: (requests, vehicles); capacity 8, insertion dispatcher. The
#: guard floors the diagonal (1,000/10, 10,000/50, 50,000/200); the others are
#: reported for the requests-per-second table.
SIZES = [(n, v) for n in (1_000, 10_000, 50_000) for v in (10, 50, 200)]


def _day_scenario(requests: int, vehicles: int) -> Any:
    """The base scenario with a door-to-door day of the given size over the whole map."""
    return load_scenario(
        BASE,
        overrides={
            "fleet.vehicles": vehicles,
            "fleet.vehicle.capacity": 8,
            "demand.models": [
                {
                    "type": "osm",
                    "name": "residents",
                    "trips_per_day": requests,
                    "time_profile": "weekday",
                    "hubs": {"Hauptbahnhof": 3.0, "Rathaus": 1.0, "University campus": 2.0},
                }
            ],
            "outputs.which": ["trips", "vehicles", "events", "kpis", "geojson"],
        },
    )


@pytest.fixture(scope="module")
def sim_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Map, router and the three resolved days, built before any timing."""
    osm = Path(
        os.environ.get("KLSHUTTLE_OSM", REPO.parent / "shared" / "maps" / "kaiserslautern.osm.gz")
    )
    if not osm.is_file():
        pytest.fail(f"the Kaiserslautern OSM extract is missing ({osm}); set KLSHUTTLE_OSM")
    os.environ["KLSHUTTLE_OSM"] = str(osm)
    # the days' build settings (base.toml lets shuttles use bus-only ways)
    graph = load_map(osm, settings=_day_scenario(*SIZES[0]).build_settings)
    router = Router(graph)
    days = {}
    for n, v in SIZES:
        sc = _day_scenario(n, v)
        days[(n, v)] = (sc, resolve(sc, graph=graph))
    # compile and warm every kernel of a day before timing anything
    sc, res = days[(1_000, 10)]
    t0 = time.perf_counter()
    simulate(sc, resolved=res, router=router)
    warm_s = time.perf_counter() - t0
    return {"osm": osm, "graph": graph, "router": router, "days": days, "warmup_s": warm_s}


@pytest.fixture(scope="module")
def noon_state(sim_env: dict[str, Any]) -> tuple[Any, int, float]:
    """A 10,000-request, 50-vehicle day stopped at noon, before its next request."""
    sc, res = sim_env["days"][(10_000, 50)]
    net = net_tables(sim_env["router"])
    _, trips = prepare_trips(res, net)
    veh = sc.fleet.vehicle
    fleet = FleetInput(res.depots.vehicle_node, veh.capacity, veh.dwell_time_s, veh.boarding_time_s)
    sim = OnDemandSimulation(
        net, fleet, trips, start_s=veh.operating_hours.start, end_s=veh.operating_hours.end
    )
    sim._advance(12 * 3600.0)
    r = int(sim.clock.next_req[0])
    return sim, r, float(trips.t_submit_s[r])


@pytest.mark.benchmark(group="insertion_decision")
@pytest.mark.parametrize("impl", ["klshuttle", "python"])
def test_insertion_decision(benchmark: Any, noon_state: tuple[Any, int, float], impl: str) -> None:
    sim, r, now = noon_state
    args = (sim.net, sim.fleet, sim.veh, sim.req)
    if impl == "klshuttle":
        kin.best_insertion(*args, sim.dispatch, r, now, sim.max_plan)  # warm

        def decide() -> Any:
            return kin.best_insertion(*args, sim.dispatch, r, now, sim.max_plan)

        rounds = 200
    else:

        def decide() -> Any:
            return best_insertion_reference(*args, sim.dispatch, r, now, sim.max_plan)

        rounds = 5
    result = benchmark.pedantic(decide, rounds=rounds, iterations=1, warmup_rounds=1)
    benchmark.extra_info.update(
        {
            "measures": "one cheapest-insertion decision, 50 vehicles, noon of a 10,000-request day",
            "vehicle": int(result[0]),
            "mean_plan_length": float(sim.veh.plan_len.mean()),
        }
    )


@pytest.mark.benchmark(group="map_load")
@pytest.mark.parametrize("impl", ["klshuttle", "osm_build"])
def test_map_load(benchmark: Any, sim_env: dict[str, Any], impl: str) -> None:
    osm = sim_env["osm"]
    if impl == "klshuttle":
        load_map(osm)  # make sure the cache holds it
        benchmark.pedantic(lambda: load_map(osm), rounds=20, iterations=1, warmup_rounds=1)
        benchmark.extra_info["measures"] = "load the compiled Kaiserslautern graph from the cache"
    else:
        src = resolve_map_source(osm)
        benchmark.pedantic(lambda: build_graph(src), rounds=3, iterations=1)
        benchmark.extra_info["measures"] = "build the graph from the OSM file (osmnx + pyosmium)"


def _day(sim_env: dict[str, Any], size: tuple[int, int]) -> Any:
    sc, res = sim_env["days"][size]
    out = Path(tempfile.mkdtemp(prefix="klshuttle-bench-"))
    try:
        result = simulate(sc, resolved=res, router=sim_env["router"])
        write_result(result, out / "day")
    finally:
        shutil.rmtree(out, ignore_errors=True)
    return result


@pytest.mark.parametrize("size", SIZES, ids=[f"{n}_{v}" for n, v in SIZES])
@pytest.mark.parametrize("impl", ["klshuttle", "scipy_all_pairs"])
def test_sim_day(benchmark: Any, sim_env: dict[str, Any], size: tuple[int, int], impl: str) -> None:
    n, v = size
    benchmark.group = f"sim_day_{n}_{v}"
    # short days are dominated by fixed costs (tables, files) and noisier: more rounds
    rounds = {1_000: 7, 10_000: 3}.get(n, 2 if v == 200 else 3)
    warmup = 1 if n <= 10_000 else 0
    if impl == "klshuttle":
        result = benchmark.pedantic(
            lambda: _day(sim_env, size), rounds=rounds, iterations=1, warmup_rounds=warmup
        )
        median = benchmark.stats.stats.median
        benchmark.extra_info.update(
            {
                "measures": f"a day of {n:,} requests, {v} vehicles of capacity 8, insertion, with output files",
                "requests_per_s": n / median,
                "served_share": result.kpis["served_share"],
                "events": len(result.events),
                "jit_warmup_s": sim_env["warmup_s"],
            }
        )
    else:
        cs = to_scipy_csgraph(sim_env["graph"], "travel_time_s")
        benchmark.pedantic(
            lambda: dijkstra(cs, directed=True), rounds=rounds, iterations=1, warmup_rounds=warmup
        )
        benchmark.extra_info["measures"] = "calibration: scipy all-pairs Dijkstra, Kaiserslautern"
    assert np.isfinite(benchmark.stats.stats.median)


#: The parallel-insertion day of CI: (requests, vehicles), capacity 8; 200
#: requests per vehicle as in the 100,000-request, 500-vehicle day.
THREADS_DAY = (50_000, 250)


@pytest.fixture(scope="module")
def threads_day(sim_env: dict[str, Any]) -> dict[str, Any]:
    """The parallel-insertion day, resolved before any timing; digests of its runs."""
    sc = _day_scenario(*THREADS_DAY)
    return {"scenario": sc, "resolved": resolve(sc, graph=sim_env["graph"]), "digests": {}}


@pytest.mark.parametrize("impl", ["serial", "parallel"])
def test_sim_day_threads(
    benchmark: Any, sim_env: dict[str, Any], threads_day: dict[str, Any], impl: str
) -> None:
    n, v = THREADS_DAY
    benchmark.group = f"sim_day_threads_{n}_{v}"
    threads = 2 if impl == "parallel" else 1
    out = Path(tempfile.mkdtemp(prefix="klshuttle-bench-"))
    digests: dict[str, str] = {}
    rounds = iter(range(100))

    def day() -> Any:
        result = simulate(
            threads_day["scenario"],
            resolved=threads_day["resolved"],
            router=sim_env["router"],
            threads=threads,
        )
        folder = write_result(result, out / f"day{next(rounds)}")
        digests.clear()
        digests.update(
            {
                f.relative_to(folder).as_posix(): hashlib.sha256(f.read_bytes()).hexdigest()
                for f in sorted(folder.rglob("*"))
                if f.is_file() and f.name != "run.json"
            }
        )
        return result

    try:
        result = benchmark.pedantic(day, rounds=2, iterations=1, warmup_rounds=0)
    finally:
        shutil.rmtree(out, ignore_errors=True)
    threads_day["digests"][impl] = dict(digests)
    median = benchmark.stats.stats.median
    benchmark.extra_info.update(
        {
            "measures": f"a door-to-door day of {n:,} requests, {v} vehicles of capacity 8, "
            f"insertion search on {threads} thread(s), with output files",
            "requests_per_s": n / median,
            "simulation_s": result.timings_s["simulation"],
            "served_share": result.kpis["served_share"],
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "load_1min": os.getloadavg()[0],
        }
    )
    for other, files in threads_day["digests"].items():
        assert files == digests, f"the {impl} and {other} days wrote different files"
