"""A :class:`~klshuttle.graph.RoadGraph` unpacked into the arguments the routing kernels take.

:func:`kernel_graph` is the one place that turns a graph into kernel arguments:
the CSR arrays, node coordinates in metres, the Dijkstra priority queue per
weight (:func:`bucket_width`) and the A* bound per weight (:func:`astar_bound`).
It checks the weights once per graph and caches the result.
"""

from __future__ import annotations

import math
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

import numba
import numpy as np
from numpy.typing import NDArray

from ._kernels import drop_stale_cache
from ._kernels.astar import make_workspace as make_astar_workspace
from ._kernels.dijkstra import make_workspace as make_dijkstra_workspace
from .errors import RoutingError
from .graph import RoadGraph

__all__ = [
    "MAX_BUCKETS",
    "WEIGHTS",
    "AstarArgs",
    "KernelGraph",
    "MatrixArgs",
    "SearchArgs",
    "Weight",
    "astar_bound",
    "bucket_width",
    "dynamic_schedule",
    "kernel_graph",
]

Weight = Literal["travel_time_s", "length_m"]

#: Edge weights a search can minimise.
WEIGHTS: tuple[str, ...] = ("travel_time_s", "length_m")

#: ``(indptr, indices, weight, aux_weight, edge_source, bucket_width)``.
SearchArgs = tuple[
    NDArray[np.int64],
    NDArray[np.int32],
    NDArray[np.float64],
    NDArray[np.float64],
    NDArray[np.int32],
    float,
]
#: ``(indptr, indices, weight, bucket_width, n_buckets)``.
MatrixArgs = tuple[NDArray[np.int64], NDArray[np.int32], NDArray[np.float64], float, int]
#: ``(indptr, indices, weight, aux_weight, edge_source, x_m, y_m, h_per_m)``.
AstarArgs = tuple[
    NDArray[np.int64],
    NDArray[np.int32],
    NDArray[np.float64],
    NDArray[np.float64],
    NDArray[np.int32],
    NDArray[np.float64],
    NDArray[np.float64],
    float,
]

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
        return ws

    def astar_workspace(self) -> tuple[Any, ...]:
        """A clean A* workspace for this graph, one per thread."""
        ws = getattr(self._local, "astar", None)
        if ws is None:
            ws = make_astar_workspace(self.n_nodes, self.n_edges)
            self._local.astar = ws
        return ws

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

    def search_args(self, weight: str) -> SearchArgs:
        """The graph arguments of the one-source Dijkstra kernels, for a weight name.

        ``(indptr, indices, weight, aux_weight, edge_source, bucket_width)``, the
        leading arguments of ``_kernels.dijkstra.single_source`` and
        ``_kernels.matrix.one_to_many``.
        """
        w, aux_w, width, _, _ = self.for_weight(weight)
        return (self.indptr, self.indices, w, aux_w, self.edge_source, width)

    def matrix_args(self, weight: str) -> MatrixArgs:
        """The graph arguments of the cost-only matrix kernels, for a weight name.

        ``(indptr, indices, weight, bucket_width, n_buckets)``, the leading
        arguments of ``_kernels.matrix.many_to_many`` and ``_kernels.matrix.all_pairs``.
        """
        w, _, width, n_buckets, _ = self.for_weight(weight)
        return (self.indptr, self.indices, w, width, n_buckets)

    def astar_args(self, weight: str) -> AstarArgs:
        """The graph arguments of ``_kernels.astar.astar_path``, for a weight name.

        ``(indptr, indices, weight, aux_weight, edge_source, x_m, y_m, h_per_m)``.
        """
        w, aux_w, _, _, h = self.for_weight(weight)
        return (self.indptr, self.indices, w, aux_w, self.edge_source, self.x_m, self.y_m, h)


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
def dynamic_schedule() -> Iterator[None]:
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
