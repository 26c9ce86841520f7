"""The :class:`Router`: travel times and routes for the simulator, by lookup or by query.

In ``"matrix"`` mode it precomputes all shortest-path trees (times, lengths
along the fastest paths and predecessor edges) and answers with array lookups;
in ``"query"`` mode it runs A* per pair behind a bounded LRU cache.
``mode="auto"`` picks the matrix when its tables fit under ``max_matrix_bytes``
(and half the available memory). Import it from :mod:`klshuttle.routing`.
"""

from __future__ import annotations

import logging
import math
import threading
from collections import OrderedDict
from functools import cached_property
from typing import Any, Literal, NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._kernels import drop_stale_cache
from ._kernels.matrix import all_pairs_tree as _all_pairs_tree_kernel
from ._kernels.paths import path_edges, path_nodes
from .errors import RoutingError, UnreachableError
from .graph import RoadGraph
from .kernelgraph import dynamic_schedule, kernel_graph
from .shortest_paths import (
    Route,
    ShortestPathTree,
    astar_route,
    cost_matrix,
    fmt_bytes,
    frozen,
    memory_limit,
    node_index,
    node_indices,
    single_source,
    unreachable_error,
)

__all__ = [
    "DEFAULT_CACHE_SIZE",
    "DEFAULT_MAX_MATRIX_BYTES",
    "CacheInfo",
    "Router",
    "router_matrix_bytes",
]

# The Router logs under the public module's name, as it did before it had a
# module of its own (the CLI prints logger names).
log = logging.getLogger("klshuttle.routing")

#: Default ceiling for the Router's precomputed tables (time, length, predecessor).
DEFAULT_MAX_MATRIX_BYTES = 1 << 30

#: Default number of routes the Router keeps in query mode.
DEFAULT_CACHE_SIZE = 10_000


def router_matrix_bytes(n_nodes: int) -> int:
    """Bytes of the Router's matrix-mode tables: time and length (float64), pred_edge (int32)."""
    return n_nodes * n_nodes * (8 + 8 + 4)


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
        limit, source = memory_limit(max_matrix_bytes, "max_matrix_bytes")
        fits = limit is None or needed <= limit
        sizes = f"tables need {fmt_bytes(needed)}, limit {fmt_bytes(limit or 0)} from {source}"
        if mode == "matrix" and not fits:
            raise RoutingError(
                f"Router matrix tables for {self._n:,} nodes need {fmt_bytes(needed)} "
                f"({needed} bytes), more than the {fmt_bytes(limit or 0)} ({limit} bytes) "
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
        with dynamic_schedule():
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
        self._time_s = frozen(time_s)
        self._length_m = frozen(length_m)
        self._pred_edge = frozen(pred)

    # ------------------------------------------------------------------ tables
    def _table(self, name: str) -> NDArray[Any]:
        table = getattr(self, "_" + name)
        if table is None:
            raise RoutingError(
                f"Router.{name} exists only in matrix mode; this router is in query mode"
            )
        return table

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
        return frozen(np.ascontiguousarray(self._table("time_s").T))

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
            o = node_index(n, orig, "origin")
            d = node_index(n, dest, "destination")
            return self.travel_time(o, d)
        o_arr, d_arr = np.broadcast_arrays(
            node_indices(n, orig, "origins"), node_indices(n, dest, "destinations")
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
        o = node_index(self._n, orig, "origin")
        d = node_index(self._n, dest, "destination")
        time_tab, length_tab, pred_tab = self._time_s, self._length_m, self._pred_edge
        if time_tab is not None and length_tab is not None and pred_tab is not None:
            time_s = float(time_tab[o, d])
            if time_s == math.inf:
                raise unreachable_error(self.graph, o, d)
            kg = self.kernel_graph
            edges = path_edges(pred_tab[o], kg.edge_source, o, d)
            return Route(
                origin=o,
                destination=d,
                nodes=frozen(path_nodes(edges, kg.indices, o)),
                edges=frozen(edges),
                travel_time_s=time_s,
                length_m=float(length_tab[o, d]),
            )
        route = self._query(o, d)
        if route is None:
            raise unreachable_error(self.graph, o, d)
        return route

    def single_source(self, orig: Any, *, cutoff: float | None = None) -> ShortestPathTree:
        """Fastest paths from ``orig`` to every node (see :func:`single_source`).

        In matrix mode the tree is read from the tables (no search).
        """
        o = node_index(self._n, orig, "source")
        if self._time_s is None or self._length_m is None or self._pred_edge is None:
            return single_source(self.graph, o, cutoff=cutoff)
        time_s, length_m, pred = self._time_s[o], self._length_m[o], self._pred_edge[o]
        if cutoff is not None:
            limit = float(cutoff)
            if math.isnan(limit):
                raise RoutingError("cutoff must be a number, got nan")
            far = time_s > limit
            if far.any():
                time_s = frozen(np.where(far, np.inf, time_s))
                length_m = frozen(np.where(far, np.inf, length_m))
                pred = frozen(np.where(far, -1, pred).astype(np.int32))
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
        o = node_indices(self._n, origins, "origins")
        d = node_indices(self._n, destinations, "destinations")
        if o.ndim != 1 or d.ndim != 1:
            raise RoutingError("origins and destinations must be 1-D arrays of node indices")
        if self._time_s is not None:
            return self._time_s[np.ix_(o, d)]
        return cost_matrix(self.graph, o, d).astype(np.float64, copy=False)  # float64 already

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
            route: Route | None = astar_route(
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
