"""The reference conversions used to check and benchmark the kernels."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
from scipy.sparse.csgraph import dijkstra

from graph_factory import make_graph
from klshuttle.reference import dijkstra_reference, to_scipy_csgraph, to_simple_digraph


def graph_with_parallel_edges_and_loops():
    # 0 -> 1 three times (4, 1.5, 9 s), 1 -> 2 twice, self-loops on 0 and 2
    return make_graph(
        4,
        [
            (0, 1, 4.0),
            (0, 1, 1.5),
            (0, 0, 0.5),
            (0, 1, 9.0),
            (1, 2, 2.0),
            (1, 2, 1.0),
            (2, 2, 3.0),
            (2, 0, 6.0),
        ],
    )


def test_scipy_csgraph_keeps_the_minimum_weight_and_drops_loops() -> None:
    g = graph_with_parallel_edges_and_loops()
    cs = to_scipy_csgraph(g)
    assert cs.shape == (4, 4)
    assert cs.nnz == 3  # (0,1), (1,2), (2,0): one entry each, no diagonal
    dense = cs.toarray()
    assert dense[0, 1] == 1.5 and dense[1, 2] == 1.0 and dense[2, 0] == 6.0
    assert np.all(np.diag(dense) == 0)
    # the tempting conversion would add the parallel weights up
    assert dense[0, 1] != 4.0 + 1.5 + 9.0
    expected = [dijkstra_reference(g.indptr, g.indices, g.travel_time_s, s) for s in range(4)]
    assert np.array_equal(dijkstra(cs), np.array(expected))


def test_simple_digraph_keeps_the_minimum_weight() -> None:
    g = graph_with_parallel_edges_and_loops()
    G = to_simple_digraph(g)
    assert isinstance(G, nx.DiGraph) and G.number_of_nodes() == 4
    assert G[0][1]["travel_time_s"] == 1.5 and G[1][2]["travel_time_s"] == 1.0
    assert not any(u == v for u, v in G.edges)
    assert nx.shortest_path_length(G, 0, 2, weight="travel_time_s") == 2.5
    G_m = to_simple_digraph(g, "length_m")
    assert G_m[0][1]["length_m"] == 15.0


def test_plain_dijkstra_reference() -> None:
    g = graph_with_parallel_edges_and_loops()
    assert dijkstra_reference(g.indptr, g.indices, g.travel_time_s, 0) == [0.0, 1.5, 2.5, math.inf]
    assert dijkstra_reference(g.indptr, g.indices, g.travel_time_s, 0, cutoff=2.0) == [
        0.0,
        1.5,
        math.inf,
        math.inf,
    ]
