"""What the simulation kernels ask of the road network, for tables or a hierarchy (numba).

The kernels are written once against these functions; numba compiles each for
the network it is given (``numba.extending.overload``, chosen by type):

* :class:`~.simstate.Net`: the all-pairs tables; every answer is a lookup,
  exactly as the kernels read the tables before this module existed;
* :class:`~.simstate.SparseNet`: a contraction hierarchy (:mod:`.sparse`).

Outside a kernel (and with ``NUMBA_DISABLE_JIT=1``, when the kernels run as
plain Python) each function picks the same implementation with ``isinstance``.
"""

from __future__ import annotations

from typing import Any

from numba.extending import overload

from . import sparse as _sp
from .simstate import SparseNet

__all__ = ["fill_path", "first_time", "leg_end_time", "leg_length", "pair_time", "request_rows"]


def _is_sparse(net: Any) -> bool:
    return getattr(net, "instance_class", None) is SparseNet


# ------------------------------------------------------------- the tables


def _table_pair_time(net, a, b):
    return net.time_s[a, b]


def _table_rows(net, veh, req, r, now, max_plan, nearest_idle):
    P = req.pickup_node[r]
    D = req.dropoff_node[r]
    # the same four rows every vehicle reads, which stay in cache
    return net.time_s[P], net.time_s_t[P], net.time_s[D], net.time_s_t[D]


def _table_first_time(net, v, pos, node):
    return net.time_s[pos, node]


def _table_path(net, veh, v, a, b):
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


def _table_leg_end_time(net, veh, v, a, b, n, t0):
    return t0 + net.time_s[a, b]


def _table_leg_length(net, veh, v, a, b, idx):
    return net.length_m[a, b]


# ---------------------------------------------------------- the hierarchy


def _sparse_pair_time(net, a, b):
    return _sp.pair_time(net, a, b)


def _sparse_rows(net, veh, req, r, now, max_plan, nearest_idle):
    return _sp.request_rows(net, veh, req, r, now, max_plan, nearest_idle)


def _sparse_path(net, veh, v, a, b):
    return _sp.fill_path(net, veh, v, a, b)


def _sparse_first_time(net, v, pos, node):
    return net.pos_tt[v]


def _sparse_leg_end_time(net, veh, v, a, b, n, t0):
    return veh.path_t[v, n]


def _sparse_leg_length(net, veh, v, a, b, idx):
    return veh.path_m[v, idx]


# ------------------------------------------------ what the kernels call

_IMPLS = {
    "pair_time": (_table_pair_time, _sparse_pair_time),
    "request_rows": (_table_rows, _sparse_rows),
    "first_time": (_table_first_time, _sparse_first_time),
    "fill_path": (_table_path, _sparse_path),
    "leg_end_time": (_table_leg_end_time, _sparse_leg_end_time),
    "leg_length": (_table_leg_length, _sparse_leg_length),
}


def _impl(name: str, net: Any) -> Any:
    """The implementation for a network value (plain Python)."""
    return _IMPLS[name][1 if isinstance(net, SparseNet) else 0]


def _impl_for(name: str, net_type: Any) -> Any:
    """The implementation for a network's numba type."""
    return _IMPLS[name][1 if _is_sparse(net_type) else 0]


def pair_time(net, a, b):
    """Shortest travel time ``a -> b`` in seconds."""
    return _impl("pair_time", net)(net, a, b)


def request_rows(net, veh, req, r, now, max_plan, nearest_idle):
    """``(from_p, to_p, from_d, to_d)``: times from and to request ``r``'s pickup
    and drop-off, indexed by node; valid at every node the insertion search of
    ``r`` reads (vehicle positions, plan stops, the drop-off)."""
    return _impl("request_rows", net)(net, veh, req, r, now, max_plan, nearest_idle)


def first_time(net, v, pos, node):
    """Travel time from vehicle ``v``'s position ``pos`` to its first plan stop
    ``node`` (for :func:`request_rows`' request)."""
    return _impl("first_time", net)(net, v, pos, node)


def fill_path(net, veh, v, a, b):
    """Write the path ``a -> b`` into vehicle ``v``'s path buffers (nodes, and the
    edge into each); the number of edges, -1 if there is no path."""
    return _impl("fill_path", net)(net, veh, v, a, b)


def leg_end_time(net, veh, v, a, b, n, t0):
    """Arrival time of a leg ``a -> b`` of ``n`` edges (buffered in ``veh``) begun at ``t0``."""
    return _impl("leg_end_time", net)(net, veh, v, a, b, n, t0)


def leg_length(net, veh, v, a, b, idx):
    """Metres of vehicle ``v``'s leg from ``a`` to ``b``, its path node ``idx``."""
    return _impl("leg_length", net)(net, veh, v, a, b, idx)


# numba compiles the implementation the network's type asks for (the
# typing functions' parameters must be named as the implementations').


@overload(pair_time)
def _ol_pair_time(net, a, b):
    return _impl_for("pair_time", net)


@overload(request_rows)
def _ol_request_rows(net, veh, req, r, now, max_plan, nearest_idle):
    return _impl_for("request_rows", net)


@overload(first_time)
def _ol_first_time(net, v, pos, node):
    return _impl_for("first_time", net)


@overload(fill_path)
def _ol_fill_path(net, veh, v, a, b):
    return _impl_for("fill_path", net)


@overload(leg_end_time)
def _ol_leg_end_time(net, veh, v, a, b, n, t0):
    return _impl_for("leg_end_time", net)


@overload(leg_length)
def _ol_leg_length(net, veh, v, a, b, idx):
    return _impl_for("leg_length", net)
