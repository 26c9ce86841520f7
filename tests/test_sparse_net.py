"""Simulation without all-pairs tables: the contraction-hierarchy network (SparseNet).

Oracles: scipy's Dijkstra for every travel time; the all-pairs tables
(:func:`klshuttle.sim.net_tables`) for whole simulated days on graphs whose
edge times are whole seconds, where every sum is exact and both networks must
give the same day to the last bit; the road graph itself for the paths the
vehicles drove on the real map.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from klshuttle import RoadGraph
from klshuttle._kernels import sparse as ksparse
from klshuttle.dispatch import DemandRebalancer, dispatch_params
from klshuttle.errors import RoutingError
from klshuttle.events import EventLog, LegKind
from klshuttle.metrics import link_loads
from klshuttle.routing import Router
from klshuttle.sim import OnDemandSimulation, TripInput, net_tables
from klshuttle.simnet import sparse_net

sys.path.insert(0, str(Path(__file__).parent))
from simkit import fleet, make_graph, trips

sys.path.insert(0, str(Path(__file__).parents[1] / "benchmarks"))
from tiled import tiled_graph


def _random_graph(n: int, seed: int, *, whole_seconds: bool, chords: int = 150) -> RoadGraph:
    """A strongly connected graph: a two-way ring plus random one-way chords.

    With ``whole_seconds`` edge times are whole numbers drawn from a wide range,
    so sums are exact and equal-time paths are unlikely.
    """
    rng = np.random.default_rng(seed)
    edges: dict[tuple[int, int], tuple[int, int, float, float]] = {}

    def draw(hi: int) -> float:
        return float(rng.integers(1000, hi)) if whole_seconds else float(rng.uniform(20, hi / 500))

    for i in range(n):
        j = (i + 1) % n
        for a, b in ((i, j), (j, i)):
            t = draw(100_000)
            edges[(a, b)] = (a, b, t, 5.0 * t)
    for _ in range(chords):
        a, b = (int(x) for x in rng.integers(0, n, 2))
        if a != b:
            t = draw(200_000)
            edges[(a, b)] = (a, b, t, 5.0 * t)
    return make_graph(n, list(edges.values()))


def _scipy_times(graph: RoadGraph) -> np.ndarray:
    n = graph.n_nodes
    m = csr_matrix((graph.travel_time_s, graph.indices, graph.indptr), shape=(n, n))
    return dijkstra(m, directed=True)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_pair_times_equal_dijkstra_even_when_the_cache_overflows(seed: int) -> None:
    graph = _random_graph(60, seed, whole_seconds=False)
    # the smallest cache allowed: it must be emptied again and again
    net = sparse_net(graph, cache_bytes=48 * graph.n_nodes)
    want = _scipy_times(graph)
    got = np.array(
        [[ksparse.pair_time(net, a, b) for b in range(graph.n_nodes)] for a in range(60)]
    )
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=0)
    assert net.sp_stats[3] > 0  # the cache was flushed and refilled


def test_a_cache_too_small_for_the_graph_is_refused() -> None:
    graph = _random_graph(30, 0, whole_seconds=False)
    with pytest.raises(RoutingError, match="cache_bytes"):
        sparse_net(graph, cache_bytes=47 * graph.n_nodes)


def _day(graph: RoadGraph, seed: int, *, prebook: bool = False) -> tuple[TripInput, Any]:
    rng = np.random.default_rng(100 + seed)
    n, nr = graph.n_nodes, 250
    t = np.sort(rng.integers(0, 3_000_000, nr)).astype(float)
    pu = rng.integers(0, n, nr)
    do = rng.integers(0, n, nr)
    do = np.where(do == pu, (do + 1) % n, do)
    release = None
    if prebook:
        # a third booked ahead, in release order
        lead = np.where(rng.random(nr) < 0.33, rng.integers(0, 500_000, nr), 0)
        release = np.maximum(t - lead, 0.0)
        order = np.lexsort((t, release))
        t, pu, do, release = t[order], pu[order], do[order], release[order]
    tr = trips(t, pu, do, max_wait_s=300_000.0, max_ride_s=900_000.0, release_s=release)
    return tr, fleet([0, 7, 19, 33, 41, 52], capacity=3)


def _run(net: Any, tr: TripInput, fl: Any, **kw: Any) -> EventLog:
    sim = OnDemandSimulation(net, fl, tr, start_s=0.0, end_s=3_100_000.0, **kw)
    return sim.run_to_end()


def _assert_same_day(a: EventLog, b: EventLog) -> None:
    for part in ("events", "legs", "requests"):
        for k, col in getattr(a, part).items():
            np.testing.assert_array_equal(col, getattr(b, part)[k], err_msg=f"{part}.{k}")
    assert a.leg_paths is not None and b.leg_paths is not None
    np.testing.assert_array_equal(a.leg_paths.length_m, b.leg_paths.length_m)
    np.testing.assert_array_equal(a.leg_paths.edge_start, b.leg_paths.edge_start)
    np.testing.assert_array_equal(a.leg_paths.edges, b.leg_paths.edges)


@pytest.mark.parametrize(
    ("seed", "settings", "prebook", "rebalancing"),
    [
        (0, {}, False, "none"),
        (1, {}, True, "none"),
        (2, {"threads": 2}, False, "depot"),
        (3, {"objective": "vehicle_time"}, True, "depot"),
        (4, {"algorithm": "nearest_idle"}, False, "none"),
        (5, {"algorithm": "batch", "batch_window_s": 20_000.0}, False, "none"),
        (6, {"pooling": False}, False, "none"),
        (7, {}, False, "demand"),
        (8, {"threads": 2}, False, "demand"),
    ],
)
def test_a_day_on_the_hierarchy_equals_the_day_on_the_tables(
    seed: int, settings: dict[str, Any], prebook: bool, rebalancing: str
) -> None:
    """Whole-second edge times: every sum is exact, so the days must be identical."""
    graph = _random_graph(70, seed, whole_seconds=True)
    tr, fl = _day(graph, seed, prebook=prebook)
    s = dict(settings)
    dispatch = dispatch_params(s.pop("algorithm", "insertion"), **s)
    days = []
    for net in (net_tables(Router(graph)), sparse_net(graph, cache_bytes=64 * graph.n_nodes)):
        # demand rebalancing every 20,000 s towards seven candidate nodes
        rebalancer = (
            DemandRebalancer(net, np.arange(0, 70, 10)) if rebalancing == "demand" else None
        )
        days.append(
            _run(
                net,
                tr,
                fl,
                dispatch=dispatch,
                rebalancing=rebalancing,
                rebalancer=rebalancer,
                rebalancing_interval_s=20_000.0,
            )
        )
    tables, sparse = days
    if rebalancing == "demand":  # the rebalancer moved vehicles
        assert (tables.legs["kind"] == LegKind.rebalance).any()
    served = tables.requests["status"] == 4
    assert 0.1 < served.mean() < 1.0  # a day where the dispatcher had choices to make
    _assert_same_day(tables, sparse)


def test_metrics_from_the_logged_legs_equal_those_from_the_tables() -> None:
    graph = _random_graph(70, 8, whole_seconds=False)
    tr, fl = _day(graph, 8)
    net = net_tables(Router(graph))
    log = _run(net, tr, fl)
    logged = link_loads(log, net, graph)
    from_tables = link_loads(dataclasses.replace(log, leg_paths=None), net, graph)
    assert len(logged) > 20
    for col in logged.columns:
        np.testing.assert_array_equal(logged[col].to_numpy(), from_tables[col].to_numpy(), col)
    assert log.leg_paths is not None
    want = net.length_m[log.legs["from_node"], log.legs["to_node"]]
    np.testing.assert_array_equal(log.leg_paths.length_m, want)


@pytest.mark.kaiserslautern
def test_a_day_on_the_tiled_real_map_drives_real_paths(kl_graph: RoadGraph) -> None:
    """On four joined copies of the real graph (7,664 nodes): every leg is a chain of
    road edges from its start to its end, as long as their lengths and as long in
    time as their travel times; legs of a vehicle join end to end; no ride beats
    the shortest path (scipy)."""
    graph = tiled_graph(kl_graph, 2, 2)
    net = sparse_net(graph, n_vehicles=8)
    rng = np.random.default_rng(5)
    nr = 400
    pu = rng.integers(0, graph.n_nodes, nr)
    do = rng.integers(0, graph.n_nodes, nr)
    do = np.where(do == pu, (do + 1) % graph.n_nodes, do)
    t = np.sort(rng.uniform(0, 4 * 3600.0, nr))
    tr = trips(t, pu, do, max_wait_s=900.0, max_ride_s=3600.0)
    sim = OnDemandSimulation(
        net,
        fleet(rng.integers(0, graph.n_nodes, 8).tolist(), capacity=6),
        tr,
        start_s=0.0,
        end_s=4 * 3600.0,
    )
    log = sim.run_to_end()
    legs, lp = log.legs, log.leg_paths
    assert lp is not None and len(legs["t0_s"]) > 100
    for g in range(len(legs["t0_s"])):
        e = lp.edges[lp.edge_start[g] : lp.edge_end[g]]
        assert graph.edge_source[e[0]] == legs["from_node"][g]
        assert graph.indices[e[-1]] == legs["to_node"][g]
        np.testing.assert_array_equal(graph.indices[e[:-1]], graph.edge_source[e[1:]])
        assert lp.length_m[g] == pytest.approx(graph.length_m[e].sum(), rel=1e-12)
        assert legs["t1_s"][g] - legs["t0_s"][g] == pytest.approx(
            graph.travel_time_s[e].sum(), rel=1e-9
        )
    for v in range(8):
        mine = legs["vehicle"] == v
        np.testing.assert_array_equal(legs["from_node"][mine][1:], legs["to_node"][mine][:-1])
    served = np.flatnonzero(log.requests["status"] == 4)
    assert len(served) > 100
    m = csr_matrix((graph.travel_time_s, graph.indices, graph.indptr), shape=(graph.n_nodes,) * 2)
    src = np.unique(pu[served])
    times = dijkstra(m, directed=True, indices=src)
    row = {s: i for i, s in enumerate(src.tolist())}
    best = np.array([times[row[int(pu[r])], do[r]] for r in served])
    ride = log.requests["dropoff_s"][served] - log.requests["pickup_s"][served]
    assert np.all(ride >= best - 1e-6)
    assert np.all(ride <= 3600.0 + 1e-6)


SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


@pytest.mark.kaiserslautern
@pytest.mark.parametrize(
    ("name", "overrides"),
    [
        ("campus-on-demand.toml", {"demand.models.0.trips_per_day": 400}),
        ("hbf-feeder-on-demand.toml", {}),
        ("line-116.toml", {}),
        ("pfaff-quarter.toml", {}),
        ("trippstadter-line.toml", {}),
        (
            "campus-on-demand.toml",
            {"demand.models.0.trips_per_day": 400, "dispatch.rebalancing": "demand"},
        ),
    ],
)
def test_a_shipped_scenario_without_tables_gives_the_same_kpis(
    kl_env: Path, name: str, overrides: dict[str, Any]
) -> None:
    """A router in query mode (as on a graph too large for tables) simulates on the
    hierarchy (lines on tables over their stops and depots). Times agree with the
    tables' to rounding, which may tip a tie between two vehicles: the KPIs agree
    closely, not to the bit; the legs' logged edges give the same vehicle-km per
    edge as their lengths."""
    from klshuttle import load_scenario, simulate
    from klshuttle.resolve import resolve

    sc = load_scenario(SCENARIOS / name, overrides=overrides)
    res = resolve(sc)
    tables = simulate(sc, resolved=res, router=Router(res.graph))
    hierarchy = simulate(sc, resolved=res, router=Router(res.graph, mode="query"))
    a, b = tables.kpis, hierarchy.kpis
    assert a["requests"] == b["requests"] > 100
    assert abs(a["served_share"] - b["served_share"]) <= 0.02
    km_a = tables.vehicles["km_driven"].sum()
    km_b = hierarchy.vehicles["km_driven"].sum()
    assert km_b == pytest.approx(km_a, rel=0.05)
    loads = hierarchy.link_loads
    assert loads["vehicle_km"].sum() == pytest.approx(km_b, rel=1e-9)
    np.testing.assert_allclose(
        hierarchy.trips["direct_s"].to_numpy(float),
        tables.trips["direct_s"].to_numpy(float),
        rtol=1e-9,
    )


def test_the_command_line_runs_a_day_on_the_hierarchy(tmp_path: Path) -> None:
    """``klshuttle run --routing hierarchy`` on the grid scenario writes the run, with
    the same requests served at the same times as with the tables (a grid of equal
    streets: equal-time paths abound, but every time is the same either way)."""
    from grid_scenario import grid_scenario, klshuttle

    scenario = grid_scenario(tmp_path)
    kpis = {}
    for routing in ("tables", "hierarchy"):
        done = klshuttle(
            "run",
            str(scenario),
            "--routing",
            routing,
            "--out",
            routing,
            "--no-progress",
            cwd=tmp_path,
        )
        assert done.returncode == 0, done.stderr
        kpis[routing] = json.loads((tmp_path / routing / "public" / "kpis.json").read_text())
    for key in ("requests", "served", "wait_mean_s", "ride_mean_s", "vehicle_km", "passenger_km"):
        assert kpis["hierarchy"][key] == pytest.approx(kpis["tables"][key], rel=1e-9), key
    assert kpis["tables"]["served"] > 0


def test_tables_over_a_few_nodes_equal_dijkstra() -> None:
    """NodeTables (line service on the hierarchy): times against scipy, lengths and
    paths against the graph (lengths are 5 m per second of travel here)."""
    from klshuttle.simnet import node_tables

    graph = _random_graph(60, 4, whole_seconds=False)
    nodes = [3, 17, 29, 44, 58]
    tables = node_tables(sparse_net(graph))
    want = _scipy_times(graph)
    for a in nodes:
        for b in nodes:
            assert tables.time(a, b) == pytest.approx(want[a, b], rel=1e-12)
            assert tables.length(a, b) == pytest.approx(5.0 * want[a, b], rel=1e-12)
            e = tables.path_edges(a, b)
            assert graph.travel_time_s[e].sum() == pytest.approx(want[a, b], rel=1e-12)
            if a != b:
                assert graph.edge_source[e[0]] == a and graph.indices[e[-1]] == b
    assert len(tables) == len(nodes) ** 2  # one query per pair asked
    with pytest.raises(RoutingError, match="origin 60 is out of range"):
        tables.time(60, 3)
