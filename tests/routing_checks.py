"""Assertions shared by the routing tests: valid paths and consistent trees."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from klshuttle import RoadGraph
from klshuttle._kernels.paths import path_edges


def assert_valid_path(graph: RoadGraph, edges: NDArray[np.int64], orig: int, dest: int) -> None:
    """``edges`` is a drivable edge sequence from ``orig`` to ``dest``."""
    edges = np.asarray(edges)
    assert edges.dtype == np.int64
    if orig == dest:
        assert edges.size == 0
        return
    assert edges.size > 0
    assert edges.min() >= 0 and edges.max() < graph.n_edges
    assert graph.edge_source[edges[0]] == orig
    assert graph.indices[edges[-1]] == dest
    assert np.array_equal(graph.edge_source[edges[1:]], graph.indices[edges[:-1]])


def sum_in_order(values: NDArray[np.float64], edges: NDArray[np.int64]) -> float:
    """Sum ``values[edges]`` left to right from 0.0, as a search adds them up."""
    total = 0.0
    for k in edges.tolist():
        total += float(values[k])
    return total


def assert_tree(
    graph: RoadGraph,
    source: int,
    dist: NDArray[np.float64],
    aux: NDArray[np.float64],
    pred_edge: NDArray[np.integer],
    weight: NDArray[np.float64],
    aux_weight: NDArray[np.float64],
) -> None:
    """A shortest-path tree is self-consistent.

    Every reached node's recorded path is valid and its weight and aux sums,
    added in travel order, equal the reported values exactly; unreached nodes
    have inf / inf / -1.
    """
    assert dist[source] == 0.0 and aux[source] == 0.0 and pred_edge[source] == -1
    for v in range(graph.n_nodes):
        if math.isinf(dist[v]):
            assert math.isinf(aux[v]) and pred_edge[v] == -1, v
            continue
        edges = path_edges(pred_edge, graph.edge_source, source, v)
        assert_valid_path(graph, edges, source, v)
        assert sum_in_order(weight, edges) == dist[v], v
        assert sum_in_order(aux_weight, edges) == aux[v], v
