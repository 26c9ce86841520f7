"""Path reconstruction kernels."""

from __future__ import annotations

import numpy as np

from graph_factory import make_graph
from klshuttle._kernels.paths import path_cost, path_edges, path_nodes


def test_path_edges_nodes_and_cost() -> None:
    g = make_graph(4, [(0, 1, 1.0), (1, 2, 2.0), (2, 3, 3.0), (3, 0, 4.0)])
    pred = np.array([-1, 0, 1, 2], dtype=np.int32)  # tree from node 0
    edges = path_edges(pred, g.edge_source, 0, 3)
    assert edges.dtype == np.int64 and edges.tolist() == [0, 1, 2]
    nodes = path_nodes(edges, g.indices, 0)
    assert nodes.dtype == np.int32 and nodes.tolist() == [0, 1, 2, 3]
    assert path_cost(edges, g.travel_time_s) == 6.0
    assert path_edges(pred, g.edge_source, 0, 0).size == 0
    assert path_nodes(np.empty(0, np.int64), g.indices, 2).tolist() == [2]


def test_missing_and_corrupt_predecessors_give_an_empty_path() -> None:
    g = make_graph(4, [(0, 1, 1.0), (1, 2, 2.0), (2, 1, 3.0)])
    # node 3 was not reached
    assert path_edges(np.array([-1, 0, 1, -1]), g.edge_source, 0, 3).size == 0
    # a cycle 1 <-> 2 that never reaches the source: no endless loop
    assert path_edges(np.array([-1, 2, 1, -1]), g.edge_source, 0, 2).size == 0
