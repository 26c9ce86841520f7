"""Contraction hierarchies against Dijkstra: random graphs, grids, the real map.

The oracles share no code with the hierarchy: the plain-Python heapq Dijkstra
of ``klshuttle.reference`` (multi-edges, zero weights) and scipy's csgraph
Dijkstra. Every pair of every small graph is checked; on the real map, sampled
sources against all targets.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from scipy.sparse.csgraph import dijkstra

from graph_factory import make_graph
from kernels.strategies import road_graphs
from klshuttle import RoadGraph
from klshuttle.ch import contraction_hierarchy
from klshuttle.errors import RoutingError
from klshuttle.reference import dijkstra_reference, to_scipy_csgraph
from routing_checks import assert_valid_path, sum_in_order


def assert_matches(graph: RoadGraph, ref: np.ndarray, weight: str = "travel_time_s") -> None:
    """All pairs: batched and single distances equal ``ref``; paths are valid and sum to it."""
    n = graph.n_nodes
    ch = contraction_hierarchy(graph, weight)  # type: ignore[arg-type]
    o, d = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    got = ch.distances(o.ravel(), d.ravel()).reshape(n, n)
    np.testing.assert_array_equal(np.isinf(got), np.isinf(ref))
    np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-12)
    w = getattr(graph, weight)
    for a in range(n):
        for b in range(n):
            assert ch.distance(a, b) == got[a, b]
            dist, edges = ch.path_edges(a, b)
            assert dist == got[a, b]
            if math.isinf(dist):
                assert edges.size == 0
                continue
            assert_valid_path(graph, edges, a, b)
            assert sum_in_order(w, edges) == pytest.approx(dist, rel=1e-12, abs=1e-12)


def reference_matrix(graph: RoadGraph, weight: str = "travel_time_s") -> np.ndarray:
    w = getattr(graph, weight)
    return np.array(
        [dijkstra_reference(graph.indptr, graph.indices, w, s) for s in range(graph.n_nodes)]
    ).reshape(graph.n_nodes, graph.n_nodes)


# ----------------------------------------------------------------- hand-worked
def test_shortcut_and_its_unpacking() -> None:
    # 0 -> 1 -> 2 is the only way from 0 to 2; 3 -> 1 -> 4 too: contracting 1
    # needs shortcuts, and the path from 0 to 2 comes back as edges 0->1, 1->2.
    g = make_graph(5, [(0, 1, 2.0), (1, 2, 3.0), (3, 1, 1.0), (1, 4, 1.0), (0, 2, 7.0)])
    ch = contraction_hierarchy(g)
    dist, edges = ch.path_edges(0, 2)
    assert dist == 5.0
    assert [(int(g.edge_source[k]), int(g.indices[k])) for k in edges] == [(0, 1), (1, 2)]
    assert ch.distance(2, 0) == math.inf
    assert ch.distance(3, 4) == 2.0
    assert ch.distance(4, 4) == 0.0


def test_unreachable_pairs_are_inf_with_no_edges() -> None:
    # two components and a one-way street
    g = make_graph(5, [(0, 1, 1.0), (1, 0, 1.0), (1, 2, 4.0), (3, 4, 1.0), (4, 3, 1.0)])
    ch = contraction_hierarchy(g)
    got = ch.distances([0, 2, 0, 3, 2], [2, 0, 3, 4, 2])
    np.testing.assert_array_equal(got, [5.0, math.inf, math.inf, 1.0, 0.0])
    dist, edges = ch.path_edges(2, 1)
    assert dist == math.inf and edges.size == 0


def test_parallel_edges_and_self_loops() -> None:
    g = make_graph(3, [(0, 1, 5.0), (0, 1, 2.0), (0, 0, 0.5), (1, 2, 1.0), (1, 2, 1.0)])
    ch = contraction_hierarchy(g)
    dist, edges = ch.path_edges(0, 2)
    assert dist == 3.0
    assert g.travel_time_s[edges[0]] == 2.0


def test_bad_input_is_a_routing_error() -> None:
    ch = contraction_hierarchy(make_graph(2, [(0, 1, 1.0)]))
    with pytest.raises(RoutingError, match="out of range"):
        ch.distance(0, 2)
    with pytest.raises(RoutingError, match="differ in length"):
        ch.distances([0, 1], [1])
    with pytest.raises(RoutingError, match="unknown weight"):
        contraction_hierarchy(make_graph(2, [(0, 1, 1.0)]), "speed")  # type: ignore[arg-type]


def test_hierarchy_is_kept_per_graph_and_weight() -> None:
    g = make_graph(3, [(0, 1, 1.0, 50.0), (1, 2, 1.0, 50.0), (0, 2, 3.0, 60.0)])
    assert contraction_hierarchy(g) is contraction_hierarchy(g)
    by_length = contraction_hierarchy(g, "length_m")
    assert by_length.distance(0, 2) == 60.0
    assert contraction_hierarchy(g).distance(0, 2) == 2.0


# --------------------------------------------------------------- random graphs
@settings(max_examples=150, deadline=None)
@given(road_graphs(max_nodes=10))
def test_random_graphs_all_pairs(graph: RoadGraph) -> None:
    assert_matches(graph, reference_matrix(graph))


@settings(max_examples=100, deadline=None)
@given(road_graphs(max_nodes=10, integer_weights=True, zero_weights=True))
def test_random_graphs_with_ties_and_zero_weights(graph: RoadGraph) -> None:
    assert_matches(graph, reference_matrix(graph))


@settings(max_examples=60, deadline=None)
@given(road_graphs(max_nodes=10))
def test_random_graphs_by_length(graph: RoadGraph) -> None:
    assert_matches(graph, reference_matrix(graph, "length_m"), "length_m")


# ----------------------------------------------------------------------- grids
def grid_graph(side: int, seed: int, one_way_share: float, integer: bool) -> RoadGraph:
    """A ``side`` x ``side`` street grid, some streets one-way, random times."""
    rng = np.random.default_rng(seed)
    edges = []
    for i in range(side):
        for j in range(side):
            v = i * side + j
            for w in ((v + 1) if j + 1 < side else -1, (v + side) if i + 1 < side else -1):
                if w < 0:
                    continue
                t = float(rng.integers(1, 4)) if integer else float(rng.uniform(5.0, 60.0))
                r = rng.random()
                if r >= one_way_share or r < one_way_share / 2:
                    edges.append((v, w, t))
                if r >= one_way_share or r >= one_way_share / 2:
                    edges.append((w, v, t))
    return make_graph(side * side, edges)


@pytest.mark.parametrize(
    ("side", "seed", "one_way_share", "integer"),
    [(6, 1, 0.0, True), (9, 2, 0.2, False), (12, 3, 0.3, True), (15, 4, 0.1, False)],
)
def test_grids_all_pairs(side: int, seed: int, one_way_share: float, integer: bool) -> None:
    graph = grid_graph(side, seed, one_way_share, integer)
    assert_matches(graph, dijkstra(to_scipy_csgraph(graph)))


# -------------------------------------------------------------------- real map
@pytest.mark.kaiserslautern
def test_kaiserslautern_sampled_sources(kl_graph: RoadGraph) -> None:
    ch = contraction_hierarchy(kl_graph)
    assert ch.n_shortcuts > 0
    rng = np.random.default_rng(17)
    sources = rng.choice(kl_graph.n_nodes, size=40, replace=False)
    ref = dijkstra(to_scipy_csgraph(kl_graph), indices=sources)
    n = kl_graph.n_nodes
    got = ch.distances(np.repeat(sources, n), np.tile(np.arange(n), sources.size))
    got = got.reshape(sources.size, n)
    np.testing.assert_array_equal(np.isinf(got), np.isinf(ref))
    np.testing.assert_allclose(got, ref, rtol=1e-12)
    for s, t in rng.integers(0, n, size=(300, 2)).tolist():
        dist, edges = ch.path_edges(s, t)
        if math.isinf(dist):
            continue
        assert_valid_path(kl_graph, edges, s, t)
        assert sum_in_order(kl_graph.travel_time_s, edges) == pytest.approx(dist, rel=1e-12)


def test_single_node_graph_and_no_pairs() -> None:
    ch = contraction_hierarchy(make_graph(1, []))
    assert ch.distance(0, 0) == 0.0
    assert ch.distances(np.array([], dtype=np.int64), np.array([], dtype=np.int64)).size == 0


@pytest.mark.parametrize("seed", [1, 2])
def test_dense_random_graph_needs_many_shortcuts_per_node(seed: int) -> None:
    # Nodes with tens of neighbours: contracting one needs hundreds of shortcuts.
    rng = np.random.default_rng(seed)
    n = 120
    edges = [
        (int(a), int(b), float(t))
        for a, b, t in zip(
            rng.integers(0, n, 2400),
            rng.integers(0, n, 2400),
            rng.uniform(1.0, 100.0, 2400),
            strict=True,
        )
    ]
    graph = make_graph(n, edges)
    ref = dijkstra(to_scipy_csgraph(graph))
    ch = contraction_hierarchy(graph)
    o, d = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    got = ch.distances(o.ravel(), d.ravel()).reshape(n, n)
    np.testing.assert_allclose(got, ref, rtol=1e-12)
