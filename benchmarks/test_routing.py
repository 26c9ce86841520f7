"""Routing benchmarks: each group holds klshuttle and its reference, measured in one run.

Run with::

    pytest benchmarks --benchmark-only --benchmark-columns=min,median,mean,rounds

and compare medians within a group (``python benchmarks/ratios.py`` on a
``--benchmark-json`` file does it). Names pair up as
``test_<group>[klshuttle]`` / ``test_<group>[networkx]`` / ``test_<group>[scipy]``.
Every timed call covers a whole set of inputs (50 sources, or 1,000 pairs),
identical for all contenders, so no contender gains from repeating one search.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import networkx as nx
import numba
import numpy as np
import pytest
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from klshuttle import RoadGraph, Router
from klshuttle.ch import ContractionHierarchy, contraction_hierarchy
from klshuttle.reference import to_scipy_csgraph
from klshuttle.routing import all_pairs, single_source
from tiled import tiled_graph


def _info(benchmark: Any, warm: dict[str, Any], what: str, n_calls: int, **extra: Any) -> None:
    benchmark.extra_info.update(warm)
    benchmark.extra_info.update({"measures": what, "calls_per_round": n_calls, **extra})


def _check_same(a: float, b: float) -> None:
    assert abs(a - b) <= 1e-9 * max(abs(a), abs(b)), (a, b)


def _networkx_times(nx_graph: nx.DiGraph, pairs: list[tuple[int, int]]) -> list[float]:
    """The reference: networkx's bidirectional Dijkstra times, pair by pair."""
    return [nx.bidirectional_dijkstra(nx_graph, o, d, weight="travel_time_s")[0] for o, d in pairs]


# ------------------------------------------------------------------- single source
@pytest.mark.benchmark(group="single_source")
@pytest.mark.parametrize("impl", ["klshuttle", "networkx", "scipy"])
def test_single_source(
    benchmark: Any,
    impl: str,
    kl_graph: RoadGraph,
    nx_graph: nx.DiGraph,
    csgraph: sp.csr_matrix,
    sources: list[int],
    warm: dict[str, Any],
) -> None:
    runs: dict[str, Callable[[int], Any]] = {
        "klshuttle": lambda s: single_source(kl_graph, s).travel_time_s,
        "networkx": lambda s: nx.single_source_dijkstra_path_length(
            nx_graph, s, weight="travel_time_s"
        ),
        "scipy": lambda s: dijkstra(csgraph, indices=s),
    }
    run = runs[impl]

    def all_sources() -> Any:
        return [run(s) for s in sources]

    result = benchmark(all_sources)
    _info(
        benchmark,
        warm,
        f"{impl}: one-to-all shortest travel times from each of {len(sources)} random sources",
        len(sources),
    )
    ours = single_source(kl_graph, sources[-1]).travel_time_s
    last = result[-1]
    if impl == "networkx":
        last = np.array([last[v] for v in range(kl_graph.n_nodes)])
    np.testing.assert_allclose(ours, last, rtol=1e-9)


# ------------------------------------------------------------------ point to point
@pytest.mark.benchmark(group="point_to_point")
@pytest.mark.parametrize("impl", ["klshuttle", "networkx"])
def test_point_to_point(
    benchmark: Any,
    impl: str,
    query_router: Router,
    nx_graph: nx.DiGraph,
    pairs: list[tuple[int, int]],
    warm: dict[str, Any],
) -> None:
    if impl == "klshuttle":

        def all_pairs_() -> list[float]:
            return [query_router.route(o, d).travel_time_s for o, d in pairs]

        what = "klshuttle: Router(mode='query', cache_size=0).route(o, d) (A*: time, length, node path)"
    else:

        def all_pairs_() -> list[float]:
            return _networkx_times(nx_graph, pairs)

        what = "networkx: bidirectional_dijkstra(G, o, d) (time and node path)"
    times = benchmark(all_pairs_)
    _info(benchmark, warm, f"{what}, {len(pairs)} random pairs", len(pairs))
    for (o, d), t in list(zip(pairs, times, strict=True))[::50]:
        _check_same(t, query_router.travel_time(o, d))


# ------------------------------------------------------------------- router lookup
@pytest.mark.benchmark(group="router_lookup")
@pytest.mark.parametrize("impl", ["klshuttle", "networkx"])
def test_router_lookup(
    benchmark: Any,
    impl: str,
    router: Router,
    nx_graph: nx.DiGraph,
    pairs: list[tuple[int, int]],
    warm: dict[str, Any],
) -> None:
    if impl == "klshuttle":

        def all_pairs_() -> list[float]:
            return [router.travel_time(o, d) for o, d in pairs]

        what = "klshuttle: Router.travel_time(o, d) in matrix mode (table lookup)"
    else:

        def all_pairs_() -> list[float]:
            return _networkx_times(nx_graph, pairs)

        what = "networkx: bidirectional_dijkstra(G, o, d)"
    times = benchmark(all_pairs_)
    _info(
        benchmark, warm, f"{what}, {len(pairs)} random pairs", len(pairs), router_mode=router.mode
    )
    for (o, d), t in list(zip(pairs, times, strict=True))[::50]:
        _check_same(t, router.travel_time(o, d))


@pytest.mark.benchmark(group="router_route")
@pytest.mark.parametrize("impl", ["klshuttle", "networkx"])
def test_router_route(
    benchmark: Any,
    impl: str,
    router: Router,
    nx_graph: nx.DiGraph,
    pairs: list[tuple[int, int]],
    warm: dict[str, Any],
) -> None:
    if impl == "klshuttle":

        def all_pairs_() -> list[int]:
            return [router.route(o, d).nodes.size for o, d in pairs]

        what = "klshuttle: Router.route(o, d) in matrix mode (path from the predecessor table)"
    else:

        def all_pairs_() -> list[int]:
            return [
                len(nx.bidirectional_dijkstra(nx_graph, o, d, weight="travel_time_s")[1])
                for o, d in pairs
            ]

        what = "networkx: bidirectional_dijkstra(G, o, d) (time and node path)"
    sizes = benchmark(all_pairs_)
    _info(
        benchmark, warm, f"{what}, {len(pairs)} random pairs", len(pairs), router_mode=router.mode
    )
    assert sum(sizes) > len(pairs)


# ----------------------------------------------------------------------- all pairs
@pytest.mark.benchmark(group="all_pairs")
@pytest.mark.parametrize("impl", ["klshuttle", "klshuttle_float64", "scipy"])
def test_all_pairs(
    benchmark: Any,
    impl: str,
    kl_graph: RoadGraph,
    csgraph: sp.csr_matrix,
    router: Router,
    warm: dict[str, Any],
) -> None:
    runs: dict[str, tuple[Callable[[], Any], str]] = {
        "klshuttle": (
            lambda: all_pairs(kl_graph),
            "klshuttle: all_pairs(graph) (float32, parallel over sources)",
        ),
        "klshuttle_float64": (
            lambda: all_pairs(kl_graph, dtype=np.float64),
            "klshuttle: all_pairs(graph, dtype=float64) (parallel over sources)",
        ),
        "scipy": (
            lambda: dijkstra(csgraph),
            "scipy: csgraph.dijkstra(G) over all sources (float64)",
        ),
    }
    run, what = runs[impl]
    result = benchmark(run)
    _info(benchmark, warm, what, 1, n_nodes=kl_graph.n_nodes, numba_threads=numba.get_num_threads())
    np.testing.assert_allclose(
        result, router.time_s, rtol=1e-6 if result.dtype == np.float32 else 1e-9
    )


# ------------------------------------------------------------ contraction hierarchies
@pytest.fixture(scope="session")
def ch(kl_graph: RoadGraph, warm: dict[str, Any]) -> ContractionHierarchy:
    """The contraction hierarchy of the central graph, built and its kernels compiled."""
    hierarchy = contraction_hierarchy(kl_graph)
    hierarchy.distances([0], [1])
    return hierarchy


@pytest.fixture(scope="session")
def pandana_net(kl_graph: RoadGraph) -> Any:
    """pandana's contraction hierarchy of the same directed graph and travel times."""
    import pandana
    import pandas as pd

    nodes = np.arange(kl_graph.n_nodes)
    return pandana.Network(
        pd.Series(kl_graph.x, index=nodes),
        pd.Series(kl_graph.y, index=nodes),
        pd.Series(kl_graph.edge_source.astype(np.int64)),
        pd.Series(kl_graph.indices.astype(np.int64)),
        pd.DataFrame({"travel_time_s": kl_graph.travel_time_s}),
        twoway=False,
    )


@pytest.mark.benchmark(group="ch_query")
@pytest.mark.parametrize("impl", ["klshuttle", "astar", "pandana"])
def test_ch_query(
    benchmark: Any,
    impl: str,
    ch: ContractionHierarchy,
    query_router: Router,
    pandana_net: Any,
    router: Router,
    pairs: list[tuple[int, int]],
    warm: dict[str, Any],
) -> None:
    orig = np.array([o for o, _ in pairs], dtype=np.int64)
    dest = np.array([d for _, d in pairs], dtype=np.int64)
    runs: dict[str, tuple[Callable[[], Any], str]] = {
        "klshuttle": (
            lambda: ch.distances(orig, dest),
            "klshuttle: ContractionHierarchy.distances(origins, destinations) (batched, parallel)",
        ),
        "astar": (
            lambda: [query_router.travel_time(o, d) for o, d in pairs],
            "klshuttle today: Router(mode='query', cache_size=0).travel_time(o, d) (A* per pair)",
        ),
        "pandana": (
            lambda: pandana_net.shortest_path_lengths(orig, dest, imp_name="travel_time_s"),
            "pandana 0.8: Network.shortest_path_lengths(origins, destinations) (batched CH)",
        ),
    }
    run, what = runs[impl]
    result = np.asarray(benchmark(run), dtype=np.float64)
    _info(
        benchmark,
        warm,
        f"{what}, {len(pairs)} random pairs",
        len(pairs),
        numba_threads=numba.get_num_threads(),
        ch_build_s=round(ch.build_s, 3),
        ch_shortcuts=ch.n_shortcuts,
    )
    exact = router.time_s[orig, dest].astype(np.float64)
    if impl == "pandana":  # pandana keeps its weights in lower precision
        np.testing.assert_allclose(result, exact, rtol=1e-4, atol=0.1)
    else:
        np.testing.assert_allclose(result, exact, rtol=1e-6)  # the table is float32


@pytest.fixture(scope="session")
def tiled(kl_graph: RoadGraph) -> RoadGraph:
    """The central graph tiled 5 x 5 (about 48,000 nodes)."""
    return tiled_graph(kl_graph, 5, 5)


@pytest.mark.benchmark(group="ch_tiled")
@pytest.mark.parametrize("impl", ["klshuttle", "scipy"])
def test_ch_tiled(benchmark: Any, impl: str, tiled: RoadGraph, warm: dict[str, Any]) -> None:
    """CH on the city-scale graph: 1,000 pairs vs scipy's Dijkstra from 5 of the sources."""
    hierarchy = contraction_hierarchy(tiled)
    rng = np.random.default_rng(20240611)
    orig, dest = rng.integers(0, tiled.n_nodes, size=(2, 1000))
    csg = to_scipy_csgraph(tiled)
    if impl == "klshuttle":
        result = benchmark(lambda: hierarchy.distances(orig, dest))
        what = "klshuttle: CH distances of 1,000 random pairs"
    else:
        benchmark(lambda: dijkstra(csg, indices=orig[:5]))
        what = "scipy: one-to-all Dijkstra from 5 sources (for scale)"
        result = hierarchy.distances(orig, dest)
    _info(
        benchmark,
        warm,
        what,
        1000 if impl == "klshuttle" else 5,
        n_nodes=tiled.n_nodes,
        ch_build_s=round(hierarchy.build_s, 3),
        ch_shortcuts=hierarchy.n_shortcuts,
    )
    # Every pair of 20 sampled sources equals Dijkstra's answer.
    ref = dijkstra(csg, indices=orig[:20])
    np.testing.assert_allclose(result[:20], ref[np.arange(20), dest[:20]], rtol=1e-12)
    n = tiled.n_nodes
    full = hierarchy.distances(np.repeat(orig[:20], n), np.tile(np.arange(n), 20))
    np.testing.assert_allclose(full.reshape(20, n), ref, rtol=1e-12)
