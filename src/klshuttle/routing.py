"""Shortest paths and travel-time matrices on a :class:`~klshuttle.graph.RoadGraph`.

This is the public face of the numba kernels in :mod:`klshuttle._kernels`:
it checks node indices, picks the priority queue and the A* bound for a graph,
and turns the kernels' sentinels (``inf`` costs, ``-1`` edges) into documented
results.

Unreachable pairs
    Costs and matrices report ``inf``; :func:`shortest_path` and
    :meth:`Router.route` raise :class:`~klshuttle.errors.UnreachableError`
    naming both nodes with their coordinates.
Bad node indices
    Anything that is not an integer in ``0..n-1`` raises
    :class:`~klshuttle.errors.RoutingError` before a kernel runs.
Ties
    Among paths of equal cost the first one found is kept (deterministically);
    the reported length is always the length along the returned path, so the
    precomputed matrix and the point-to-point search may report different
    lengths for two equally fast paths.
Weights
    ``"travel_time_s"`` (the default) or ``"length_m"``; the other quantity is
    summed along the chosen paths.

The :class:`Router` is what the simulator uses: in ``"matrix"`` mode it
precomputes all shortest-path trees (times, lengths along the fastest paths and
predecessor edges) and answers with array lookups; in ``"query"`` mode it runs
A* per pair behind a bounded LRU cache. ``mode="auto"`` picks the matrix when
its tables fit under ``max_matrix_bytes`` (and half the available memory).

Where the code lives: :mod:`klshuttle.kernelgraph` unpacks a RoadGraph into
kernel arguments (once per graph), :mod:`klshuttle.shortest_paths` holds the
searches, their results and the input checks, :mod:`klshuttle.router` the
Router; this module gathers their public names and warms the kernels up.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._kernels.astar import astar_path
from ._kernels.astar import make_workspace as make_astar_workspace
from ._kernels.dijkstra import make_workspace as make_dijkstra_workspace
from ._kernels.dijkstra import single_source as _single_source_kernel
from ._kernels.matrix import all_pairs as _all_pairs_kernel
from ._kernels.matrix import all_pairs_tree as _all_pairs_tree_kernel
from ._kernels.matrix import many_to_many as _many_to_many_kernel
from ._kernels.matrix import one_to_many as _one_to_many_kernel
from ._kernels.paths import path_edges, path_nodes
from .graph import RoadGraph
from .kernelgraph import WEIGHTS, KernelGraph, Weight, astar_bound, bucket_width, kernel_graph
from .router import (
    DEFAULT_CACHE_SIZE,
    DEFAULT_MAX_MATRIX_BYTES,
    CacheInfo,
    Router,
    router_matrix_bytes,
)
from .shortest_paths import (
    Route,
    ShortestPathTree,
    all_pairs,
    available_memory_bytes,
    cost_matrix,
    one_to_many,
    pair_costs,
    route_linestring,
    shortest_path,
    single_source,
)

__all__ = [
    "DEFAULT_CACHE_SIZE",
    "DEFAULT_MAX_MATRIX_BYTES",
    "WEIGHTS",
    "CacheInfo",
    "KernelGraph",
    "Route",
    "Router",
    "ShortestPathTree",
    "Weight",
    "all_pairs",
    "astar_bound",
    "available_memory_bytes",
    "bucket_width",
    "compile_kernels",
    "cost_matrix",
    "kernel_graph",
    "one_to_many",
    "pair_costs",
    "route_linestring",
    "router_matrix_bytes",
    "routing_kernels",
    "shortest_path",
    "single_source",
]


# --------------------------------------------------------------------------- warm-up
def routing_kernels() -> dict[str, Any]:
    """The numba dispatchers behind this module, by name (for compile statistics)."""
    return {
        "single_source": _single_source_kernel,
        "astar_path": astar_path,
        "make_astar_workspace": make_astar_workspace,
        "make_dijkstra_workspace": make_dijkstra_workspace,
        "one_to_many": _one_to_many_kernel,
        "many_to_many": _many_to_many_kernel,
        "all_pairs": _all_pairs_kernel,
        "all_pairs_tree": _all_pairs_tree_kernel,
        "path_edges": path_edges,
        "path_nodes": path_nodes,
    }


def compile_kernels() -> dict[str, float]:
    """Compile every routing kernel for the argument types the API passes.

    Runs the public functions and both Router modes once on a three-node
    graph, so that later calls on any RoadGraph start at full speed. With
    numba's on-disk cache (``cache=True``) a process after the first loads
    the machine code instead of compiling it.

    Returns
    -------
    dict
        Seconds spent per step (compiling, or loading from the cache).
    """
    import time

    g = RoadGraph(
        indptr=np.array([0, 1, 3, 4]),
        indices=np.array([1, 0, 2, 1]),
        travel_time_s=np.array([1.0, 1.0, 2.0, 2.0]),
        length_m=np.array([10.0, 10.0, 20.0, 20.0]),
        speed_kmh=np.full(4, 36.0),
        road_class=np.zeros(4, dtype=np.int8),
        name_code=np.full(4, -1),
        edge_osmid=np.arange(4),
        geom_indptr=np.arange(0, 10, 2),
        geom_lon=np.array([7.76, 7.761, 7.761, 7.76, 7.761, 7.762, 7.762, 7.761]),
        geom_lat=np.full(8, 49.44),
        lon=np.array([7.76, 7.761, 7.762]),
        lat=np.full(3, 49.44),
        osmid=np.arange(3),
        road_class_names=("residential",),
        street_names=(),
    )
    steps: list[tuple[str, Any]] = [
        ("single_source", lambda: single_source(g, 0).path_edges(2)),
        ("shortest_path", lambda: shortest_path(g, 0, 2)),
        ("one_to_many", lambda: one_to_many(g, 0, [1, 2])),
        ("cost_matrix", lambda: cost_matrix(g, [0, 1], [2])),
        ("all_pairs_float32", lambda: all_pairs(g)),
        ("all_pairs_float64", lambda: all_pairs(g, dtype=np.float64)),
        ("router_matrix", lambda: Router(g, mode="matrix").route(0, 2)),
        ("router_query", lambda: Router(g, mode="query").route(0, 2)),
    ]
    seconds: dict[str, float] = {}
    for name, step in steps:
        t0 = time.perf_counter()
        step()
        seconds[name] = time.perf_counter() - t0
    return seconds
