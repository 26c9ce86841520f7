"""The routing kernels are callable from other numba code (as the dispatch kernels need)."""

from __future__ import annotations

import numba
import numpy as np
import pytest

from klshuttle import RoadGraph, Router
from klshuttle._kernels.astar import astar_path, make_workspace
from klshuttle._kernels.paths import path_cost, path_edges

pytestmark = pytest.mark.kaiserslautern


@pytest.fixture(scope="module")
def router(kl_graph: RoadGraph) -> Router:
    return Router(kl_graph, mode="matrix")


@numba.njit
def legs_from_matrix(time_s, length_m, pred_edge, edge_source, travel_time_s, length_edge_m, stops):
    """Per leg: table time, table length, and the same two summed along the path edges."""
    n_legs = stops.shape[0] - 1
    out = np.empty((n_legs, 4))
    for i in range(n_legs):
        s, t = stops[i], stops[i + 1]
        edges = path_edges(pred_edge[s], edge_source, s, t)
        out[i, 0] = time_s[s, t]
        out[i, 1] = length_m[s, t]
        out[i, 2] = path_cost(edges, travel_time_s)
        out[i, 3] = path_cost(edges, length_edge_m)
    return out


@numba.njit
def legs_by_query(indptr, indices, travel_time_s, length_m, edge_source, x_m, y_m, h_per_m, stops):
    """Per leg: A* time and the time summed along its path, with one reused workspace."""
    ws = make_workspace(indptr.shape[0] - 1, indices.shape[0])
    n_legs = stops.shape[0] - 1
    out = np.empty((n_legs, 2))
    for i in range(n_legs):
        cost, _, edges = astar_path(
            indptr,
            indices,
            travel_time_s,
            length_m,
            edge_source,
            x_m,
            y_m,
            h_per_m,
            stops[i],
            stops[i + 1],
            ws,
        )
        out[i, 0] = cost
        out[i, 1] = path_cost(edges, travel_time_s)
    return out


def test_matrix_tables_and_paths_inside_numba(kl_graph: RoadGraph, router: Router) -> None:
    stops = np.random.default_rng(1).integers(0, kl_graph.n_nodes, 200)
    legs = legs_from_matrix(
        router.time_s,
        router.length_m,
        router.pred_edge,
        kl_graph.edge_source,
        kl_graph.travel_time_s,
        kl_graph.length_m,
        stops,
    )
    assert np.array_equal(legs[:, 0], legs[:, 2])
    assert np.array_equal(legs[:, 1], legs[:, 3])
    assert np.array_equal(legs[:, 0], router.time_s[stops[:-1], stops[1:]])


def test_point_to_point_query_inside_numba(kl_graph: RoadGraph, router: Router) -> None:
    kg = router.kernel_graph
    stops = np.random.default_rng(2).integers(0, kl_graph.n_nodes, 200)
    legs = legs_by_query(
        kg.indptr,
        kg.indices,
        kg.travel_time_s,
        kg.length_m,
        kg.edge_source,
        kg.x_m,
        kg.y_m,
        kg.time_h_per_m,
        stops,
    )
    np.testing.assert_allclose(legs[:, 0], router.time_s[stops[:-1], stops[1:]], rtol=1e-9)
    assert np.array_equal(legs[:, 0], legs[:, 1])
