"""Routing on the real Kaiserslautern graph against networkx and scipy."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from scipy.sparse.csgraph import dijkstra

from klshuttle import RoadGraph, Router
from klshuttle.reference import to_scipy_csgraph, to_simple_digraph
from klshuttle.routing import all_pairs, cost_matrix, shortest_path, single_source
from routing_checks import assert_valid_path, sum_in_order

pytestmark = pytest.mark.kaiserslautern

N_PAIRS = 1000


@pytest.fixture(scope="module")
def router(kl_graph: RoadGraph) -> Router:
    return Router(kl_graph, mode="matrix")


@pytest.fixture(scope="module")
def query_router(kl_graph: RoadGraph) -> Router:
    return Router(kl_graph, mode="query")


@pytest.fixture(scope="module")
def nx_time(kl_graph: RoadGraph) -> nx.DiGraph:
    return to_simple_digraph(kl_graph, "travel_time_s")


@pytest.fixture(scope="module")
def pairs(kl_graph: RoadGraph) -> np.ndarray:
    return np.random.default_rng(20240611).integers(0, kl_graph.n_nodes, size=(N_PAIRS, 2))


@pytest.fixture(scope="module")
def nx_answers(nx_time: nx.DiGraph, pairs: np.ndarray) -> list[tuple[float, list[int]]]:
    return [
        nx.bidirectional_dijkstra(nx_time, o, d, weight="travel_time_s") for o, d in pairs.tolist()
    ]


def test_graph_is_strongly_connected_and_has_awkward_edges(kl_graph: RoadGraph) -> None:
    # the checks below rely on these features of the real map
    src = kl_graph.edge_source
    assert (src == kl_graph.indices).any()  # self-loops
    pairs = src.astype(np.int64) * kl_graph.n_nodes + kl_graph.indices
    assert np.unique(pairs).size < pairs.size  # parallel edges


def test_1000_random_pairs_match_networkx_in_matrix_mode(
    kl_graph: RoadGraph, router: Router, pairs: np.ndarray, nx_answers: list
) -> None:
    g = kl_graph
    for (o, d), (nx_time_s, _) in zip(pairs.tolist(), nx_answers, strict=True):
        time_s = router.travel_time(o, d)
        assert time_s == pytest.approx(nx_time_s, rel=1e-9, abs=0.0)
        route = router.route(o, d)
        assert route.travel_time_s == time_s
        assert_valid_path(g, route.edges, o, d)
        assert route.nodes.tolist() == [o, *g.indices[route.edges].tolist()]
        # the path costs exactly what is reported; the length is along this path
        assert sum_in_order(g.travel_time_s, route.edges) == time_s
        assert sum_in_order(g.length_m, route.edges) == route.length_m == router.length_m[o, d]


def test_1000_random_pairs_match_networkx_in_query_mode(
    kl_graph: RoadGraph, query_router: Router, pairs: np.ndarray, nx_answers: list
) -> None:
    g = kl_graph
    for (o, d), (nx_time_s, _) in zip(pairs.tolist(), nx_answers, strict=True):
        route = query_router.route(o, d)
        assert route.travel_time_s == pytest.approx(nx_time_s, rel=1e-9, abs=0.0)
        assert_valid_path(g, route.edges, o, d)
        assert sum_in_order(g.travel_time_s, route.edges) == route.travel_time_s
        assert sum_in_order(g.length_m, route.edges) == route.length_m


def test_shortest_paths_on_length_match_networkx(kl_graph: RoadGraph, pairs: np.ndarray) -> None:
    G = to_simple_digraph(kl_graph, "length_m")
    for o, d in pairs[:200].tolist():
        route = shortest_path(kl_graph, o, d, weight="length_m")
        expected = nx.dijkstra_path_length(G, o, d, weight="length_m")
        assert route.length_m == pytest.approx(expected, rel=1e-9, abs=0.0)
        assert sum_in_order(kl_graph.length_m, route.edges) == route.length_m
        assert sum_in_order(kl_graph.travel_time_s, route.edges) == route.travel_time_s


@pytest.mark.parametrize("weight", ["travel_time_s", "length_m"])
def test_single_source_matches_networkx(kl_graph: RoadGraph, weight: str) -> None:
    G = to_simple_digraph(kl_graph, weight)
    for source, cutoff in [
        (0, None),
        (1234, None),
        (77, 300.0 if weight == "travel_time_s" else 1500.0),
    ]:
        tree = single_source(kl_graph, source, weight=weight, cutoff=cutoff)
        expected = nx.single_source_dijkstra_path_length(G, source, cutoff=cutoff, weight=weight)
        cost = tree.cost
        reached = np.flatnonzero(np.isfinite(cost))
        assert set(reached.tolist()) == set(expected)
        np.testing.assert_allclose(
            cost[reached], [expected[v] for v in reached.tolist()], rtol=1e-9
        )
        for v in reached[::50].tolist():
            edges = tree.path_edges(v)
            assert_valid_path(kl_graph, edges, source, v)
            assert sum_in_order(getattr(kl_graph, weight), edges) == cost[v]


def test_router_lengths_are_along_the_fastest_paths(kl_graph: RoadGraph, router: Router) -> None:
    g = kl_graph
    for s in range(0, g.n_nodes, 97):
        tree = router.single_source(s)
        for v in range(0, g.n_nodes, 7):
            edges = tree.path_edges(v)
            assert sum_in_order(g.length_m, edges) == router.length_m[s, v]
            assert sum_in_order(g.travel_time_s, edges) == router.time_s[s, v]


def test_all_pairs_equals_scipy(kl_graph: RoadGraph, router: Router) -> None:
    reference = dijkstra(to_scipy_csgraph(kl_graph, "travel_time_s"))
    full64 = all_pairs(kl_graph, dtype=np.float64)
    np.testing.assert_allclose(full64, reference, rtol=1e-12)
    assert np.array_equal(router.time_s, full64)
    full32 = all_pairs(kl_graph)
    assert full32.dtype == np.float32
    assert np.array_equal(full32, full64.astype(np.float32))
    lengths = all_pairs(kl_graph, weight="length_m", dtype=np.float64)
    np.testing.assert_allclose(
        lengths, dijkstra(to_scipy_csgraph(kl_graph, "length_m")), rtol=1e-12
    )


def test_matrices_equal_stacked_single_source(kl_graph: RoadGraph) -> None:
    rng = np.random.default_rng(5)
    origins = rng.integers(0, kl_graph.n_nodes, 40)
    destinations = rng.integers(0, kl_graph.n_nodes, 300)
    m = cost_matrix(kl_graph, origins, destinations)
    stacked = np.array([single_source(kl_graph, o).travel_time_s[destinations] for o in origins])
    assert np.array_equal(m, stacked)
    m32 = cost_matrix(kl_graph, origins, destinations, dtype=np.float32)
    assert np.array_equal(m32, stacked.astype(np.float32))
