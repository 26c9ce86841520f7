"""What the simulation kernels ask of the road network, for tables or a hierarchy (numba).

The kernels are written once against these functions; numba compiles each for
the network it is given (``numba.extending.overload``, chosen by type):

* :class:`~.simstate.Net`: the all-pairs tables; every answer is a lookup,
  exactly as the kernels read the tables before this module existed;
* :class:`~.simstate.SparseNet`: a contraction hierarchy (:mod:`.sparse`).

The plain-Python bodies below only say what each function returns; calling
them outside a kernel raises.
"""

from __future__ import annotations

from typing import Any

from numba.extending import overload

from . import sparse as _sp
from .simstate import SparseNet

__all__ = ["fill_path", "first_time", "leg_end_time", "leg_length", "pair_time", "request_rows"]


def _is_sparse(net: Any) -> bool:
    return getattr(net, "instance_class", None) is SparseNet


def _kernel_only(name: str) -> NotImplementedError:
    return NotImplementedError(f"{name} is called from numba kernels only")


def pair_time(net, a, b):
    """Shortest travel time ``a -> b`` in seconds."""
    raise _kernel_only("pair_time")


def request_rows(net, veh, req, r, now, max_plan, nearest_idle):
    """``(from_p, to_p, from_d, to_d)``: times from and to request ``r``'s pickup
    and drop-off, indexed by node; valid at every node the insertion search of
    ``r`` reads (vehicle positions, plan stops, the drop-off)."""
    raise _kernel_only("request_rows")


def first_time(net, v, pos, node):
    """Travel time from vehicle ``v``'s position ``pos`` to its first plan stop
    ``node`` (for :func:`request_rows`' request)."""
    raise _kernel_only("first_time")


def fill_path(net, veh, v, a, b):
    """Write the path ``a -> b`` into vehicle ``v``'s path buffers (nodes, and the
    edge into each); the number of edges, -1 if there is no path."""
    raise _kernel_only("fill_path")


def leg_end_time(net, veh, v, a, b, n, t0):
    """Arrival time of a leg ``a -> b`` of ``n`` edges (buffered in ``veh``) begun at ``t0``."""
    raise _kernel_only("leg_end_time")


def leg_length(net, veh, v, a, b, idx):
    """Metres of vehicle ``v``'s leg from ``a`` to ``b``, its path node ``idx``."""
    raise _kernel_only("leg_length")


@overload(pair_time)
def _ol_pair_time(net, a, b):
    if _is_sparse(net):
        return lambda net, a, b: _sp.pair_time(net, a, b)
    return lambda net, a, b: net.time_s[a, b]


@overload(request_rows)
def _ol_request_rows(net, veh, req, r, now, max_plan, nearest_idle):
    if _is_sparse(net):

        def sparse_rows(net, veh, req, r, now, max_plan, nearest_idle):
            return _sp.request_rows(net, veh, req, r, now, max_plan, nearest_idle)

        return sparse_rows

    def table_rows(net, veh, req, r, now, max_plan, nearest_idle):
        P = req.pickup_node[r]
        D = req.dropoff_node[r]
        # the same four rows every vehicle reads, which stay in cache
        return net.time_s[P], net.time_s_t[P], net.time_s[D], net.time_s_t[D]

    return table_rows


@overload(first_time)
def _ol_first_time(net, v, pos, node):
    if _is_sparse(net):
        return lambda net, v, pos, node: net.pos_tt[v]
    return lambda net, v, pos, node: net.time_s[pos, node]


@overload(fill_path)
def _ol_fill_path(net, veh, v, a, b):
    if _is_sparse(net):
        return lambda net, veh, v, a, b: _sp.fill_path(net, veh, v, a, b)

    def table_path(net, veh, v, a, b):
        # walk the predecessor edges of row a back from b
        n = 0
        x = b
        while x != a:
            e = net.pred_edge[a, x]
            if e < 0:
                return -1
            x = net.edge_source[e]
            n += 1
        idx = n
        x = b
        veh.path_node[v, idx] = b
        while x != a:
            e = net.pred_edge[a, x]
            veh.path_edge[v, idx] = e
            x = net.edge_source[e]
            idx -= 1
            veh.path_node[v, idx] = x
        veh.path_edge[v, 0] = -1
        return n

    return table_path


@overload(leg_end_time)
def _ol_leg_end_time(net, veh, v, a, b, n, t0):
    if _is_sparse(net):
        return lambda net, veh, v, a, b, n, t0: veh.path_t[v, n]
    return lambda net, veh, v, a, b, n, t0: t0 + net.time_s[a, b]


@overload(leg_length)
def _ol_leg_length(net, veh, v, a, b, idx):
    if _is_sparse(net):
        return lambda net, veh, v, a, b, idx: veh.path_m[v, idx]
    return lambda net, veh, v, a, b, idx: net.length_m[a, b]
