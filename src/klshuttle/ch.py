"""Contraction hierarchies: point-to-point shortest paths in microseconds, no tables.

:func:`contraction_hierarchy` preprocesses a :class:`~klshuttle.graph.RoadGraph`
once (numba, ``_kernels/ch_build.py``): it contracts the nodes one by one and
adds shortcut edges that keep every shortest distance. A query
(``_kernels/ch_query.py``) is then a bidirectional Dijkstra that only climbs
the hierarchy, with stall-on-demand, and touches a few hundred nodes instead
of the whole graph. The answers are the exact shortest distances (up to the
order in which floating-point weights are added); paths come back as the road
graph's CSR edge indices, like every other routing function.

Use it where all-pairs tables do not fit (:class:`~klshuttle.router.Router`
needs ``n_nodes ** 2`` table entries) or where a few thousand pairs are asked
at once::

    ch = contraction_hierarchy(graph)          # seconds, once per graph
    ch.distances(origins, destinations)        # travel times of many pairs, in parallel
    ch.distance(o, d), ch.path_edges(o, d)     # one pair

The hierarchy is kept per graph and weight for the life of the graph.
"""

from __future__ import annotations

import threading
import time
import weakref
from dataclasses import dataclass, field
from typing import Any

import numba
import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._kernels.ch_build import contract
from ._kernels.ch_query import distances as _distances_kernel
from ._kernels.ch_query import distances_serial, make_workspace, query, query_path
from .errors import RoutingError
from .graph import RoadGraph
from .kernelgraph import Weight, kernel_graph
from .shortest_paths import frozen, node_index, node_indices

__all__ = [
    "HOP_LIMIT",
    "PARALLEL_MIN_PAIRS",
    "SETTLE_LIMIT",
    "ContractionHierarchy",
    "contraction_hierarchy",
]

#: Witness searches stop after settling this many nodes ...
SETTLE_LIMIT = 500
#: ... or at paths of this many edges (either only adds shortcuts, never errors).
HOP_LIMIT = 16
#: Batches of at least this many pairs run on all numba threads. A query takes
#: a few microseconds, so a smaller batch gains less from a second thread than
#: it loses to starting the threads and waiting for them on a shared machine
#: (1,000 pairs at load 6 on 2 cores: 9 ms in one thread, 16 ms in two).
PARALLEL_MIN_PAIRS = 20_000


def _csr(
    n: int, tail: NDArray[np.int32], head: NDArray[np.int32], w: NDArray[np.float64]
) -> tuple[NDArray[np.int64], NDArray[np.int32], NDArray[np.float64], NDArray[np.int64]]:
    """Hierarchy edges ``tail -> head`` (rank space) as CSR by tail; the edge ids ride along."""
    edge = np.arange(tail.shape[0], dtype=np.int64)
    order = np.lexsort((head, tail))
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(tail, minlength=n), out=indptr[1:])
    return (
        frozen(indptr),
        frozen(np.ascontiguousarray(head[order], dtype=np.int32)),
        frozen(np.ascontiguousarray(w[order])),
        frozen(edge[order]),
    )


@dataclass(frozen=True, eq=False)
class ContractionHierarchy:
    """A contraction hierarchy of one graph and weight (build with :func:`contraction_hierarchy`).

    Attributes
    ----------
    n_nodes : int
        Nodes of the road graph.
    weight : str
        The minimised edge weight (``"travel_time_s"`` or ``"length_m"``).
    rank : ndarray of int32, shape (n_nodes,)
        Contraction position of each node (higher is more important).
    n_shortcuts : int
        Shortcut edges added by the preprocessing.
    n_edges : int
        Hierarchy edges: the road graph's distinct node pairs plus the shortcuts.
    build_s : float
        Preprocessing wall time in seconds.
    """

    n_nodes: int
    weight: str
    rank: NDArray[np.int32]
    n_shortcuts: int
    n_edges: int
    build_s: float
    _up: tuple[Any, Any, Any, Any] = field(repr=False)
    _down: tuple[Any, Any, Any, Any] = field(repr=False)
    _unpack: tuple[Any, Any, Any, Any, Any] = field(repr=False)
    _local: threading.local = field(default_factory=threading.local, repr=False)

    def _ws(self) -> tuple[Any, ...]:
        ws = getattr(self._local, "ws", None)
        if ws is None:
            ws = make_workspace(self.n_nodes, max(self._up[1].shape[0], self._down[1].shape[0]))
            self._local.ws = ws
        return ws

    def distance(self, orig: int, dest: int) -> float:
        """Shortest distance (in the weight's unit) from ``orig`` to ``dest``; ``inf`` if unreachable."""
        o = node_index(self.n_nodes, orig, "origin")
        d = node_index(self.n_nodes, dest, "destination")
        r = self.rank
        return float(query(*self._up, *self._down, int(r[o]), int(r[d]), self._ws(), False)[0])

    def path_edges(self, orig: int, dest: int) -> tuple[float, NDArray[np.int64]]:
        """Distance and the road graph's CSR edges (travel order) of a shortest path.

        The edges are empty when ``orig == dest`` or the destination is
        unreachable (distance ``inf``).
        """
        o = node_index(self.n_nodes, orig, "origin")
        d = node_index(self.n_nodes, dest, "destination")
        r = self.rank
        dist, edges = query_path(
            *self._up, *self._down, *self._unpack, int(r[o]), int(r[d]), self._ws()
        )
        return float(dist), edges

    def distances(self, origins: ArrayLike, destinations: ArrayLike) -> NDArray[np.float64]:
        """Shortest distances of many pairs ``(origins[i], destinations[i])``.

        Batches of :data:`PARALLEL_MIN_PAIRS` pairs or more run in parallel.

        Parameters
        ----------
        origins, destinations
            Node indices of equal length.

        Returns
        -------
        ndarray of float64
            One distance per pair, ``inf`` where unreachable.
        """
        o = node_indices(self.n_nodes, origins, "origins").ravel()
        d = node_indices(self.n_nodes, destinations, "destinations").ravel()
        if o.shape != d.shape:
            raise RoutingError(f"origins and destinations differ in length ({o.size} and {d.size})")
        r = self.rank.astype(np.int64)
        if o.size < PARALLEL_MIN_PAIRS:
            return distances_serial(*self._up, *self._down, r[o], r[d], self._ws())
        # A few chunks per thread: numba hands them out as threads free up.
        n_chunks = 4 * numba.get_num_threads()
        return _distances_kernel(*self._up, *self._down, r[o], r[d], n_chunks)


_CACHE: weakref.WeakKeyDictionary[RoadGraph, dict[str, ContractionHierarchy]] = (
    weakref.WeakKeyDictionary()
)
_LOCK = threading.Lock()


def contraction_hierarchy(
    graph: RoadGraph, weight: Weight = "travel_time_s"
) -> ContractionHierarchy:
    """The contraction hierarchy of ``graph`` for ``weight`` (built once, then kept).

    Raises
    ------
    RoutingError
        If the weight is unknown or an edge weight is negative or not finite.
    """
    kg = kernel_graph(graph)  # checks the weights
    w = kg.for_weight(weight)[0]
    with _LOCK:
        per_graph = _CACHE.setdefault(graph, {})
        ch = per_graph.get(weight)
    if ch is not None:
        return ch
    t0 = time.perf_counter()
    rank, e_src, e_dst, e_w, c1, c2, orig = contract(
        kg.indptr, kg.indices, w, SETTLE_LIMIT, HOP_LIMIT
    )
    n = kg.n_nodes
    rs = rank[e_src]
    rd = rank[e_dst]
    upward = rs < rd
    up = _csr(n, rs[upward], rd[upward], e_w[upward])
    down = _csr(n, rd[~upward], rs[~upward], e_w[~upward])
    # _csr numbered the edges of each half from 0: map them back to hierarchy ids.
    up_ids = np.flatnonzero(upward)
    down_ids = np.flatnonzero(~upward)
    up = (up[0], up[1], up[2], frozen(up_ids[up[3]]))
    down = (down[0], down[1], down[2], frozen(down_ids[down[3]]))
    unpack = (frozen(rs), frozen(rd), frozen(c1), frozen(c2), frozen(orig))
    ch = ContractionHierarchy(
        n_nodes=n,
        weight=weight,
        rank=frozen(rank),
        n_shortcuts=int((orig < 0).sum()),
        n_edges=int(e_src.shape[0]),
        build_s=time.perf_counter() - t0,
        _up=up,
        _down=down,
        _unpack=unpack,
    )
    with _LOCK:
        return _CACHE.setdefault(graph, {}).setdefault(weight, ch)
