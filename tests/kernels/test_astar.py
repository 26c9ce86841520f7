"""Point-to-point A* kernel against plain-Python Dijkstra; the straight-line bound."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import road_graphs

from graph_factory import make_graph
from klshuttle import RoadGraph
from klshuttle._kernels.astar import astar_path, make_workspace
from klshuttle.reference import dijkstra_reference
from klshuttle.routing import astar_bound, kernel_graph
from routing_checks import assert_valid_path, sum_in_order


def query(graph: RoadGraph, o: int, d: int, ws: tuple, weight: str = "travel_time_s"):
    kg = kernel_graph(graph)
    w, aux_w, _, _, h = kg.for_weight(weight)
    return astar_path(kg.indptr, kg.indices, w, aux_w, kg.edge_source, kg.x_m, kg.y_m, h, o, d, ws)


def assert_workspace_clean(ws: tuple) -> None:
    g, pred, closed = ws[0], ws[1], ws[2]
    assert np.isinf(g).all() and (pred == -1).all() and (closed == 0).all()


def test_bound_is_one_over_the_fastest_straight_line_speed() -> None:
    # three nodes 100 m apart (approximately); edge times give speeds 10, 20, 5 m/s
    g = make_graph(3, [(0, 1, 10.0), (1, 2, 5.0), (2, 0, 40.0)])
    kg = kernel_graph(g)
    dist_m = np.hypot(np.diff(kg.x_m), np.diff(kg.y_m))[1]  # node 1 -> 2
    assert kg.time_h_per_m == pytest.approx(5.0 / dist_m, rel=1e-5)
    assert kg.time_h_per_m < 5.0 / dist_m
    # every edge satisfies weight >= h * straight-line distance
    for k in range(g.n_edges):
        u, v = g.edge_source[k], g.indices[k]
        line = math.hypot(kg.x_m[v] - kg.x_m[u], kg.y_m[v] - kg.y_m[u])
        assert g.travel_time_s[k] >= kg.time_h_per_m * line


def test_bound_without_usable_edges_is_zero() -> None:
    x = np.array([0.0, 0.0])
    assert astar_bound(x, x, np.array([0], np.int32), np.array([0], np.int32), np.ones(1)) == 0.0
    g = make_graph(2, [(0, 1, 0.0)])  # a zero-time edge between distinct points
    assert kernel_graph(g).time_h_per_m == 0.0


def test_route_on_a_small_graph_and_workspace_reuse() -> None:
    g = make_graph(4, [(0, 1, 1.0), (1, 3, 1.0), (0, 2, 0.5), (2, 3, 2.0), (3, 0, 1.0)])
    ws = make_workspace(g.n_nodes, g.n_edges)
    cost, length, edges = query(g, 0, 3, ws)
    assert cost == 2.0 and length == 20.0
    assert_valid_path(g, edges, 0, 3)
    assert_workspace_clean(ws)
    cost, _, edges = query(g, 3, 2, ws)
    assert cost == 1.5 and edges.size == 2
    cost, length, edges = query(g, 2, 2, ws)
    assert cost == 0.0 and length == 0.0 and edges.size == 0
    assert_workspace_clean(ws)


def test_unreachable_target() -> None:
    g = make_graph(3, [(0, 1, 1.0), (2, 0, 1.0)])
    ws = make_workspace(g.n_nodes, g.n_edges)
    cost, length, edges = query(g, 0, 2, ws)
    assert math.isinf(cost) and math.isinf(length) and edges.size == 0
    assert_workspace_clean(ws)


def test_one_node_graph() -> None:
    g = make_graph(1, [])
    ws = make_workspace(1, 0)
    assert query(g, 0, 0, ws)[0] == 0.0


def test_parallel_edges_and_self_loops() -> None:
    g = make_graph(2, [(0, 0, 0.1), (0, 1, 3.0, 5.0), (0, 1, 2.0, 50.0), (1, 1, 0.1)])
    ws = make_workspace(g.n_nodes, g.n_edges)
    cost, length, edges = query(g, 0, 1, ws)
    assert cost == 2.0 and length == 50.0 and edges.tolist() == [2]
    cost, length, edges = query(g, 0, 1, ws, weight="length_m")
    assert cost == 5.0 and length == 3.0 and edges.tolist() == [1]


def test_tight_bound_on_a_grid() -> None:
    # a 6 x 6 grid where every edge is driven at exactly the fastest speed: the
    # bound is as tight as it gets, and many paths tie
    side = 6
    coords = [(7.76 + 0.001 * (i % side), 49.44 + 0.001 * (i // side)) for i in range(side * side)]
    g0 = make_graph(side * side, [], coords)
    x, y = g0.x, g0.y
    edges = []
    for i in range(side * side):
        for j in (i + 1, i + side):
            if j < side * side and (j != i + 1 or (i + 1) % side):
                t = math.hypot(x[j] - x[i], y[j] - y[i]) / 5.0
                edges += [(i, j, t), (j, i, t)]
    g = make_graph(side * side, edges, coords)
    ws = make_workspace(g.n_nodes, g.n_edges)
    for o in range(0, side * side, 5):
        ref = dijkstra_reference(g.indptr, g.indices, g.travel_time_s, o)
        for d in range(side * side):
            cost, _, path = query(g, o, d, ws)
            assert cost == pytest.approx(ref[d], rel=1e-12)
            assert_valid_path(g, path, o, d)
            assert sum_in_order(g.travel_time_s, path) == cost


@settings(max_examples=200, deadline=None)
@given(
    graph=st.one_of(
        road_graphs(), road_graphs(integer_weights=True), road_graphs(zero_weights=True)
    ),
    data=st.data(),
)
def test_random_graphs_match_plain_dijkstra(graph: RoadGraph, data: st.DataObject) -> None:
    o = data.draw(st.integers(0, graph.n_nodes - 1))
    weight = data.draw(st.sampled_from(["travel_time_s", "length_m"]))
    w = getattr(graph, weight)
    aux_w = graph.length_m if weight == "travel_time_s" else graph.travel_time_s
    ref = dijkstra_reference(graph.indptr, graph.indices, w, o)
    ws = make_workspace(graph.n_nodes, graph.n_edges)
    for d in range(graph.n_nodes):
        cost, aux_cost, edges = query(graph, o, d, ws, weight)
        if math.isinf(ref[d]):
            assert math.isinf(cost) and math.isinf(aux_cost) and edges.size == 0
            continue
        assert cost == pytest.approx(ref[d], rel=1e-12, abs=0.0)
        assert_valid_path(graph, edges, o, d)
        assert sum_in_order(w, edges) == cost
        assert sum_in_order(aux_w, edges) == aux_cost
    assert_workspace_clean(ws)
