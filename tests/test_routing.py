"""The public routing API: Router modes, lookups, cache, errors, geometry."""

from __future__ import annotations

import logging
import math
import re
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from shapely import LineString

import klshuttle
from graph_factory import make_graph
from klshuttle import RoadGraph, Route, Router, RoutingError, UnreachableError
from klshuttle.routing import (
    all_pairs,
    cost_matrix,
    kernel_graph,
    one_to_many,
    route_linestring,
    router_matrix_bytes,
    shortest_path,
    single_source,
)
from routing_checks import assert_valid_path


@pytest.fixture(scope="module")
def kl_router(kl_graph: RoadGraph) -> Router:
    return Router(kl_graph)


@pytest.fixture
def small() -> RoadGraph:
    """0 -> 1 -> 2 -> 0 (a ring), 3 -> 0 only, 4 isolated."""
    return make_graph(5, [(0, 1, 1.0), (1, 2, 2.0), (2, 0, 3.0), (3, 0, 1.0)])


# ----------------------------------------------------------------- modes
def test_public_names() -> None:
    assert klshuttle.Router is Router and klshuttle.Route is Route
    assert issubclass(UnreachableError, RoutingError)


@pytest.mark.kaiserslautern
def test_auto_mode_uses_the_matrix_for_kaiserslautern(
    kl_graph: RoadGraph, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="klshuttle.routing"):
        router = Router(kl_graph)
    assert router.mode == "matrix"
    assert "matrix mode" in caplog.text and "chosen by mode='auto'" in caplog.text
    n = kl_graph.n_nodes
    assert router.time_s.shape == (n, n) and router.time_s.dtype == np.float64
    assert router.length_m.shape == (n, n) and router.length_m.dtype == np.float64
    assert router.pred_edge.shape == (n, n) and router.pred_edge.dtype == np.int32
    for table in (router.time_s, router.length_m, router.pred_edge):
        assert not table.flags.writeable
    assert (np.diag(router.time_s) == 0).all() and (np.diag(router.pred_edge) == -1).all()


@pytest.mark.kaiserslautern
def test_query_mode_by_small_limit_gives_the_same_answers(
    kl_graph: RoadGraph, kl_router: Router, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="klshuttle.routing"):
        query = Router(kl_graph, max_matrix_bytes=router_matrix_bytes(kl_graph.n_nodes) - 1)
    assert query.mode == "query" and "query mode" in caplog.text
    with pytest.raises(RoutingError, match="query mode"):
        _ = query.time_s
    rng = np.random.default_rng(3)
    pairs = rng.integers(0, kl_graph.n_nodes, size=(300, 2))
    for o, d in pairs.tolist():
        a, b = kl_router.route(o, d), query.route(o, d)
        assert b.travel_time_s == pytest.approx(a.travel_time_s, rel=1e-9, abs=0)
        assert query.travel_time(o, d) == b.travel_time_s
        assert_valid_path(kl_graph, b.edges, o, d)
    o, d = pairs[:20, 0], pairs[:20, 1]
    np.testing.assert_allclose(query.matrix(o, d), kl_router.matrix(o, d), rtol=1e-9)
    np.testing.assert_allclose(query.travel_time(o, d), kl_router.travel_time(o, d), rtol=1e-9)
    ta, tb = kl_router.single_source(5, cutoff=200.0), query.single_source(5, cutoff=200.0)
    np.testing.assert_allclose(ta.travel_time_s, tb.travel_time_s, rtol=1e-9)


def test_forced_matrix_mode_refuses_politely_when_too_big(small: RoadGraph) -> None:
    needed = router_matrix_bytes(small.n_nodes)
    with pytest.raises(RoutingError) as err:
        Router(small, mode="matrix", max_matrix_bytes=needed - 1)
    msg = str(err.value)
    assert "\n" not in msg
    assert f"({needed} bytes)" in msg and f"({needed - 1} bytes)" in msg
    assert "mode='query'" in msg
    assert Router(small, mode="matrix", max_matrix_bytes=needed).mode == "matrix"


def test_invalid_router_options(small: RoadGraph) -> None:
    with pytest.raises(RoutingError, match="mode"):
        Router(small, mode="fast")  # type: ignore[arg-type]
    with pytest.raises(RoutingError, match="cache_size"):
        Router(small, cache_size=-1)


@pytest.mark.parametrize("mode", ["matrix", "query"])
def test_small_graph_answers(small: RoadGraph, mode: str) -> None:
    r = Router(small, mode=mode)
    assert r.travel_time(0, 2) == 3.0 and r.travel_time(2, 1) == 4.0 and r.travel_time(1, 1) == 0.0
    route = r.route(3, 2)
    assert route.nodes.tolist() == [3, 0, 1, 2] and route.travel_time_s == 4.0
    assert (
        route.length_m == 40.0 and route.edges.dtype == np.int64 and route.nodes.dtype == np.int32
    )
    assert not route.nodes.flags.writeable and not route.edges.flags.writeable
    same = r.route(4, 4)
    assert same.nodes.tolist() == [4] and same.edges.size == 0 and same.travel_time_s == 0.0
    assert r.matrix([0, 3], [2, 4]).tolist() == [[3.0, math.inf], [4.0, math.inf]]
    times = r.travel_time(np.array([0, 1, 3]), np.array([[2], [3]]))
    assert times.shape == (2, 3)
    assert times.tolist() == [[3.0, 2.0, 4.0], [math.inf, math.inf, 0.0]]
    tree = r.single_source(0)
    assert tree.travel_time_s.tolist() == [0.0, 1.0, 3.0, math.inf, math.inf]
    assert tree.pred_node.tolist() == [-1, 0, 1, -1, -1]
    assert tree.path_nodes(2).tolist() == [0, 1, 2]


# ------------------------------------------------------------- unreachable
@pytest.mark.parametrize("mode", ["matrix", "query"])
def test_unreachable_pairs(small: RoadGraph, mode: str) -> None:
    r = Router(small, mode=mode)
    assert r.travel_time(0, 3) == math.inf
    assert r.travel_time(4, 0) == math.inf
    with pytest.raises(UnreachableError) as err:
        r.route(0, 3)
    msg = str(err.value)
    assert "node 0 " in msg and "node 3 " in msg
    assert f"{small.lon[0]:.6f}, {small.lat[0]:.6f}" in msg
    assert f"{small.lon[3]:.6f}, {small.lat[3]:.6f}" in msg
    with pytest.raises(UnreachableError):
        shortest_path(small, 4, 0)
    with pytest.raises(UnreachableError):
        r.single_source(0).path_edges(3)


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize("mode", ["matrix", "query"])
@pytest.mark.parametrize("bad", [-1, 5, 10**12, 1.5, "2", None, True, np.int64(5), np.float64(1.0)])
def test_bad_node_indices_raise_routing_error(small: RoadGraph, mode: str, bad: object) -> None:
    r = Router(small, mode=mode)
    calls = [
        lambda: r.travel_time(bad, 0),
        lambda: r.travel_time(0, bad),
        lambda: r.route(bad, 1),
        lambda: r.route(1, bad),
        lambda: r.single_source(bad),
        lambda: single_source(small, bad),
        lambda: shortest_path(small, 0, bad),
        lambda: one_to_many(small, bad, [1]),
    ]
    for call in calls:
        with pytest.raises(RoutingError) as err:
            call()
        assert not isinstance(err.value, UnreachableError)
        assert "\n" not in str(err.value)


def test_out_of_range_message_names_the_valid_range(small: RoadGraph) -> None:
    with pytest.raises(
        RoutingError, match=re.escape("origin 7 is out of range: the graph has nodes 0..4")
    ):
        Router(small).route(7, 0)


@pytest.mark.parametrize("mode", ["matrix", "query"])
def test_bad_node_arrays_raise_routing_error(small: RoadGraph, mode: str) -> None:
    r = Router(small, mode=mode)
    for origins, destinations in [([0, 5], [1]), ([0], [-1]), ([0.5], [1]), ([[0]], [1])]:
        with pytest.raises(RoutingError):
            r.matrix(origins, destinations)
    with pytest.raises(RoutingError, match="out of range"):
        r.travel_time(np.array([0, 1]), np.array([2, 9]))
    with pytest.raises(RoutingError):
        cost_matrix(small, [0], [7])


def test_negative_or_nan_weights_are_refused() -> None:
    for bad in (-1.0, math.nan, math.inf):
        g = make_graph(2, [(0, 1, 1.0), (1, 0, bad)])
        with pytest.raises(RoutingError, match="edge 1 has travel_time_s"):
            Router(g)


def test_kernel_arguments_by_weight() -> None:
    """0 -> 1 (2 s, 30 m), 1 -> 2 (4 s, 20 m): the arguments each kernel family gets."""
    kg = kernel_graph(make_graph(3, [(0, 1, 2.0, 30.0), (1, 2, 4.0, 20.0)]))
    indptr, indices, w, aux_w, edge_source, width = kg.search_args("travel_time_s")
    assert indptr.tolist() == [0, 1, 2, 2] and indices.tolist() == [1, 2]
    assert w.tolist() == [2.0, 4.0] and aux_w.tolist() == [30.0, 20.0]
    assert edge_source.tolist() == [0, 1]
    assert width == pytest.approx(2.0 * 0.999)  # just below the smallest weight
    # lengths: width 19.98 m; span 30 / 19.98 + 3 = 4.5 buckets, rounded up to 8
    _, _, w, width, n_buckets = kg.matrix_args("length_m")
    assert w.tolist() == [30.0, 20.0] and width == pytest.approx(19.98) and n_buckets == 8
    *_, x_m, y_m, h_per_m = kg.astar_args("travel_time_s")
    assert x_m is kg.x_m and y_m is kg.y_m and h_per_m == kg.time_h_per_m > 0.0
    with pytest.raises(RoutingError, match="unknown weight 'fuel'"):
        kg.search_args("fuel")


def test_unknown_weight_and_dtype(small: RoadGraph) -> None:
    with pytest.raises(RoutingError, match="weight"):
        single_source(small, 0, weight="fuel")  # type: ignore[arg-type]
    with pytest.raises(RoutingError, match="dtype"):
        all_pairs(small, dtype=np.int32)


# -------------------------------------------------------------- memory check
def test_all_pairs_refuses_politely_when_too_big(small: RoadGraph) -> None:
    with pytest.raises(RoutingError) as err:
        all_pairs(small, max_bytes=99)  # 5 x 5 float32 = 100 bytes
    msg = str(err.value)
    assert "(100 bytes)" in msg and "(99 bytes)" in msg and "max_bytes" in msg and "\n" not in msg
    assert all_pairs(small, max_bytes=100).shape == (5, 5)
    with pytest.raises(RoutingError, match="200 bytes"):
        all_pairs(small, dtype=np.float64, max_bytes=199)
    with pytest.raises(RoutingError, match=r"\(48 bytes\)"):
        cost_matrix(small, [0, 1, 2], [0, 1], max_bytes=47)


def test_default_limit_is_half_the_available_memory(
    small: RoadGraph, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("klshuttle.shortest_paths.available_memory_bytes", lambda: 150)
    with pytest.raises(RoutingError, match="half the available memory"):
        all_pairs(small)  # 100 bytes > 75
    with pytest.raises(RoutingError, match="half the available memory"):
        all_pairs(small, max_bytes=10**9)
    # the Router then falls back to query mode
    assert Router(small).mode == "query"


# ------------------------------------------------------------------ cache
def test_query_cache_is_bounded_lru(small: RoadGraph) -> None:
    r = Router(small, mode="query", cache_size=3)
    for d in range(3):
        r.travel_time(0, d)
    assert r.cache_info() == (0, 3, 3, 3)
    r.travel_time(0, 0)  # hit; (0, 0) becomes most recent
    r.route(3, 1)  # miss, evicts the oldest: (0, 1)
    assert r.cache_info() == (1, 4, 3, 3)
    r.travel_time(0, 1)  # evicted before: a miss
    r.travel_time(0, 0)  # still cached: a hit
    assert r.cache_info() == (2, 5, 3, 3)
    # unreachable answers are cached too
    assert r.travel_time(0, 3) == math.inf and r.travel_time(0, 3) == math.inf
    assert r.cache_info().hits == 3
    r.cache_clear()
    assert r.cache_info() == (0, 0, 3, 0)


def test_cache_can_be_disabled(small: RoadGraph) -> None:
    r = Router(small, mode="query", cache_size=0)
    for _ in range(3):
        assert r.travel_time(0, 2) == 3.0
    assert r.cache_info() == (0, 3, 0, 0)


@pytest.mark.kaiserslautern
def test_query_mode_from_several_threads(kl_graph: RoadGraph, kl_router: Router) -> None:
    r = Router(kl_graph, mode="query", cache_size=50)
    pairs = np.random.default_rng(9).integers(0, kl_graph.n_nodes, size=(400, 2)).tolist()

    def work(chunk: list[list[int]]) -> list[float]:
        return [r.route(o, d).travel_time_s for o, d in chunk]

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(work, [pairs[i::4] for i in range(4)]))
    for i in range(4):
        expected = [kl_router.travel_time(o, d) for o, d in pairs[i::4]]
        np.testing.assert_allclose(results[i], expected, rtol=1e-9)


# -------------------------------------------------------------- geometry
@pytest.mark.kaiserslautern
def test_route_linestring_runs_from_origin_to_destination(
    kl_graph: RoadGraph, kl_router: Router
) -> None:
    g = kl_graph
    rng = np.random.default_rng(11)
    for o, d in rng.integers(0, g.n_nodes, size=(50, 2)).tolist():
        route = kl_router.route(o, d)
        line = route.linestring(g)
        assert isinstance(line, LineString)
        assert line.coords[0] == pytest.approx((g.lon[o], g.lat[o]), abs=1e-7)
        assert line.coords[-1] == pytest.approx((g.lon[d], g.lat[d]), abs=1e-7)
        # every edge geometry is in there, shared vertices once
        n_vertices = sum(int(g.geom_indptr[k + 1] - g.geom_indptr[k]) for k in route.edges)
        assert len(line.coords) == n_vertices - max(route.edges.size - 1, 0)
        for k in route.edges[:: max(1, route.edges.size // 3)]:
            assert line.buffer(1e-9).contains(g.edge_geometry(int(k)))


def test_linestring_of_an_empty_route_is_the_node(small: RoadGraph) -> None:
    line = Router(small).route(2, 2).linestring(small)
    assert line.length == 0.0 and line.coords[0] == (small.lon[2], small.lat[2])
    with pytest.raises(RoutingError):
        route_linestring(small, [])
    with pytest.raises(RoutingError):
        route_linestring(small, [0, 99])
