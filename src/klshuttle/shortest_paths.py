"""Shortest paths on a :class:`~klshuttle.graph.RoadGraph`: searches, results, input checks.

The functions here run the numba kernels on a graph's kernel arguments
(:func:`~klshuttle.kernelgraph.kernel_graph`), check node indices and memory
limits before a kernel runs, and turn the kernels' sentinels (``inf`` costs,
``-1`` edges) into results and exceptions. Import them from
:mod:`klshuttle.routing`, which documents the conventions.
"""

from __future__ import annotations

import math
import operator
import os
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray
from shapely import LineString

from ._kernels.astar import astar_path
from ._kernels.dijkstra import single_source as _single_source_kernel
from ._kernels.matrix import all_pairs as _all_pairs_kernel
from ._kernels.matrix import many_to_many as _many_to_many_kernel
from ._kernels.matrix import one_to_many as _one_to_many_kernel
from ._kernels.paths import path_edges, path_nodes
from .errors import RoutingError, UnreachableError
from .graph import RoadGraph
from .kernelgraph import WEIGHTS, KernelGraph, Weight, dynamic_schedule, kernel_graph

__all__ = [
    "Route",
    "ShortestPathTree",
    "all_pairs",
    "available_memory_bytes",
    "cost_matrix",
    "one_to_many",
    "pair_costs",
    "route_linestring",
    "shortest_path",
    "single_source",
]


# ------------------------------------------------------------------------ input checks
def node_index(n: int, value: Any, what: str = "node") -> int:
    """``value`` as a node index of a graph with ``n`` nodes, or a RoutingError."""
    if type(value) is int:  # the fast path
        i = value
    else:
        if isinstance(value, bool | np.bool_):
            raise RoutingError(f"{what} must be a node index, got {value!r}")
        try:
            i = operator.index(value)
        except TypeError:
            raise RoutingError(f"{what} must be an integer node index, got {value!r}") from None
    if not 0 <= i < n:
        raise RoutingError(f"{what} {i} is out of range: {_node_range(n)}")
    return i


def _node_range(n: int) -> str:
    return f"the graph has nodes 0..{n - 1}" if n else "the graph has no nodes"


def node_indices(n: int, values: ArrayLike, what: str = "nodes") -> NDArray[np.int64]:
    """``values`` as an int64 array of node indices, or a RoutingError."""
    arr = np.asarray(values)
    if arr.dtype.kind not in "iu":
        if arr.size == 0:
            return np.zeros(arr.shape, dtype=np.int64)
        raise RoutingError(f"{what} must be integer node indices, got dtype {arr.dtype}")
    if arr.size:
        lo, hi = int(arr.min()), int(arr.max())
        if lo < 0 or hi >= n:
            bad = lo if lo < 0 else hi
            raise RoutingError(f"{what} contain {bad}, out of range: {_node_range(n)}")
    return np.ascontiguousarray(arr, dtype=np.int64)


def _weight(weight: str) -> str:
    if weight not in WEIGHTS:
        raise RoutingError(f"unknown weight {weight!r}: expected one of {', '.join(WEIGHTS)}")
    return weight


def _where(graph: RoadGraph, node: int) -> str:
    return f"node {node} ({graph.lon[node]:.6f}, {graph.lat[node]:.6f})"


def unreachable_error(graph: RoadGraph, orig: int, dest: int) -> UnreachableError:
    """The error for a missing path, naming both nodes with their lon/lat."""
    return UnreachableError(
        f"no path from {_where(graph, orig)} to {_where(graph, dest)} (lon, lat)"
    )


def frozen(a: NDArray[Any]) -> NDArray[Any]:
    """``a`` itself, made read-only."""
    a.flags.writeable = False
    return a


def fmt_bytes(n: float) -> str:
    """A byte count for messages: ``"512 bytes"``, ``"1.5 MiB"``."""
    if n < 1024:
        return f"{n:.0f} bytes"
    for unit in ("KiB", "MiB", "GiB"):
        n /= 1024
        if n < 1024:
            return f"{n:.1f} {unit}"
    return f"{n / 1024:.1f} TiB"


def available_memory_bytes() -> int | None:
    """Memory available to new allocations (Linux ``MemAvailable``), or None if unknown."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return None


def memory_limit(max_bytes: int | None, name: str = "max_bytes") -> tuple[int | None, str]:
    """The effective byte limit, ``min(max_bytes, available / 2)``, and where it comes from."""
    avail = available_memory_bytes()
    half = None if avail is None else avail // 2
    if max_bytes is None or (half is not None and half < max_bytes):
        return half, "half the available memory"
    return max_bytes, name


def _check_memory(what: str, needed: int, max_bytes: int | None, hint: str) -> None:
    limit, source = memory_limit(max_bytes)
    if limit is not None and needed > limit:
        raise RoutingError(
            f"{what} needs {fmt_bytes(needed)} ({needed} bytes), more than the "
            f"{fmt_bytes(limit)} ({limit} bytes) allowed by {source}; {hint}"
        )


# ---------------------------------------------------------------------------- results
@dataclass(frozen=True, eq=False)
class Route:
    """One shortest path.

    Attributes
    ----------
    origin, destination : int
        End nodes.
    nodes : ndarray of int32
        Node sequence from ``origin`` to ``destination`` (just ``[origin]`` when
        they are equal).
    edges : ndarray of int64
        CSR indices of the edges driven, in travel order (``len(nodes) - 1`` of them).
    travel_time_s : float
        Travel time along the path: the sum of the edges' ``travel_time_s`` in
        travel order.
    length_m : float
        Length of the same path in metres.
    """

    origin: int
    destination: int
    nodes: NDArray[np.int32]
    edges: NDArray[np.int64]
    travel_time_s: float
    length_m: float

    def linestring(self, graph: RoadGraph) -> LineString:
        """The path as a lon/lat LineString along the edge geometries (see :func:`route_linestring`)."""
        return route_linestring(graph, self.edges, self.origin)


def route_linestring(graph: RoadGraph, edges: ArrayLike, origin: int | None = None) -> LineString:
    """Join the lon/lat geometries of consecutive edges into one LineString.

    Parameters
    ----------
    graph
        The graph the edges belong to.
    edges
        CSR edge indices in travel order.
    origin
        Start node; needed only for an empty path, which gives a zero-length
        LineString at that node (two equal points).

    Returns
    -------
    LineString
        WGS84 lon/lat coordinates from the first edge's tail to the last
        edge's head, with the shared vertex between consecutive edges kept once.
    """
    e = np.asarray(edges, dtype=np.int64)
    if e.size == 0:
        if origin is None:
            raise RoutingError("an empty path needs its origin node for a LineString")
        o = node_index(graph.n_nodes, origin, "origin")
        return LineString([(graph.lon[o], graph.lat[o])] * 2)
    if e.min() < 0 or e.max() >= graph.n_edges:
        raise RoutingError(f"edge indices must lie in 0..{graph.n_edges - 1}")
    starts = graph.geom_indptr[e].copy()
    stops = graph.geom_indptr[e + 1]
    starts[1:] += 1  # the first vertex of each later edge repeats the last one
    counts = np.maximum(stops - starts, 0)
    offsets = np.repeat(starts - np.concatenate(([0], np.cumsum(counts)[:-1])), counts)
    idx = np.arange(int(counts.sum())) + offsets
    return LineString(np.column_stack([graph.geom_lon[idx], graph.geom_lat[idx]]))


@dataclass(frozen=True, eq=False)
class ShortestPathTree:
    """Shortest paths from one source to every node.

    Attributes
    ----------
    source : int
        The source node.
    weight : str
        What the paths minimise: ``"travel_time_s"`` or ``"length_m"``.
    travel_time_s, length_m : ndarray of float64, shape (n_nodes,)
        Travel time and length along each node's path; ``inf`` where the node is
        unreachable or beyond the cutoff.
    pred_edge : ndarray of int64 or int32, shape (n_nodes,)
        Last edge (CSR index) of each node's path; ``-1`` for the source and
        unreachable nodes.
    """

    source: int
    weight: str
    travel_time_s: NDArray[np.float64]
    length_m: NDArray[np.float64]
    pred_edge: NDArray[np.integer]
    _edge_source: NDArray[np.int32] = field(repr=False)
    _indices: NDArray[np.int32] = field(repr=False)

    @property
    def cost(self) -> NDArray[np.float64]:
        """The minimised quantity (``travel_time_s`` or ``length_m``)."""
        return self.travel_time_s if self.weight == "travel_time_s" else self.length_m

    @cached_property
    def pred_node(self) -> NDArray[np.int32]:
        """Predecessor node of each node on its path; ``-1`` where ``pred_edge`` is."""
        pe = np.asarray(self.pred_edge)
        out = np.where(pe >= 0, self._edge_source[np.maximum(pe, 0)], -1).astype(np.int32)
        return frozen(out)

    def path_edges(self, target: int) -> NDArray[np.int64]:
        """Edges of the path to ``target`` in travel order (empty for the source).

        Raises
        ------
        UnreachableError
            If ``target`` is not reached.
        """
        t = node_index(self.pred_edge.shape[0], target, "target")
        if not math.isfinite(self.cost[t]):
            raise UnreachableError(f"node {t} is not reached from node {self.source}")
        return path_edges(self.pred_edge, self._edge_source, self.source, t)

    def path_nodes(self, target: int) -> NDArray[np.int32]:
        """Node sequence of the path to ``target`` (see :meth:`path_edges`)."""
        return path_nodes(self.path_edges(target), self._indices, self.source)


# ---------------------------------------------------------------------------- functions
def single_source(
    graph: RoadGraph,
    source: int,
    *,
    weight: Weight = "travel_time_s",
    cutoff: float | None = None,
) -> ShortestPathTree:
    """Dijkstra from one node to all others.

    Parameters
    ----------
    graph
        The road graph.
    source
        Source node index.
    weight
        ``"travel_time_s"`` or ``"length_m"``: the quantity to minimise.
    cutoff
        Leave nodes farther than this (in the unit of ``weight``) unreached.

    Returns
    -------
    ShortestPathTree
        Unreachable nodes have ``inf`` costs and ``-1`` predecessors.
    """
    kg = kernel_graph(graph)
    s = node_index(kg.n_nodes, source, "source")
    search_args = kg.search_args(weight)
    limit = math.inf if cutoff is None else float(cutoff)
    if math.isnan(limit):
        raise RoutingError("cutoff must be a number, got nan")
    dist, aux, pred = _single_source_kernel(*search_args, s, limit, kg.dijkstra_workspace(weight))
    time_s, length_m = (dist, aux) if weight == "travel_time_s" else (aux, dist)
    return ShortestPathTree(
        source=s,
        weight=weight,
        travel_time_s=frozen(time_s),
        length_m=frozen(length_m),
        pred_edge=frozen(pred),
        _edge_source=kg.edge_source,
        _indices=kg.indices,
    )


def shortest_path(
    graph: RoadGraph, orig: int, dest: int, *, weight: Weight = "travel_time_s"
) -> Route:
    """Point-to-point shortest path by A* (early exit, straight-line bound).

    Raises
    ------
    UnreachableError
        If ``dest`` cannot be reached from ``orig``.
    """
    kg = kernel_graph(graph)
    o = node_index(kg.n_nodes, orig, "origin")
    d = node_index(kg.n_nodes, dest, "destination")
    return astar_route(graph, kg, _weight(weight), o, d, kg.astar_workspace())


def astar_route(
    graph: RoadGraph, kg: KernelGraph, weight: str, o: int, d: int, ws: tuple[Any, ...]
) -> Route:
    """A* route from ``o`` to ``d`` (valid indices) with workspace ``ws``.

    Raises
    ------
    UnreachableError
        If ``d`` cannot be reached from ``o``.
    """
    cost, aux_cost, edges = astar_path(*kg.astar_args(weight), o, d, ws)
    if cost == math.inf:
        raise unreachable_error(graph, o, d)
    time_s, length_m = (cost, aux_cost) if weight == "travel_time_s" else (aux_cost, cost)
    return Route(
        origin=o,
        destination=d,
        nodes=frozen(path_nodes(edges, kg.indices, o)),
        edges=frozen(edges),
        travel_time_s=float(time_s),
        length_m=float(length_m),
    )


def one_to_many(
    graph: RoadGraph, source: int, targets: ArrayLike, *, weight: Weight = "travel_time_s"
) -> NDArray[np.float64]:
    """Shortest costs from ``source`` to each target (``inf`` where unreachable).

    The search stops as soon as every target is settled.
    """
    kg = kernel_graph(graph)
    s = node_index(kg.n_nodes, source, "source")
    t = node_indices(kg.n_nodes, targets, "targets")
    search_args = kg.search_args(weight)
    cost, _ = _one_to_many_kernel(*search_args, s, t.ravel(), kg.dijkstra_workspace(weight))
    return cost.reshape(t.shape)


def cost_matrix(
    graph: RoadGraph,
    origins: ArrayLike,
    destinations: ArrayLike,
    *,
    weight: Weight = "travel_time_s",
    dtype: DTypeLike = np.float64,
    max_bytes: int | None = None,
) -> NDArray[np.floating]:
    """Many-to-many shortest costs, parallel over origins.

    Parameters
    ----------
    graph
        The road graph.
    origins, destinations
        1-D arrays of node indices (repeats allowed).
    weight
        The quantity to minimise and report.
    dtype
        ``float64`` (default) or ``float32`` for the result; costs are summed
        in float64 either way.
    max_bytes
        Refuse results larger than this (default: half the available memory).

    Returns
    -------
    ndarray, shape (len(origins), len(destinations))
        ``out[i, j]`` is the cost from ``origins[i]`` to ``destinations[j]``;
        ``inf`` where unreachable.
    """
    kg = kernel_graph(graph)
    o = node_indices(kg.n_nodes, origins, "origins")
    d = node_indices(kg.n_nodes, destinations, "destinations")
    if o.ndim != 1 or d.ndim != 1:
        raise RoutingError("origins and destinations must be 1-D arrays of node indices")
    dt = _float_dtype(dtype)
    _check_memory(
        f"a {o.size:,} x {d.size:,} {dt.name} matrix",
        o.size * d.size * dt.itemsize,
        max_bytes,
        "ask for fewer origins or destinations at a time",
    )
    matrix_args = kg.matrix_args(weight)
    out = np.empty((o.size, d.size), dtype=dt)
    if o.size and d.size:
        with dynamic_schedule():
            _many_to_many_kernel(*matrix_args, o, d, out)
    return out


def pair_costs(
    graph: RoadGraph,
    origins: ArrayLike,
    destinations: ArrayLike,
    *,
    weight: Weight = "travel_time_s",
    chunk: int = 256,
) -> NDArray[np.float64]:
    """Shortest cost of each (origin, destination) pair (``inf`` where unreachable).

    One search per distinct origin, grouped in chunks of ``chunk`` origins so
    that memory stays bounded on large graphs.
    """
    o = node_indices(graph.n_nodes, origins, "origins")
    d = node_indices(graph.n_nodes, destinations, "destinations")
    if o.shape != d.shape:
        raise RoutingError(f"origins and destinations differ in length: {len(o)} vs {len(d)}")
    out = np.empty(len(o), dtype=np.float64)
    if len(o) == 0:
        return out
    uniq, inverse = np.unique(o, return_inverse=True)
    for a in range(0, len(uniq), chunk):
        rows = np.flatnonzero((inverse >= a) & (inverse < a + chunk))
        targets, t_inv = np.unique(d[rows], return_inverse=True)
        costs = cost_matrix(graph, uniq[a : a + chunk], targets, weight=weight)
        out[rows] = costs[inverse[rows] - a, t_inv]
    return out


def _float_dtype(dtype: DTypeLike) -> np.dtype[Any]:
    dt = np.dtype(dtype)
    if dt not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise RoutingError(f"dtype must be float32 or float64, got {dt}")
    return dt


def all_pairs(
    graph: RoadGraph,
    *,
    weight: Weight = "travel_time_s",
    dtype: DTypeLike = np.float32,
    max_bytes: int | None = None,
) -> NDArray[np.floating]:
    """The full n x n shortest-cost matrix, parallel over sources.

    Parameters
    ----------
    graph
        The road graph.
    weight
        The quantity to minimise and report.
    dtype
        ``float32`` (default, half the memory; costs are summed in float64 and
        rounded when stored) or ``float64``.
    max_bytes
        Refuse a matrix larger than this. By default, and never more than,
        half the memory available now.

    Returns
    -------
    ndarray, shape (n_nodes, n_nodes)
        ``out[s, t]`` is the cost from ``s`` to ``t``; ``inf`` where unreachable.

    Raises
    ------
    RoutingError
        If the matrix does not fit (the message names needed and allowed bytes).
    """
    kg = kernel_graph(graph)
    dt = _float_dtype(dtype)
    n = kg.n_nodes
    _check_memory(
        f"the all-pairs matrix ({n:,} x {n:,} {dt.name})",
        n * n * dt.itemsize,
        max_bytes,
        "use cost_matrix() on fewer nodes or Router(mode='query')",
    )
    matrix_args = kg.matrix_args(weight)
    out = np.empty((n, n), dtype=dt)
    with dynamic_schedule():
        _all_pairs_kernel(*matrix_args, out)
    return out
