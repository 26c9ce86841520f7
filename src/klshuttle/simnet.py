"""The road network as the simulation kernels read it: all-pairs tables or a hierarchy.

:func:`net_tables` (in :mod:`klshuttle.sim`) unpacks a matrix-mode
:class:`~klshuttle.routing.Router`; :func:`sparse_net` builds a
:class:`~klshuttle._kernels.simstate.SparseNet` from the graph's contraction
hierarchy, for graphs whose all-pairs tables do not fit in memory (20 bytes
per node pair: 46 GB for 48,000 nodes). Its memory grows with the number of
nodes, not its square: the hierarchy, one path buffer per vehicle and a
bounded cache of upward search spaces (``cache_bytes``). Line service reads
:class:`NodeTables`: times, lengths and paths between its stops and depots
only, from the hierarchy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._kernels import sparse as _ksparse
from ._kernels.ch_query import make_workspace
from ._kernels.simstate import Net, SparseNet
from .ch import contraction_hierarchy
from .errors import RoutingError
from .graph import RoadGraph
from .shortest_paths import node_index

__all__ = [
    "DEFAULT_CACHE_BYTES",
    "NodeTables",
    "net_nodes",
    "node_tables",
    "pair_times_lengths",
    "sparse_net",
    "travel_times",
]

#: Default memory for the cache of upward search spaces (12 bytes an entry).
DEFAULT_CACHE_BYTES = 256 * 1024 * 1024


def net_nodes(net: Net | SparseNet) -> int:
    """Number of road nodes of a kernel network."""
    if isinstance(net, SparseNet):
        return int(net.rank.shape[0])
    return int(net.time_s.shape[0])


def travel_times(
    net: Net | SparseNet, origins: ArrayLike, destinations: ArrayLike
) -> NDArray[np.float64]:
    """Travel times ``origins x destinations`` in seconds (``inf`` if unreachable)."""
    o = np.asarray(origins, dtype=np.int64)
    d = np.asarray(destinations, dtype=np.int64)
    if isinstance(net, SparseNet):
        return _ksparse.time_matrix(net, o, d)
    return np.asarray(net.time_s[np.ix_(o, d)], dtype=np.float64)


def pair_times_lengths(
    net: Net | SparseNet, origins: ArrayLike, destinations: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Travel time and length of the fastest path of each pair ``(origins[i], destinations[i])``."""
    o = np.asarray(origins, dtype=np.int64)
    d = np.asarray(destinations, dtype=np.int64)
    if isinstance(net, SparseNet):
        time_s, length_m = _ksparse.pair_times_lengths(net, o, d)
        return time_s, length_m
    return (
        np.asarray(net.time_s[o, d], dtype=np.float64),
        np.asarray(net.length_m[o, d], dtype=np.float64),
    )


def sparse_net(
    graph: RoadGraph, *, n_vehicles: int = 1, cache_bytes: int = DEFAULT_CACHE_BYTES
) -> SparseNet:
    """The kernels' network for ``graph`` from its contraction hierarchy (travel time).

    Parameters
    ----------
    graph
        The road graph; its hierarchy is built on first use and kept
        (:func:`klshuttle.ch.contraction_hierarchy`).
    n_vehicles
        Vehicles of the simulation (one cached time per vehicle; a simulation
        with more vehicles grows it).
    cache_bytes
        Memory for the cached search spaces, at least enough for one space
        per node of the graph at a time (about 12 bytes per node): when
        full, the cache is emptied and filled again.

    Raises
    ------
    RoutingError
        If ``cache_bytes`` is too small for the graph.
    """
    n = graph.n_nodes
    entries = int(cache_bytes) // 12
    if entries < 4 * n:
        raise RoutingError(
            f"cache_bytes {cache_bytes} is too small for a graph of {n:,} nodes "
            f"(at least {48 * n} bytes)"
        )
    ch = contraction_hierarchy(graph, "travel_time_s")
    up: Any = ch._up
    down: Any = ch._down
    unpack: Any = ch._unpack
    ws = make_workspace(n, max(int(up[1].shape[0]), int(down[1].shape[0])))
    slots = min(2 * n, max(entries // 8, 1024))
    return SparseNet(
        rank=ch.rank,
        up_indptr=up[0],
        up_head=up[1],
        up_w=up[2],
        up_edge=up[3],
        dn_indptr=down[0],
        dn_head=down[1],
        dn_w=down[2],
        dn_edge=down[3],
        e_src_rank=unpack[0],
        e_dst_rank=unpack[1],
        e_child1=unpack[2],
        e_child2=unpack[3],
        e_orig=unpack[4],
        edge_source=graph.edge_source,
        edge_target=graph.indices,
        edge_time_s=graph.travel_time_s,
        edge_length_m=graph.length_m,
        sp_slot=np.full(2 * n, -1, dtype=np.int64),
        sp_key=np.zeros(slots, dtype=np.int64),
        sp_start=np.zeros(slots, dtype=np.int64),
        sp_len=np.zeros(slots, dtype=np.int64),
        sp_hub=np.zeros(entries, dtype=np.int32),
        sp_dist=np.zeros(entries),
        sp_stats=np.zeros(4, dtype=np.int64),
        dense=np.full((n, 5), np.inf),
        dense_touched=np.zeros((5, n), dtype=np.int32),
        dense_count=np.zeros(5, dtype=np.int64),
        rows=np.full((4, n), np.inf),
        pos_tt=np.zeros(max(int(n_vehicles), 1)),
        q_df=ws[0],
        q_db=ws[1],
        q_pf=ws[2],
        q_pb=ws[3],
        q_tf=ws[4],
        q_tb=ws[5],
        q_hkf=ws[6],
        q_hkb=ws[7],
        q_hnf=ws[8],
        q_hnb=ws[9],
    )


@dataclass(frozen=True)
class NodeTables:
    """Travel times, lengths and fastest paths between the few nodes a line service
    uses (stops, waypoints, depots), from a contraction hierarchy: a table over
    those pairs only, filled as they are asked.
    """

    _net: SparseNet = field(repr=False)
    _pairs: dict[tuple[int, int], tuple[float, float, NDArray[np.int64]]] = field(
        default_factory=dict, repr=False
    )

    def _pair(self, a: int, b: int) -> tuple[float, float, NDArray[np.int64]]:
        key = (int(a), int(b))
        hit = self._pairs.get(key)
        if hit is None:
            n = net_nodes(self._net)
            key = (node_index(n, key[0], "origin"), node_index(n, key[1], "destination"))
            time_s, edges = _ksparse.pair_path(self._net, key[0], key[1])
            hit = (float(time_s), float(self._net.edge_length_m[edges].sum()), edges)
            if time_s == np.inf:
                hit = (np.inf, np.inf, edges)
            self._pairs[key] = hit
        return hit

    def time(self, a: int, b: int) -> float:
        """Travel time ``a -> b`` in seconds (``inf`` if unreachable)."""
        return self._pair(a, b)[0]

    def length(self, a: int, b: int) -> float:
        """Length of the fastest path ``a -> b`` in metres."""
        return self._pair(a, b)[1]

    def path_edges(self, a: int, b: int) -> NDArray[np.int64]:
        """Road edges of the fastest path ``a -> b`` in travel order."""
        return self._pair(a, b)[2]

    def __len__(self) -> int:
        return len(self._pairs)


def node_tables(net: SparseNet) -> NodeTables:
    """An empty :class:`NodeTables` on ``net``'s hierarchy."""
    return NodeTables(net)
