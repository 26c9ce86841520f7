"""One-to-many, many-to-many and all-pairs kernels against stacked single-source runs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import road_graphs

from graph_factory import make_graph
from klshuttle import RoadGraph
from klshuttle._kernels.dijkstra import single_source
from klshuttle._kernels.matrix import (
    MAX_CHUNKS,
    all_pairs,
    all_pairs_tree,
    many_to_many,
    one_to_many,
)
from klshuttle.reference import dijkstra_reference
from klshuttle.routing import kernel_graph
from routing_checks import assert_tree


def stacked(graph: RoadGraph) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All single-source trees on travel time, row by row."""
    kg = kernel_graph(graph)
    ws = kg.dijkstra_workspace("travel_time_s")
    rows = [
        single_source(
            kg.indptr,
            kg.indices,
            kg.travel_time_s,
            kg.length_m,
            kg.edge_source,
            kg.time_bucket_width,
            s,
            np.inf,
            ws,
        )
        for s in range(graph.n_nodes)
    ]
    return tuple(
        np.array([r[i] for r in rows]).reshape(graph.n_nodes, graph.n_nodes) for i in range(3)
    )


def tree(graph: RoadGraph) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    kg = kernel_graph(graph)
    n = graph.n_nodes
    cost = np.full((n, n), np.inf)
    aux = np.full((n, n), np.inf)
    pred = np.full((n, n), -1, dtype=np.int32)
    all_pairs_tree(
        kg.indptr,
        kg.indices,
        kg.travel_time_s,
        kg.length_m,
        kg.edge_source,
        kg.time_bucket_width,
        kg.time_n_buckets,
        cost,
        aux,
        pred,
    )
    return cost, aux, pred


def cost_matrix(graph: RoadGraph, origins, destinations, dtype=np.float64) -> np.ndarray:
    kg = kernel_graph(graph)
    out = np.full((len(origins), len(destinations)), -7.0, dtype=dtype)
    many_to_many(
        kg.indptr,
        kg.indices,
        kg.travel_time_s,
        kg.time_bucket_width,
        kg.time_n_buckets,
        np.asarray(origins, dtype=np.int64),
        np.asarray(destinations, dtype=np.int64),
        out,
    )
    return out


def full(graph: RoadGraph, dtype=np.float64) -> np.ndarray:
    kg = kernel_graph(graph)
    out = np.full((graph.n_nodes, graph.n_nodes), -7.0, dtype=dtype)
    all_pairs(kg.indptr, kg.indices, kg.travel_time_s, kg.time_bucket_width, kg.time_n_buckets, out)
    return out


@settings(max_examples=100, deadline=None)
@given(
    graph=st.one_of(
        road_graphs(), road_graphs(integer_weights=True), road_graphs(zero_weights=True)
    )
)
def test_tables_equal_stacked_single_source(graph: RoadGraph) -> None:
    dist, aux, pred = stacked(graph)
    cost_t, aux_t, pred_t = tree(graph)
    # the same search per row: identical results, not just close ones
    assert np.array_equal(cost_t, dist)
    assert np.array_equal(aux_t, aux)
    assert np.array_equal(pred_t, pred)
    assert np.array_equal(full(graph), dist)
    assert np.array_equal(full(graph, np.float32), dist.astype(np.float32))
    everyone = np.arange(graph.n_nodes)
    assert np.array_equal(cost_matrix(graph, everyone, everyone), dist)
    for s in range(graph.n_nodes):
        ref = dijkstra_reference(graph.indptr, graph.indices, graph.travel_time_s, s)
        np.testing.assert_allclose(dist[s], ref, rtol=1e-12)
        assert_tree(graph, s, cost_t[s], aux_t[s], pred_t[s], graph.travel_time_s, graph.length_m)


@settings(max_examples=100, deadline=None)
@given(graph=road_graphs(max_nodes=12), data=st.data())
def test_subsets_with_repeats_and_early_exit(graph: RoadGraph, data: st.DataObject) -> None:
    node = st.integers(0, graph.n_nodes - 1)
    origins = data.draw(st.lists(node, max_size=8))
    destinations = data.draw(st.lists(node, max_size=8))
    dist, aux, _ = stacked(graph)
    got = cost_matrix(graph, origins, destinations)
    assert got.shape == (len(origins), len(destinations))
    assert np.array_equal(got, dist[np.ix_(origins, destinations)])
    if origins:
        kg = kernel_graph(graph)
        cost, aux_cost = one_to_many(
            kg.indptr,
            kg.indices,
            kg.travel_time_s,
            kg.length_m,
            kg.edge_source,
            kg.time_bucket_width,
            origins[0],
            np.asarray(destinations, dtype=np.int64),
            kg.dijkstra_workspace("travel_time_s"),
        )
        assert np.array_equal(cost, dist[origins[0], destinations])
        assert np.array_equal(aux_cost, aux[origins[0], destinations])
        ws = kg.dijkstra_workspace("travel_time_s")  # left clean after the early exit
        assert (ws[0] == 0).all() and (ws[6] == -1).all()


def test_more_sources_than_chunks() -> None:
    # a ring of MAX_CHUNKS + 37 nodes: chunks hold several sources each
    n = MAX_CHUNKS + 37
    g = make_graph(n, [(i, (i + 1) % n, 1.0) for i in range(n)])
    d = full(g)
    expected = (np.arange(n)[None, :] - np.arange(n)[:, None]) % n
    assert np.array_equal(d, expected.astype(float))
    cost, aux, pred = tree(g)
    assert np.array_equal(cost, d) and np.array_equal(aux, 10 * d)
    assert np.array_equal(pred[np.arange(n), (np.arange(n) + 1) % n], np.arange(n))


def test_empty_origin_and_destination_lists() -> None:
    g = make_graph(3, [(0, 1, 1.0)])
    assert cost_matrix(g, [], [0, 1]).shape == (0, 2)
    assert cost_matrix(g, [0, 1], []).shape == (2, 0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_unreachable_pairs_are_inf(dtype) -> None:
    g = make_graph(3, [(0, 1, 1.0), (2, 0, 1.0)])
    d = full(g, dtype)
    assert d.dtype == dtype
    assert d.tolist() == [[0, 1, np.inf], [np.inf, 0, np.inf], [1, 2, 0]]
