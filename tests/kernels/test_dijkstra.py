"""Single-source Dijkstra kernel (bucket queue and heap) against plain-Python Dijkstra."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import road_graphs

from graph_factory import make_graph
from klshuttle import RoadGraph
from klshuttle._kernels.dijkstra import make_workspace, single_source
from klshuttle.reference import dijkstra_reference
from klshuttle.routing import bucket_width
from routing_checks import assert_tree

QUEUES = ("buckets", "heap")


def assert_clean(ws: tuple) -> None:
    """A workspace is ready for the next search: nothing settled, no bucket entries."""
    assert (ws[0] == 0).all() and (ws[6] == -1).all()


def run(
    graph: RoadGraph,
    source: int,
    queue: str,
    cutoff: float = math.inf,
    weight: str = "travel_time_s",
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Run the kernel with the requested queue; check the tree; return it."""
    w = getattr(graph, weight)
    aux_w = graph.length_m if weight == "travel_time_s" else graph.travel_time_s
    if queue == "heap":
        width, n_buckets = 0.0, 1
    else:
        width, n_buckets = bucket_width(w, graph.n_nodes)
        assert width > 0.0, "this graph should use the bucket queue"
    ws = make_workspace(graph.n_nodes, graph.n_edges, n_buckets)
    dist, aux, pred = single_source(
        graph.indptr, graph.indices, w, aux_w, graph.edge_source, width, source, cutoff, ws
    )
    assert_clean(ws)
    assert dist.dtype == np.float64 and pred.dtype == np.int64
    assert_tree(graph, source, dist, aux, pred, w, aux_w)
    return dist, aux, pred


@pytest.mark.parametrize("queue", QUEUES)
def test_chain_distances_and_predecessors(queue: str) -> None:
    g = make_graph(4, [(0, 1, 1.0), (1, 2, 2.5), (2, 3, 0.5), (3, 0, 7.0)])
    dist, aux, pred = run(g, 0, queue)
    assert dist.tolist() == [0.0, 1.0, 3.5, 4.0]
    assert aux.tolist() == [0.0, 10.0, 35.0, 40.0]
    assert pred.tolist() == [-1, 0, 1, 2]


@pytest.mark.parametrize("queue", QUEUES)
def test_ties_give_one_valid_shortest_path(queue: str) -> None:
    # two equally fast ways 0 -> 3, with different lengths
    g = make_graph(4, [(0, 1, 1.0, 5.0), (0, 2, 1.0, 50.0), (1, 3, 1.0, 5.0), (2, 3, 1.0, 50.0)])
    dist, aux, pred = run(g, 0, queue)
    assert dist[3] == 2.0
    assert aux[3] in (10.0, 100.0)  # the length of whichever path was kept
    # the choice is deterministic
    assert np.array_equal(pred, run(g, 0, queue)[2])


@pytest.mark.parametrize("queue", QUEUES)
def test_unreachable_nodes_are_inf_and_minus_one(queue: str) -> None:
    # node 2 only has an outgoing edge, node 3 is isolated
    g = make_graph(4, [(0, 1, 1.0), (2, 0, 1.0)])
    dist, aux, pred = run(g, 0, queue)
    assert dist.tolist() == [0.0, 1.0, math.inf, math.inf]
    assert math.isinf(aux[2]) and math.isinf(aux[3])
    assert pred.tolist() == [-1, 0, -1, -1]


@pytest.mark.parametrize("queue", QUEUES)
def test_self_loops_are_ignored(queue: str) -> None:
    g = make_graph(3, [(0, 0, 0.5), (0, 1, 2.0), (1, 1, 1.0), (1, 2, 1.0), (2, 2, 3.0)])
    dist, _, pred = run(g, 0, queue)
    assert dist.tolist() == [0.0, 2.0, 3.0]
    assert g.edge_source[pred[1]] == 0 and g.indices[pred[1]] == 1


@pytest.mark.parametrize("queue", QUEUES)
def test_parallel_edges_use_the_cheaper_one(queue: str) -> None:
    # edges in CSR order: 0: 0->1 (5 s), 1: 0->1 (2 s), 2: 0->1 (9 s), 3: 1->2
    g = make_graph(3, [(0, 1, 5.0, 40.0), (0, 1, 2.0, 70.0), (0, 1, 9.0, 10.0), (1, 2, 1.0)])
    dist, aux, pred = run(g, 0, queue)
    assert dist.tolist() == [0.0, 2.0, 3.0]
    assert pred[1] == 1
    assert aux[1] == 70.0  # the length of the fastest edge, not the shortest one
    # on length the shortest parallel edge wins instead
    dist_m, aux_s, pred_m = run(g, 0, queue, weight="length_m")
    assert pred_m[1] == 2 and dist_m[1] == 10.0 and aux_s[1] == 9.0


@pytest.mark.parametrize("queue", QUEUES)
def test_one_node_graph(queue: str) -> None:
    g = make_graph(1, [(0, 0, 1.0)])
    dist, aux, pred = run(g, 0, queue)
    assert dist.tolist() == [0.0] and aux.tolist() == [0.0] and pred.tolist() == [-1]


def test_one_node_graph_without_edges() -> None:
    g = make_graph(1, [])
    assert bucket_width(g.travel_time_s, 1) == (0.0, 1)
    dist, _, pred = run(g, 0, "heap")
    assert dist.tolist() == [0.0] and pred.tolist() == [-1]


@pytest.mark.parametrize("queue", QUEUES)
def test_cutoff_keeps_nodes_at_most_cutoff_away(queue: str) -> None:
    g = make_graph(5, [(0, 1, 1.0), (1, 2, 1.0), (2, 3, 1.0), (3, 4, 1.0), (0, 4, 10.0)])
    for cutoff, expected in [
        (2.0, [0.0, 1.0, 2.0, math.inf, math.inf]),
        (2.5, [0.0, 1.0, 2.0, math.inf, math.inf]),
        (0.0, [0.0, math.inf, math.inf, math.inf, math.inf]),
        (4.0, [0.0, 1.0, 2.0, 3.0, 4.0]),
        (math.inf, [0.0, 1.0, 2.0, 3.0, 4.0]),
    ]:
        dist, _, pred = run(g, 0, queue, cutoff=cutoff)
        assert dist.tolist() == expected, cutoff
        assert (pred[np.isinf(dist)] == -1).all()


def test_zero_weights_use_the_heap_and_stay_exact() -> None:
    g = make_graph(4, [(0, 1, 0.0), (1, 2, 0.0), (2, 1, 0.0), (2, 3, 1.5), (0, 3, 2.0)])
    assert bucket_width(g.travel_time_s, g.n_nodes) == (0.0, 1)
    dist, _, _ = run(g, 0, "heap")
    assert dist.tolist() == [0.0, 0.0, 0.0, 1.5]


def test_bucket_width_rules() -> None:
    w = np.array([0.5, 2.0, 30.0])
    width, n_buckets = bucket_width(w, 100)
    assert 0.499 < width < 0.5
    assert n_buckets & (n_buckets - 1) == 0 and n_buckets > 30.0 / width + 2
    assert bucket_width(np.array([0.0, 1.0]), 10) == (0.0, 1)
    assert bucket_width(np.array([1e-6, 1.0]), 10) == (0.0, 1)  # too wide a range
    assert bucket_width(np.array([1.0, 2.0]), 10**12) == (0.0, 1)  # indices would get too big


@pytest.mark.parametrize("queue", QUEUES)
@settings(max_examples=150, deadline=None)
@given(graph=road_graphs(), data=st.data())
def test_random_graphs_match_plain_dijkstra(
    queue: str, graph: RoadGraph, data: st.DataObject
) -> None:
    source = data.draw(st.integers(0, graph.n_nodes - 1))
    cutoff = data.draw(st.one_of(st.just(math.inf), st.floats(0.0, 60.0)))
    if queue == "buckets" and bucket_width(graph.travel_time_s, graph.n_nodes)[0] == 0.0:
        queue = "heap"  # no edges
    dist, _, _ = run(graph, source, queue, cutoff=cutoff)
    expected = dijkstra_reference(graph.indptr, graph.indices, graph.travel_time_s, source, cutoff)
    np.testing.assert_allclose(dist, expected, rtol=1e-12)


@pytest.mark.parametrize("queue", QUEUES)
@settings(max_examples=150, deadline=None)
@given(graph=road_graphs(integer_weights=True), data=st.data())
def test_random_graphs_with_many_ties(queue: str, graph: RoadGraph, data: st.DataObject) -> None:
    source = data.draw(st.integers(0, graph.n_nodes - 1))
    if queue == "buckets" and bucket_width(graph.travel_time_s, graph.n_nodes)[0] == 0.0:
        queue = "heap"
    dist, _, _ = run(graph, source, queue)
    expected = dijkstra_reference(graph.indptr, graph.indices, graph.travel_time_s, source)
    assert dist.tolist() == expected  # small integers: sums are exact


@settings(max_examples=150, deadline=None)
@given(graph=road_graphs(zero_weights=True), data=st.data())
def test_random_graphs_with_zero_weights(graph: RoadGraph, data: st.DataObject) -> None:
    source = data.draw(st.integers(0, graph.n_nodes - 1))
    cutoff = data.draw(st.one_of(st.just(math.inf), st.floats(0.0, 60.0)))
    dist, _, _ = run(graph, source, "heap", cutoff=cutoff)
    expected = dijkstra_reference(graph.indptr, graph.indices, graph.travel_time_s, source, cutoff)
    np.testing.assert_allclose(dist, expected, rtol=1e-12)
