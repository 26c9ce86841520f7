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
"""

from __future__ import annotations

import logging
import math
import operator
import os
import threading
import weakref
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal, NamedTuple

import numba
import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray
from shapely import LineString

from ._kernels import drop_stale_cache
from ._kernels.astar import astar_path
from ._kernels.astar import make_workspace as make_astar_workspace
from ._kernels.dijkstra import make_workspace as make_dijkstra_workspace
from ._kernels.dijkstra import single_source as _single_source_kernel
from ._kernels.matrix import all_pairs as _all_pairs_kernel
from ._kernels.matrix import all_pairs_tree as _all_pairs_tree_kernel
from ._kernels.matrix import many_to_many as _many_to_many_kernel
from ._kernels.matrix import one_to_many as _one_to_many_kernel
from ._kernels.paths import path_edges, path_nodes
from .errors import RoutingError, UnreachableError
from .graph import RoadGraph

__all__ = [
    "DEFAULT_CACHE_SIZE",
    "DEFAULT_MAX_MATRIX_BYTES",
    "WEIGHTS",
    "CacheInfo",
    "KernelGraph",
    "Route",
    "Router",
    "ShortestPathTree",
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

log = logging.getLogger(__name__)

Weight = Literal["travel_time_s", "length_m"]

#: Edge weights a search can minimise.
WEIGHTS: tuple[str, ...] = ("travel_time_s", "length_m")

#: Default ceiling for the Router's precomputed tables (time, length, predecessor).
DEFAULT_MAX_MATRIX_BYTES = 1 << 30

#: Default number of routes the Router keeps in query mode.
DEFAULT_CACHE_SIZE = 10_000

#: Largest bucket ring the bucket queue may use; beyond it the heap is used.
MAX_BUCKETS = 1 << 16

# The bucket width lies this fraction below the smallest weight (see
# _kernels/dijkstra.py); bucket indices stay below _MAX_BUCKET_INDEX so that
# their rounding error (about 1e-16 of the index) stays far below the margin.
_BUCKET_MARGIN = 1e-3
_MAX_BUCKET_INDEX = 2.0**36

# The A* factor lies this fraction below the tightest edge, against rounding.
_ASTAR_MARGIN = 1e-6


# --------------------------------------------------------------------- kernel arguments
def bucket_width(weight: NDArray[np.float64], n_nodes: int) -> tuple[float, int]:
    """Choose the Dijkstra priority queue for a weight array.

    Parameters
    ----------
    weight
        Per-edge weights (non-negative, finite).
    n_nodes
        Number of nodes (bounds the longest shortest path).

    Returns
    -------
    width : float
        Bucket width for the bucket queue, or 0.0 for the binary heap (used
        when a weight is zero, the graph has no edges, or the weights span too
        wide a range for a small ring of buckets).
    n_buckets : int
        Size of the bucket ring (a power of two), 1 for the heap.
    """
    if weight.shape[0] == 0:
        return 0.0, 1
    w_min = float(weight.min())
    w_max = float(weight.max())
    if not w_min > 0.0:
        return 0.0, 1
    width = w_min * (1.0 - _BUCKET_MARGIN)
    span = w_max / width + 3.0
    if span > MAX_BUCKETS or max(n_nodes, 1) * span > _MAX_BUCKET_INDEX:
        return 0.0, 1
    return width, 1 << math.ceil(math.log2(span))


def astar_bound(
    x_m: NDArray[np.float64],
    y_m: NDArray[np.float64],
    edge_source: NDArray[np.int32],
    indices: NDArray[np.int32],
    weight: NDArray[np.float64],
) -> float:
    """Largest factor ``h`` with ``weight >= h * straight-line metres`` on every edge.

    For travel times this is one over the fastest speed of any edge measured
    along the straight line between its end nodes. ``h * |v - target|`` is then
    an admissible and consistent A* bound (triangle inequality), so A* stays
    exact. Taken slightly below the tightest edge, against rounding; 0.0 when
    no edge joins two distinct points.
    """
    if weight.shape[0] == 0:
        return 0.0
    dist_m = np.hypot(x_m[indices] - x_m[edge_source], y_m[indices] - y_m[edge_source])
    ok = dist_m > 0.0
    if not ok.any():
        return 0.0
    h = float(np.min(weight[ok] / dist_m[ok]))
    return max(h * (1.0 - _ASTAR_MARGIN), 0.0)


@dataclass(frozen=True, eq=False)
class KernelGraph:
    """A RoadGraph unpacked into the arguments the routing kernels take.

    Built once per graph by :func:`kernel_graph`; numba code receives these
    arrays and scalars (all arrays read-only). ``*_bucket_width`` /
    ``*_n_buckets`` select the Dijkstra queue and ``*_h_per_m`` is the A*
    bound factor, per weight.

    Examples
    --------
    A point-to-point query inside an ``@njit`` function (query mode), with a
    workspace made once and reused::

        from klshuttle._kernels.astar import astar_path, make_workspace

        ws = make_workspace(n_nodes, n_edges)
        time_s, length_m, edges = astar_path(
            indptr, indices, travel_time_s, length_m_per_edge, edge_source,
            x_m, y_m, time_h_per_m, orig, dest, ws,
        )  # time_s is inf and edges empty if dest is unreachable

    With a matrix-mode Router, ``router.time_s[o, d]`` is the time and
    ``_kernels.paths.path_edges(router.pred_edge[o], edge_source, o, d)`` the edges.
    """

    n_nodes: int
    n_edges: int
    indptr: NDArray[np.int64]
    indices: NDArray[np.int32]
    edge_source: NDArray[np.int32]
    travel_time_s: NDArray[np.float64]
    length_m: NDArray[np.float64]
    x_m: NDArray[np.float64]
    y_m: NDArray[np.float64]
    time_bucket_width: float
    time_n_buckets: int
    length_bucket_width: float
    length_n_buckets: int
    time_h_per_m: float
    length_h_per_m: float
    _local: threading.local = field(default_factory=threading.local, repr=False)

    def dijkstra_workspace(self, weight: str) -> tuple[Any, ...]:
        """A clean Dijkstra workspace for this graph and weight, one per thread.

        Kernels leave it clean, so each thread reuses its own across calls.
        """
        key = "dijkstra_" + weight
        ws = getattr(self._local, key, None)
        if ws is None:
            n_buckets = self.for_weight(weight)[3]
            ws = make_dijkstra_workspace(self.n_nodes, self.n_edges, n_buckets)
            setattr(self._local, key, ws)
        return ws  # type: ignore[no-any-return]

    def astar_workspace(self) -> tuple[Any, ...]:
        """A clean A* workspace for this graph, one per thread."""
        ws = getattr(self._local, "astar", None)
        if ws is None:
            ws = make_astar_workspace(self.n_nodes, self.n_edges)
            self._local.astar = ws
        return ws  # type: ignore[no-any-return]

    def for_weight(
        self, weight: str
    ) -> tuple[NDArray[np.float64], NDArray[np.float64], float, int, float]:
        """``(weight, aux_weight, bucket_width, n_buckets, h_per_m)`` for a weight name."""
        if weight == "travel_time_s":
            return (
                self.travel_time_s,
                self.length_m,
                self.time_bucket_width,
                self.time_n_buckets,
                self.time_h_per_m,
            )
        if weight == "length_m":
            return (
                self.length_m,
                self.travel_time_s,
                self.length_bucket_width,
                self.length_n_buckets,
                self.length_h_per_m,
            )
        raise RoutingError(f"unknown weight {weight!r}: expected one of {', '.join(WEIGHTS)}")


_KERNEL_GRAPHS: weakref.WeakKeyDictionary[RoadGraph, KernelGraph] = weakref.WeakKeyDictionary()
_KERNEL_GRAPHS_LOCK = threading.Lock()


def kernel_graph(graph: RoadGraph) -> KernelGraph:
    """Unpack ``graph`` into kernel arguments (computed once per graph, then cached).

    Raises
    ------
    RoutingError
        If an edge has a negative or non-finite travel time or length.
    """
    drop_stale_cache()  # every routing function comes here before its first kernel
    with _KERNEL_GRAPHS_LOCK:
        kg = _KERNEL_GRAPHS.get(graph)
    if kg is not None:
        return kg
    for name in WEIGHTS:
        w = getattr(graph, name)
        bad = ~(np.isfinite(w) & (w >= 0.0))
        if bad.any():
            k = int(np.flatnonzero(bad)[0])
            raise RoutingError(
                f"edge {k} has {name} = {w[k]}: routing needs finite, non-negative weights"
            )
    n = graph.n_nodes
    x_m, y_m = graph.x, graph.y
    src = graph.edge_source
    tw, tb = bucket_width(graph.travel_time_s, n)
    lw, lb = bucket_width(graph.length_m, n)
    kg = KernelGraph(
        n_nodes=n,
        n_edges=graph.n_edges,
        indptr=graph.indptr,
        indices=graph.indices,
        edge_source=src,
        travel_time_s=graph.travel_time_s,
        length_m=graph.length_m,
        x_m=x_m,
        y_m=y_m,
        time_bucket_width=tw,
        time_n_buckets=tb,
        length_bucket_width=lw,
        length_n_buckets=lb,
        time_h_per_m=astar_bound(x_m, y_m, src, graph.indices, graph.travel_time_s),
        length_h_per_m=astar_bound(x_m, y_m, src, graph.indices, graph.length_m),
    )
    with _KERNEL_GRAPHS_LOCK:
        _KERNEL_GRAPHS[graph] = kg
    return kg


@contextmanager
def _dynamic_schedule() -> Iterator[None]:
    """Hand out the chunks of the parallel kernels dynamically, one at a time.

    numba's default splits a ``prange`` statically into one block per thread;
    on a shared machine one slowed-down thread then holds up the whole call.
    The setting is per calling thread and restored afterwards.
    """
    previous = numba.set_parallel_chunksize(1)
    try:
        yield
    finally:
        numba.set_parallel_chunksize(previous)


# ------------------------------------------------------------------------ input checks
def _node(n: int, value: Any, what: str = "node") -> int:
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


def _nodes(n: int, values: ArrayLike, what: str = "nodes") -> NDArray[np.int64]:
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


def _unreachable(graph: RoadGraph, orig: int, dest: int) -> UnreachableError:
    return UnreachableError(
        f"no path from {_where(graph, orig)} to {_where(graph, dest)} (lon, lat)"
    )


def _frozen(a: NDArray[Any]) -> NDArray[Any]:
    a.flags.writeable = False
    return a


def _fmt_bytes(n: float) -> str:
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


def _memory_limit(max_bytes: int | None, name: str = "max_bytes") -> tuple[int | None, str]:
    """The effective byte limit, ``min(max_bytes, available / 2)``, and where it comes from."""
    avail = available_memory_bytes()
    half = None if avail is None else avail // 2
    if max_bytes is None or (half is not None and half < max_bytes):
        return half, "half the available memory"
    return max_bytes, name


def _check_memory(what: str, needed: int, max_bytes: int | None, hint: str) -> None:
    limit, source = _memory_limit(max_bytes)
    if limit is not None and needed > limit:
        raise RoutingError(
            f"{what} needs {_fmt_bytes(needed)} ({needed} bytes), more than the "
            f"{_fmt_bytes(limit)} ({limit} bytes) allowed by {source}; {hint}"
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
        o = _node(graph.n_nodes, origin, "origin")
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
        return _frozen(out)

    def path_edges(self, target: int) -> NDArray[np.int64]:
        """Edges of the path to ``target`` in travel order (empty for the source).

        Raises
        ------
        UnreachableError
            If ``target`` is not reached.
        """
        t = _node(self.pred_edge.shape[0], target, "target")
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
    s = _node(kg.n_nodes, source, "source")
    w, aux_w, width, _, _ = kg.for_weight(weight)
    limit = math.inf if cutoff is None else float(cutoff)
    if math.isnan(limit):
        raise RoutingError("cutoff must be a number, got nan")
    dist, aux, pred = _single_source_kernel(
        kg.indptr,
        kg.indices,
        w,
        aux_w,
        kg.edge_source,
        width,
        s,
        limit,
        kg.dijkstra_workspace(weight),
    )
    time_s, length_m = (dist, aux) if weight == "travel_time_s" else (aux, dist)
    return ShortestPathTree(
        source=s,
        weight=weight,
        travel_time_s=_frozen(time_s),
        length_m=_frozen(length_m),
        pred_edge=_frozen(pred),
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
    o = _node(kg.n_nodes, orig, "origin")
    d = _node(kg.n_nodes, dest, "destination")
    return _astar_route(graph, kg, _weight(weight), o, d, kg.astar_workspace())


def _astar_route(
    graph: RoadGraph, kg: KernelGraph, weight: str, o: int, d: int, ws: tuple[Any, ...]
) -> Route:
    w, aux_w, _, _, h = kg.for_weight(weight)
    cost, aux_cost, edges = astar_path(
        kg.indptr, kg.indices, w, aux_w, kg.edge_source, kg.x_m, kg.y_m, h, o, d, ws
    )
    if cost == math.inf:
        raise _unreachable(graph, o, d)
    time_s, length_m = (cost, aux_cost) if weight == "travel_time_s" else (aux_cost, cost)
    return Route(
        origin=o,
        destination=d,
        nodes=_frozen(path_nodes(edges, kg.indices, o)),
        edges=_frozen(edges),
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
    s = _node(kg.n_nodes, source, "source")
    t = _nodes(kg.n_nodes, targets, "targets")
    w, aux_w, width, _, _ = kg.for_weight(weight)
    cost, _ = _one_to_many_kernel(
        kg.indptr,
        kg.indices,
        w,
        aux_w,
        kg.edge_source,
        width,
        s,
        t.ravel(),
        kg.dijkstra_workspace(weight),
    )
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
    o = _nodes(kg.n_nodes, origins, "origins")
    d = _nodes(kg.n_nodes, destinations, "destinations")
    if o.ndim != 1 or d.ndim != 1:
        raise RoutingError("origins and destinations must be 1-D arrays of node indices")
    dt = _float_dtype(dtype)
    _check_memory(
        f"a {o.size:,} x {d.size:,} {dt.name} matrix",
        o.size * d.size * dt.itemsize,
        max_bytes,
        "ask for fewer origins or destinations at a time",
    )
    w, _, width, n_buckets, _ = kg.for_weight(weight)
    out = np.empty((o.size, d.size), dtype=dt)
    if o.size and d.size:
        with _dynamic_schedule():
            _many_to_many_kernel(kg.indptr, kg.indices, w, width, n_buckets, o, d, out)
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
    o = _nodes(graph.n_nodes, origins, "origins")
    d = _nodes(graph.n_nodes, destinations, "destinations")
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
    w, _, width, n_buckets, _ = kg.for_weight(weight)
    out = np.empty((n, n), dtype=dt)
    with _dynamic_schedule():
        _all_pairs_kernel(kg.indptr, kg.indices, w, width, n_buckets, out)
    return out


def router_matrix_bytes(n_nodes: int) -> int:
    """Bytes of the Router's matrix-mode tables: time and length (float64), pred_edge (int32)."""
    return n_nodes * n_nodes * (8 + 8 + 4)


# ------------------------------------------------------------------------------ Router
class CacheInfo(NamedTuple):
    """Statistics of the Router's query cache."""

    hits: int
    misses: int
    maxsize: int
    currsize: int


class Router:
    """Travel times and routes for the simulator, by lookup or by query.

    Parameters
    ----------
    graph
        The road graph.
    mode
        ``"auto"`` (default): ``"matrix"`` if its tables fit under
        ``max_matrix_bytes`` and half the available memory, else ``"query"``.
        ``"matrix"``: precompute all shortest-path trees (refused with a
        RoutingError if they do not fit). ``"query"``: A* per pair with an LRU cache.
    max_matrix_bytes
        Memory ceiling for the matrix tables (``router_matrix_bytes(n)``:
        20 bytes per node pair).
    cache_size
        Routes kept in query mode (0 disables the cache).

    Attributes
    ----------
    graph : RoadGraph
    mode : {"matrix", "query"}
    kernel_graph : KernelGraph
        The graph's arrays for numba code (query mode: pass them to
        ``_kernels.astar.astar_path`` with a workspace from
        ``_kernels.astar.make_workspace``).

    Notes
    -----
    All routing is on travel time. Unreachable pairs: :meth:`travel_time` and
    :meth:`matrix` return ``inf``; :meth:`route` raises UnreachableError.
    Invalid node indices raise RoutingError. Methods may be called from several
    threads (searches use one workspace per thread).
    """

    def __init__(
        self,
        graph: RoadGraph,
        *,
        mode: Literal["auto", "matrix", "query"] = "auto",
        max_matrix_bytes: int = DEFAULT_MAX_MATRIX_BYTES,
        cache_size: int = DEFAULT_CACHE_SIZE,
    ) -> None:
        drop_stale_cache()
        if mode not in ("auto", "matrix", "query"):
            raise RoutingError(f"mode must be 'auto', 'matrix' or 'query', got {mode!r}")
        if cache_size < 0:
            raise RoutingError(f"cache_size must be >= 0, got {cache_size}")
        self.graph = graph
        self.kernel_graph = kernel_graph(graph)
        self._n = self.kernel_graph.n_nodes
        needed = router_matrix_bytes(self._n)
        limit, source = _memory_limit(max_matrix_bytes, "max_matrix_bytes")
        fits = limit is None or needed <= limit
        sizes = f"tables need {_fmt_bytes(needed)}, limit {_fmt_bytes(limit or 0)} from {source}"
        if mode == "matrix" and not fits:
            raise RoutingError(
                f"Router matrix tables for {self._n:,} nodes need {_fmt_bytes(needed)} "
                f"({needed} bytes), more than the {_fmt_bytes(limit or 0)} ({limit} bytes) "
                f"allowed by {source}; use mode='query' or raise max_matrix_bytes"
            )
        self.mode: str = ("matrix" if fits else "query") if mode == "auto" else mode
        log.info(
            "Router: %s mode for %d nodes (%s; %s)",
            self.mode,
            self._n,
            "chosen by mode='auto'" if mode == "auto" else "requested",
            sizes,
        )
        self._cache_size = int(cache_size)
        self._cache: OrderedDict[tuple[int, int], Route | None] = OrderedDict()
        self._cache_lock = threading.Lock()
        self._hits = 0
        self._misses = 0
        self._time_s: NDArray[np.float64] | None = None
        self._length_m: NDArray[np.float64] | None = None
        self._pred_edge: NDArray[np.int32] | None = None
        if self.mode == "matrix":
            self._build_matrix()

    def _build_matrix(self) -> None:
        kg = self.kernel_graph
        n = self._n
        time_s = np.full((n, n), np.inf)
        length_m = np.full((n, n), np.inf)
        pred = np.full((n, n), -1, dtype=np.int32)
        with _dynamic_schedule():
            _all_pairs_tree_kernel(
                kg.indptr,
                kg.indices,
                kg.travel_time_s,
                kg.length_m,
                kg.edge_source,
                kg.time_bucket_width,
                kg.time_n_buckets,
                time_s,
                length_m,
                pred,
            )
        self._time_s = _frozen(time_s)
        self._length_m = _frozen(length_m)
        self._pred_edge = _frozen(pred)

    # ------------------------------------------------------------------ tables
    def _table(self, name: str) -> NDArray[Any]:
        table = getattr(self, "_" + name)
        if table is None:
            raise RoutingError(
                f"Router.{name} exists only in matrix mode; this router is in query mode"
            )
        return table  # type: ignore[no-any-return]

    @property
    def time_s(self) -> NDArray[np.float64]:
        """Shortest travel times, n x n float64 (read-only); ``inf`` if unreachable. Matrix mode."""
        return self._table("time_s")

    @property
    def length_m(self) -> NDArray[np.float64]:
        """Length in metres along the fastest path, n x n float64 (read-only). Matrix mode."""
        return self._table("length_m")

    @property
    def pred_edge(self) -> NDArray[np.int32]:
        """Last edge of the fastest path ``s -> v``, n x n int32 (read-only). Matrix mode.

        ``-1`` for ``v == s`` and unreachable ``v``. Row ``s`` with
        ``_kernels.paths.path_edges(row, edge_source, s, t)`` gives the edges.
        """
        return self._table("pred_edge")

    @cached_property
    def time_to_s(self) -> NDArray[np.float64]:
        """``time_s`` transposed and contiguous: row ``v`` holds the times *to* ``v``.

        Built once per Router (matrix mode); the dispatcher reads columns of
        ``time_s`` through it so that they stay in cache.
        """
        return _frozen(np.ascontiguousarray(self._table("time_s").T))

    @property
    def n_nodes(self) -> int:
        """Number of nodes of the graph."""
        return self._n

    # ----------------------------------------------------------------- queries
    def travel_time(self, orig: Any, dest: Any) -> Any:
        """Shortest travel time in seconds; ``inf`` if unreachable.

        Scalars give a float; arrays (broadcast against each other) give a
        float64 array of pairwise times.
        """
        n = self._n
        if type(orig) is int and type(dest) is int and 0 <= orig < n and 0 <= dest < n:
            if self._time_s is not None:
                return float(self._time_s[orig, dest])
            route = self._query(orig, dest)
            return math.inf if route is None else route.travel_time_s
        if np.ndim(orig) == 0 and np.ndim(dest) == 0:
            o = _node(n, orig, "origin")
            d = _node(n, dest, "destination")
            return self.travel_time(o, d)
        o_arr, d_arr = np.broadcast_arrays(
            _nodes(n, orig, "origins"), _nodes(n, dest, "destinations")
        )
        if self._time_s is not None:
            return self._time_s[o_arr, d_arr]
        out = np.empty(o_arr.shape, dtype=np.float64)
        for idx, (o, d) in enumerate(
            zip(o_arr.ravel().tolist(), d_arr.ravel().tolist(), strict=True)
        ):
            route = self._query(o, d)
            out.flat[idx] = math.inf if route is None else route.travel_time_s
        return out

    def route(self, orig: Any, dest: Any) -> Route:
        """The fastest path from ``orig`` to ``dest``.

        Raises
        ------
        UnreachableError
            If there is no path (the message names both nodes and their lon/lat).
        RoutingError
            If a node index is invalid.
        """
        o = _node(self._n, orig, "origin")
        d = _node(self._n, dest, "destination")
        time_tab, length_tab, pred_tab = self._time_s, self._length_m, self._pred_edge
        if time_tab is not None and length_tab is not None and pred_tab is not None:
            time_s = float(time_tab[o, d])
            if time_s == math.inf:
                raise _unreachable(self.graph, o, d)
            kg = self.kernel_graph
            edges = path_edges(pred_tab[o], kg.edge_source, o, d)
            return Route(
                origin=o,
                destination=d,
                nodes=_frozen(path_nodes(edges, kg.indices, o)),
                edges=_frozen(edges),
                travel_time_s=time_s,
                length_m=float(length_tab[o, d]),
            )
        route = self._query(o, d)
        if route is None:
            raise _unreachable(self.graph, o, d)
        return route

    def single_source(self, orig: Any, *, cutoff: float | None = None) -> ShortestPathTree:
        """Fastest paths from ``orig`` to every node (see :func:`single_source`).

        In matrix mode the tree is read from the tables (no search).
        """
        o = _node(self._n, orig, "source")
        if self._time_s is None or self._length_m is None or self._pred_edge is None:
            return single_source(self.graph, o, cutoff=cutoff)
        time_s, length_m, pred = self._time_s[o], self._length_m[o], self._pred_edge[o]
        if cutoff is not None:
            limit = float(cutoff)
            if math.isnan(limit):
                raise RoutingError("cutoff must be a number, got nan")
            far = time_s > limit
            if far.any():
                time_s = _frozen(np.where(far, np.inf, time_s))
                length_m = _frozen(np.where(far, np.inf, length_m))
                pred = _frozen(np.where(far, -1, pred).astype(np.int32))
        kg = self.kernel_graph
        return ShortestPathTree(
            source=o,
            weight="travel_time_s",
            travel_time_s=time_s,
            length_m=length_m,
            pred_edge=pred,
            _edge_source=kg.edge_source,
            _indices=kg.indices,
        )

    def matrix(self, origins: ArrayLike, destinations: ArrayLike) -> NDArray[np.float64]:
        """Travel times ``origins x destinations`` (float64, ``inf`` if unreachable)."""
        o = _nodes(self._n, origins, "origins")
        d = _nodes(self._n, destinations, "destinations")
        if o.ndim != 1 or d.ndim != 1:
            raise RoutingError("origins and destinations must be 1-D arrays of node indices")
        if self._time_s is not None:
            return self._time_s[np.ix_(o, d)]
        return cost_matrix(self.graph, o, d)

    # ------------------------------------------------------------ query cache
    def _query(self, o: int, d: int) -> Route | None:
        """A* route from ``o`` to ``d`` (valid indices) through the LRU cache; None if unreachable."""
        key = (o, d)
        if self._cache_size:
            with self._cache_lock:
                if key in self._cache:
                    self._cache.move_to_end(key)
                    self._hits += 1
                    return self._cache[key]
        try:
            route: Route | None = _astar_route(
                self.graph,
                self.kernel_graph,
                "travel_time_s",
                o,
                d,
                self.kernel_graph.astar_workspace(),
            )
        except UnreachableError:
            route = None
        with self._cache_lock:
            self._misses += 1
            if self._cache_size:
                self._cache[key] = route
                if len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        return route

    def cache_info(self) -> CacheInfo:
        """Hits, misses, capacity and current size of the query cache."""
        with self._cache_lock:
            return CacheInfo(self._hits, self._misses, self._cache_size, len(self._cache))

    def cache_clear(self) -> None:
        """Empty the query cache and reset its statistics."""
        with self._cache_lock:
            self._cache.clear()
            self._hits = self._misses = 0

    def __repr__(self) -> str:
        return f"Router(mode={self.mode!r}, n_nodes={self._n})"


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
        road_class=np.zeros(4),
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
