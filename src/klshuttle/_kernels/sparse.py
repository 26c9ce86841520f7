"""Travel times and paths without all-pairs tables, from a contraction hierarchy (numba).

The simulation on a large graph reads a :class:`~.simstate.SparseNet`
instead of the all-pairs tables. A travel time ``a -> b`` is the smallest
``f + g`` over the hierarchy nodes ``h`` that the *upward search space* of
``a`` (forward: the nodes an upward search from ``a`` settles, with their
distances ``f``) shares with the backward upward search space of ``b``
(distances ``g`` to ``b``). Every shortest path has a highest node, reached
exactly by both upward searches, so the minimum is the shortest travel time
(:mod:`.ch_query` explains the hierarchy). Stall-on-demand leaves out nodes
the search reached on a detour: such a node never is the highest node of a
shortest path, so the minimum stays exact.

Each node's two spaces are searched once and kept in an arena; when the
arena is full it is emptied and refilled on demand (a bounded cache: the
same requests give the same spaces, so the simulation stays deterministic).
A join scatters one space into a dense array (column ``k`` of ``dense``,
rank space) and scans the other.

For an insertion search (:func:`request_rows`) the four spaces of the new
pickup ``P`` and drop-off ``D`` are scattered once; the times between them and
every vehicle position and plan stop are then a scan of that node's own
space each, written into ``rows`` at the node (from P, to P, from D, to D),
the rows :func:`.insertion.eval_vehicle` reads. Paths come from a
point-to-point hierarchy query unpacked to road edges (:func:`fill_path`).
"""

from __future__ import annotations

import numpy as np

from . import njit, njit_inline
from .ch_query import query_path
from .heap import heap_pop, heap_push
from .simstate import EPS_S, V_DRIVE
from .vehicles import vehicle_available, vehicle_position

FORWARD = 0
BACKWARD = 1

# dense arrays of a request (rank space)
_FWD_P = 0  # distances from P to each hub of P's forward space
_BWD_P = 1
_FWD_D = 2
_BWD_D = 3
_SCRATCH = 4  # one pair or one vehicle position at a time


@njit
def _flush(net):
    """Empty the arena: every space is searched again when next needed."""
    for s in range(net.sp_stats[0]):
        net.sp_slot[net.sp_key[s]] = -1
    net.sp_stats[0] = 0
    net.sp_stats[1] = 0
    net.sp_stats[3] += 1


@njit
def space(net, node, direction):
    """``(start, length)`` in the arena of ``node``'s upward search space (searched if new)."""
    key = 2 * node + direction
    s = net.sp_slot[key]
    if s >= 0:
        return net.sp_start[s], net.sp_len[s]
    n = net.rank.shape[0]
    if net.sp_stats[0] >= net.sp_key.shape[0] or net.sp_stats[1] + n > net.sp_hub.shape[0]:
        _flush(net)
    if direction == FORWARD:
        climb_indptr, climb_head, climb_w = net.up_indptr, net.up_head, net.up_w
        stall_indptr, stall_head, stall_w = net.dn_indptr, net.dn_head, net.dn_w
    else:
        climb_indptr, climb_head, climb_w = net.dn_indptr, net.dn_head, net.dn_w
        stall_indptr, stall_head, stall_w = net.up_indptr, net.up_head, net.up_w
    dist = net.q_df
    touched = net.q_tf
    hk = net.q_hkf
    hn = net.q_hnf
    start = net.sp_stats[1]
    out = start
    src = net.rank[node]
    dist[src] = 0.0
    touched[0] = src
    nt = 1
    size = heap_push(hk, hn, 0, 0.0, src)
    while size > 0:
        d, u, size = heap_pop(hk, hn, size)
        if d > dist[u]:
            continue
        stalled = False
        for k in range(stall_indptr[u], stall_indptr[u + 1]):
            if dist[stall_head[k]] + stall_w[k] < d:
                stalled = True
                break
        if stalled:
            continue
        net.sp_hub[out] = u
        net.sp_dist[out] = d
        out += 1
        for k in range(climb_indptr[u], climb_indptr[u + 1]):
            x = climb_head[k]
            nd = d + climb_w[k]
            if nd < dist[x]:
                if dist[x] == np.inf:
                    touched[nt] = x
                    nt += 1
                dist[x] = nd
                size = heap_push(hk, hn, size, nd, x)
    for i in range(nt):
        dist[touched[i]] = np.inf
    s = net.sp_stats[0]
    net.sp_key[s] = key
    net.sp_start[s] = start
    net.sp_len[s] = out - start
    net.sp_slot[key] = s
    net.sp_stats[0] = s + 1
    net.sp_stats[1] = out
    net.sp_stats[2] += 1
    return start, out - start


@njit_inline
def _lookup(net, node, direction):
    """``(start, length)`` of ``node``'s space: a lookup, a search only if it is new."""
    s = net.sp_slot[2 * node + direction]
    if s < 0:
        return space(net, node, direction)
    return net.sp_start[s], net.sp_len[s]


@njit_inline
def _scatter(net, k, node, direction):
    """Write ``node``'s space into ``dense[k]`` (which must be clean)."""
    start, length = _lookup(net, node, direction)
    dense = net.dense
    touched = net.dense_touched[k]
    for i in range(length):
        h = net.sp_hub[start + i]
        dense[h, k] = net.sp_dist[start + i]
        touched[i] = h
    net.dense_count[k] = length


@njit_inline
def _clear(net, k):
    dense = net.dense
    touched = net.dense_touched[k]
    for i in range(net.dense_count[k]):
        dense[touched[i], k] = np.inf
    net.dense_count[k] = 0


@njit_inline
def _join(net, k, node, direction):
    """Smallest ``dense[k][h] + d`` over ``node``'s space entries ``(h, d)``."""
    start, length = _lookup(net, node, direction)
    dense = net.dense
    best = np.inf
    for i in range(start, start + length):
        c = dense[net.sp_hub[i], k] + net.sp_dist[i]
        if c < best:
            best = c
    return best


@njit_inline
def _join2(net, k1, k2, node, direction):
    """:func:`_join` against ``dense[:, k1]`` and ``dense[:, k2]`` in one pass."""
    start, length = _lookup(net, node, direction)
    dense = net.dense
    b1 = np.inf
    b2 = np.inf
    for i in range(start, start + length):
        h = net.sp_hub[i]
        d = net.sp_dist[i]
        c1 = dense[h, k1] + d
        c2 = dense[h, k2] + d
        if c1 < b1:
            b1 = c1
        if c2 < b2:
            b2 = c2
    return b1, b2


@njit_inline
def _pair_time(net, a, b):
    """:func:`pair_time`, inlined into :func:`request_rows`."""
    if a == b:
        return 0.0
    _scatter(net, _SCRATCH, a, FORWARD)
    t = _join(net, _SCRATCH, b, BACKWARD)
    _clear(net, _SCRATCH)
    return t


@njit
def pair_time(net, a, b):
    """Shortest travel time ``a -> b`` in seconds (``inf`` if unreachable)."""
    if a == b:
        return 0.0
    _scatter(net, _SCRATCH, a, FORWARD)
    t = _join(net, _SCRATCH, b, BACKWARD)
    _clear(net, _SCRATCH)
    return t


@njit_inline
def _stop_rows(net, x):
    """Times between stop ``x`` and the request's P and D, into ``rows`` at ``x``."""
    to_p, to_d = _join2(net, _BWD_P, _BWD_D, x, FORWARD)  # x -> P, x -> D
    from_p, from_d = _join2(net, _FWD_P, _FWD_D, x, BACKWARD)  # P -> x, D -> x
    net.rows[0, x] = from_p
    net.rows[1, x] = to_p
    net.rows[2, x] = from_d
    net.rows[3, x] = to_d


@njit
def request_rows(net, veh, req, r, now, max_plan, nearest_idle):
    """Fill ``rows`` and ``pos_tt`` for the insertion search of request ``r``.

    Writes, for every vehicle the search considers, the time from its
    position to P; for those that can reach P by its latest pickup (the
    others :func:`.insertion.eval_vehicle` rejects at once) the time to its
    first plan stop (``pos_tt``) and for every stop of its plan the times
    from and to P and D; and the time P -> D.
    """
    P = req.pickup_node[r]
    D = req.dropoff_node[r]
    lp = req.latest_pickup[r] + EPS_S  # as eval_vehicle compares
    _scatter(net, _FWD_P, P, FORWARD)
    _scatter(net, _BWD_P, P, BACKWARD)
    _scatter(net, _FWD_D, D, FORWARD)
    _scatter(net, _BWD_D, D, BACKWARD)
    for v in range(veh.state.shape[0]):
        if not vehicle_available(veh, v, max_plan) or (nearest_idle and veh.plan_len[v] > 0):
            continue
        pos, pos_t, _open, _p = vehicle_position(veh, v, now)
        to_p = _join(net, _BWD_P, pos, FORWARD)
        net.rows[1, pos] = to_p
        if pos_t + to_p > lp:
            continue  # too far for the pickup: eval_vehicle reads no more of it
        L = veh.plan_len[v]
        if L > 0:
            first = veh.plan_node[v, 0]
            if first == pos:
                net.pos_tt[v] = 0.0
            elif (
                veh.state[v] == V_DRIVE  # towards its first stop: the rest of the leg
                and veh.leg_to[v] == first
                and _p >= 0
            ):
                net.pos_tt[v] = veh.path_t[v, veh.path_len[v] - 1] - veh.path_t[v, _p]
            else:
                net.pos_tt[v] = _pair_time(net, pos, first)
        for k in range(L):
            _stop_rows(net, veh.plan_node[v, k])
    net.rows[0, D] = _join(net, _FWD_P, D, BACKWARD)
    for k in range(4):
        _clear(net, k)
    return net.rows[0], net.rows[1], net.rows[2], net.rows[3]


@njit
def pair_path(net, a, b):
    """Travel time and road edges (travel order) of a fastest path ``a -> b``.

    The edges are empty if ``a == b`` or ``b`` is unreachable (time ``inf``).
    """
    if a == b:
        return 0.0, np.empty(0, dtype=np.int64)
    ws = (
        net.q_df,
        net.q_db,
        net.q_pf,
        net.q_pb,
        net.q_tf,
        net.q_tb,
        net.q_hkf,
        net.q_hkb,
        net.q_hnf,
        net.q_hnb,
    )
    dist, edges = query_path(
        net.up_indptr,
        net.up_head,
        net.up_w,
        net.up_edge,
        net.dn_indptr,
        net.dn_head,
        net.dn_w,
        net.dn_edge,
        net.e_src_rank,
        net.e_dst_rank,
        net.e_child1,
        net.e_child2,
        net.e_orig,
        net.rank[a],
        net.rank[b],
        ws,
    )
    return dist, edges


@njit
def fill_path(net, veh, v, a, b):
    """Write the shortest path ``a -> b`` into vehicle ``v``'s path buffers.

    Returns the number of edges (``path_node[v, 0..n]``, ``path_edge[v, 1..n]``),
    or -1 if ``b`` is unreachable.
    """
    veh.path_node[v, 0] = a
    veh.path_edge[v, 0] = -1
    dist, edges = pair_path(net, a, b)
    if dist == np.inf:
        return -1
    n = edges.shape[0]
    for p in range(n):
        e = edges[p]
        veh.path_edge[v, p + 1] = e
        veh.path_node[v, p + 1] = net.edge_target[e]
    return n


@njit
def time_matrix(net, origins, destinations):
    """Travel times ``origins x destinations`` (one backward space scattered per destination)."""
    out = np.empty((origins.shape[0], destinations.shape[0]))
    for j in range(destinations.shape[0]):
        b = destinations[j]
        _scatter(net, _SCRATCH, b, BACKWARD)
        for i in range(origins.shape[0]):
            a = origins[i]
            out[i, j] = 0.0 if a == b else _join(net, _SCRATCH, a, FORWARD)
        _clear(net, _SCRATCH)
    return out


@njit
def pair_times_lengths(net, origins, destinations):
    """Travel time and the length of the fastest path of each pair ``(origins[i], destinations[i])``.

    The time is the hierarchy's distance, the length the sum of the unpacked
    path's edge lengths (``inf`` for both if unreachable).
    """
    k = origins.shape[0]
    time_s = np.empty(k)
    length_m = np.empty(k)
    for i in range(k):
        dist, edges = pair_path(net, origins[i], destinations[i])
        time_s[i] = dist
        if dist == np.inf:
            length_m[i] = np.inf
            continue
        m = 0.0
        for p in range(edges.shape[0]):
            m += net.edge_length_m[edges[p]]
        length_m[i] = m
    return time_s, length_m
