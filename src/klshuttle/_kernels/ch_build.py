"""Contraction-hierarchy preprocessing on a directed CSR graph.

Nodes are contracted one at a time, cheapest first. Contracting ``v`` removes
it from the remaining graph; for every pair of remaining neighbours ``u -> v ->
w`` whose path through ``v`` may be the only shortest one, a *shortcut* edge
``u -> w`` of weight ``w(u, v) + w(v, w)`` is added, remembering the two edges
it replaces (for path unpacking). A *witness search* (Dijkstra from ``u`` in the
remaining graph without ``v``) skips a shortcut when it finds a path ``u ~> w``
no longer than the path through ``v``. The search is bounded (settled nodes and
hops), so it may miss a witness: that only adds an unneeded shortcut, never a
wrong distance.

Order: the priority of a node is its edge difference (shortcuts it would add
less the edges it removes) plus the number of its already contracted
neighbours (which spreads contraction evenly over the graph) plus its level
(one more than the highest level of a contracted neighbour, which keeps the
hierarchy shallow). Priorities are kept in a min-heap and updated lazily: the
popped node's priority is recomputed and the node goes back into the heap if
it is no longer the smallest; the neighbours of a contracted node are
recomputed at once.

Edges live in growable flat arrays (``e_src``, ``e_dst``, ``e_w``, ``e_child1``,
``e_child2``, ``e_orig``); each node has an out-list and an in-list, linked
through ``e_next_out`` / ``e_next_in``. There is at most one edge per ordered
node pair (parallel edges keep the lightest, self-loops are dropped); a
shortcut that beats an existing edge between the same pair replaces its weight
and children in place. Edges that touch a contracted node are never changed
again, so the children of a shortcut keep the weights it was built from.

The result is every edge ever created (original and shortcut) and each node's
rank (contraction position): the query (``ch_query.py``) searches upward from
both ends.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from . import njit
from .heap import heap_pop, heap_push

__all__ = ["contract"]


@njit
def _grow_f(a: NDArray[np.float64], size: int) -> NDArray[np.float64]:
    if size < a.shape[0]:
        return a
    b = np.empty(2 * a.shape[0] + 16, dtype=a.dtype)
    b[: a.shape[0]] = a
    return b


@njit
def _grow_i(a: NDArray[np.int64], size: int) -> NDArray[np.int64]:
    if size < a.shape[0]:
        return a
    b = np.empty(2 * a.shape[0] + 16, dtype=a.dtype)
    b[: a.shape[0]] = a
    return b


@njit
def _grow_n(a: NDArray[np.int32], size: int) -> NDArray[np.int32]:
    if size < a.shape[0]:
        return a
    b = np.empty(2 * a.shape[0] + 16, dtype=a.dtype)
    b[: a.shape[0]] = a
    return b


@njit
def _find_edge(out_head, e_next_out, e_dst, u, w):
    """The edge ``u -> w`` in ``u``'s out-list, or -1."""
    e = out_head[u]
    while e >= 0:
        if e_dst[e] == w:
            return e
        e = e_next_out[e]
    return -1


@njit
def _witness(
    out_head,
    e_next_out,
    e_dst,
    e_w,
    contracted,
    source,
    skip,
    max_dist,
    settle_limit,
    hop_limit,
    dist,
    hops,
    touched,
    hkeys,
    hnodes,
):
    """Bounded Dijkstra from ``source`` avoiding ``skip`` and contracted nodes.

    Leaves upper bounds of the distances in ``dist`` (inf where not reached)
    and the reached nodes in ``touched[:n_touched]``; returns ``n_touched``.
    """
    dist[source] = 0.0
    hops[source] = 0
    touched[0] = source
    n_touched = 1
    size = heap_push(hkeys, hnodes, 0, 0.0, source)
    n_settled = 0
    while size > 0:
        d, u, size = heap_pop(hkeys, hnodes, size)
        if d > dist[u]:
            continue
        if d > max_dist or n_settled >= settle_limit:
            break
        n_settled += 1
        if hops[u] >= hop_limit:
            continue
        e = out_head[u]
        while e >= 0:
            x = e_dst[e]
            if x != skip and not contracted[x]:
                nd = d + e_w[e]
                if nd < dist[x]:
                    if dist[x] == np.inf:
                        touched[n_touched] = x
                        n_touched += 1
                    dist[x] = nd
                    hops[x] = hops[u] + 1
                    if size >= hkeys.shape[0]:
                        break  # heap full (cannot happen: sized by edges)
                    size = heap_push(hkeys, hnodes, size, nd, x)
            e = e_next_out[e]
    return n_touched


@njit
def _simulate(
    v,
    out_head,
    in_head,
    e_next_out,
    e_next_in,
    e_src,
    e_dst,
    e_w,
    contracted,
    settle_limit,
    hop_limit,
    dist,
    hops,
    touched,
    hkeys,
    hnodes,
    sc_from,
    sc_to,
    sc_w,
    sc_e1,
    sc_e2,
):
    """The shortcuts contracting ``v`` needs, into ``sc_*``; returns ``(count, n_in, n_out)``."""
    n_out = 0
    max_out = 0.0
    e = out_head[v]
    while e >= 0:
        if not contracted[e_dst[e]]:
            n_out += 1
            if e_w[e] > max_out:
                max_out = e_w[e]
        e = e_next_out[e]
    n_in = 0
    ei = in_head[v]
    while ei >= 0:
        if not contracted[e_src[ei]]:
            n_in += 1
        ei = e_next_in[ei]
    if n_in * n_out > sc_from.shape[0]:
        return -1, n_in, n_out  # the caller grows the buffers and asks again
    n_sc = 0
    ei = in_head[v]
    while ei >= 0:
        u = e_src[ei]
        if contracted[u]:
            ei = e_next_in[ei]
            continue
        w_uv = e_w[ei]
        if n_out > 0:
            nt = _witness(
                out_head,
                e_next_out,
                e_dst,
                e_w,
                contracted,
                u,
                v,
                w_uv + max_out,
                settle_limit,
                hop_limit,
                dist,
                hops,
                touched,
                hkeys,
                hnodes,
            )
            eo = out_head[v]
            while eo >= 0:
                w = e_dst[eo]
                if w != u and not contracted[w]:
                    via = w_uv + e_w[eo]
                    if not dist[w] <= via:
                        sc_from[n_sc] = u
                        sc_to[n_sc] = w
                        sc_w[n_sc] = via
                        sc_e1[n_sc] = ei
                        sc_e2[n_sc] = eo
                        n_sc += 1
                eo = e_next_out[eo]
            for i in range(nt):
                dist[touched[i]] = np.inf
        ei = e_next_in[ei]
    return n_sc, n_in, n_out


@njit
def _relink(u, out_head, in_head, e_next_out, e_next_in, e_src, e_dst, contracted):
    """Drop edges to or from contracted nodes from ``u``'s lists."""
    prev = -1
    e = out_head[u]
    while e >= 0:
        nxt = e_next_out[e]
        if contracted[e_dst[e]]:
            if prev < 0:
                out_head[u] = nxt
            else:
                e_next_out[prev] = nxt
        else:
            prev = e
        e = nxt
    prev = -1
    e = in_head[u]
    while e >= 0:
        nxt = e_next_in[e]
        if contracted[e_src[e]]:
            if prev < 0:
                in_head[u] = nxt
            else:
                e_next_in[prev] = nxt
        else:
            prev = e
        e = nxt


@njit
def contract(
    indptr: NDArray[np.int64],
    indices: NDArray[np.int32],
    weight: NDArray[np.float64],
    settle_limit: int,
    hop_limit: int,
) -> tuple[
    NDArray[np.int32],
    NDArray[np.int32],
    NDArray[np.int32],
    NDArray[np.float64],
    NDArray[np.int64],
    NDArray[np.int64],
    NDArray[np.int64],
]:
    """Contract every node of a directed graph.

    Parameters
    ----------
    indptr, indices, weight
        The graph in CSR form with non-negative, finite edge weights.
    settle_limit, hop_limit
        Bounds of each witness search (settled nodes, edges on a witness path).

    Returns
    -------
    rank : ndarray of int32, shape (n,)
        Contraction position of each node (0 first, the lowest).
    e_src, e_dst : ndarray of int32, shape (m_ch,)
        End nodes of every hierarchy edge (original edges first, then shortcuts).
    e_w : ndarray of float64
        Edge weights.
    e_child1, e_child2 : ndarray of int64
        For a shortcut, the two hierarchy edges it replaces (in travel order);
        -1 for an original edge.
    e_orig : ndarray of int64
        For an original edge, its CSR index in the input graph (the lightest
        of parallel edges, the first among equals); -1 for a shortcut.
    """
    n = indptr.shape[0] - 1
    m = indices.shape[0]
    cap = m + 16
    e_src = np.empty(cap, dtype=np.int32)
    e_dst = np.empty(cap, dtype=np.int32)
    e_w = np.empty(cap, dtype=np.float64)
    e_c1 = np.empty(cap, dtype=np.int64)
    e_c2 = np.empty(cap, dtype=np.int64)
    e_orig = np.empty(cap, dtype=np.int64)
    e_next_out = np.empty(cap, dtype=np.int64)
    e_next_in = np.empty(cap, dtype=np.int64)
    out_head = np.full(n, -1, dtype=np.int64)
    in_head = np.full(n, -1, dtype=np.int64)
    n_e = 0
    for u in range(n):
        for k in range(indptr[u], indptr[u + 1]):
            w = indices[k]
            if w == u:
                continue
            e = _find_edge(out_head, e_next_out, e_dst, u, w)
            if e >= 0:
                if weight[k] < e_w[e]:
                    e_w[e] = weight[k]
                    e_orig[e] = k
                continue
            e_src[n_e] = u
            e_dst[n_e] = w
            e_w[n_e] = weight[k]
            e_c1[n_e] = -1
            e_c2[n_e] = -1
            e_orig[n_e] = k
            e_next_out[n_e] = out_head[u]
            out_head[u] = n_e
            e_next_in[n_e] = in_head[w]
            in_head[w] = n_e
            n_e += 1

    contracted = np.zeros(n, dtype=np.uint8)
    rank = np.full(n, -1, dtype=np.int32)
    level = np.zeros(n, dtype=np.int64)
    n_contracted_nb = np.zeros(n, dtype=np.int64)
    seen = np.full(n, -1, dtype=np.int64)
    prio = np.zeros(n, dtype=np.float64)
    dist = np.full(n, np.inf)
    hops = np.zeros(n, dtype=np.int64)
    touched = np.empty(n, dtype=np.int32)
    hcap = 4 * m + 64
    hkeys = np.empty(hcap, dtype=np.float64)
    hnodes = np.empty(hcap, dtype=np.int32)
    sc_cap = 64
    sc_from = np.empty(sc_cap, dtype=np.int32)
    sc_to = np.empty(sc_cap, dtype=np.int32)
    sc_w = np.empty(sc_cap, dtype=np.float64)
    sc_e1 = np.empty(sc_cap, dtype=np.int64)
    sc_e2 = np.empty(sc_cap, dtype=np.int64)
    # The order queue: lazy min-heap of (priority, node).
    qcap = 2 * n + 16
    qkeys = np.empty(qcap, dtype=np.float64)
    qnodes = np.empty(qcap, dtype=np.int32)
    qsize = 0
    for v in range(n):
        while True:
            n_sc, n_in, n_out = _simulate(
                v, out_head, in_head, e_next_out, e_next_in, e_src, e_dst, e_w, contracted,
                settle_limit, hop_limit, dist, hops, touched, hkeys, hnodes,
                sc_from, sc_to, sc_w, sc_e1, sc_e2,
            )  # fmt: skip
            if n_sc >= 0:
                break
            sc_cap *= 2
            sc_from = np.empty(sc_cap, dtype=np.int32)
            sc_to = np.empty(sc_cap, dtype=np.int32)
            sc_w = np.empty(sc_cap, dtype=np.float64)
            sc_e1 = np.empty(sc_cap, dtype=np.int64)
            sc_e2 = np.empty(sc_cap, dtype=np.int64)
        prio[v] = float(n_sc - n_in - n_out)
        qsize = heap_push(qkeys, qnodes, qsize, prio[v], v)

    next_rank = 0
    while qsize > 0:
        key, v, qsize = heap_pop(qkeys, qnodes, qsize)
        if contracted[v] or key != prio[v]:
            continue  # a stale entry
        while True:
            n_sc, n_in, n_out = _simulate(
                v, out_head, in_head, e_next_out, e_next_in, e_src, e_dst, e_w, contracted,
                settle_limit, hop_limit, dist, hops, touched, hkeys, hnodes,
                sc_from, sc_to, sc_w, sc_e1, sc_e2,
            )  # fmt: skip
            if n_sc >= 0:
                break
            sc_cap *= 2
            sc_from = np.empty(sc_cap, dtype=np.int32)
            sc_to = np.empty(sc_cap, dtype=np.int32)
            sc_w = np.empty(sc_cap, dtype=np.float64)
            sc_e1 = np.empty(sc_cap, dtype=np.int64)
            sc_e2 = np.empty(sc_cap, dtype=np.int64)
        p = float(n_sc - n_in - n_out) + n_contracted_nb[v] + level[v]
        if qsize > 0 and p > qkeys[0]:
            prio[v] = p  # lazy update: no longer the cheapest, back into the queue
            if qsize >= qkeys.shape[0]:
                qkeys = _grow_f(qkeys, qsize)
                qnodes = _grow_n(qnodes, qsize)
            qsize = heap_push(qkeys, qnodes, qsize, p, v)
            continue
        # Contract v: add its shortcuts, then take it out of the graph.
        for i in range(n_sc):
            u = sc_from[i]
            w = sc_to[i]
            e = _find_edge(out_head, e_next_out, e_dst, u, w)
            if e >= 0:
                if sc_w[i] < e_w[e]:
                    e_w[e] = sc_w[i]
                    e_c1[e] = sc_e1[i]
                    e_c2[e] = sc_e2[i]
                    e_orig[e] = -1
                continue
            if n_e >= e_src.shape[0]:
                e_src = _grow_n(e_src, n_e)
                e_dst = _grow_n(e_dst, n_e)
                e_w = _grow_f(e_w, n_e)
                e_c1 = _grow_i(e_c1, n_e)
                e_c2 = _grow_i(e_c2, n_e)
                e_orig = _grow_i(e_orig, n_e)
                e_next_out = _grow_i(e_next_out, n_e)
                e_next_in = _grow_i(e_next_in, n_e)
            e_src[n_e] = u
            e_dst[n_e] = w
            e_w[n_e] = sc_w[i]
            e_c1[n_e] = sc_e1[i]
            e_c2[n_e] = sc_e2[i]
            e_orig[n_e] = -1
            e_next_out[n_e] = out_head[u]
            out_head[u] = n_e
            e_next_in[n_e] = in_head[w]
            in_head[w] = n_e
            n_e += 1
        if n_e + 1 > hkeys.shape[0] // 4:
            hkeys = np.empty(4 * n_e + 64, dtype=np.float64)
            hnodes = np.empty(4 * n_e + 64, dtype=np.int32)
        contracted[v] = 1
        rank[v] = next_rank
        next_rank += 1
        # Neighbours: one more contracted neighbour, level, new priority.
        for side in range(2):
            e = out_head[v] if side == 0 else in_head[v]
            while e >= 0:
                x = e_dst[e] if side == 0 else e_src[e]
                if not contracted[x] and seen[x] != v:
                    seen[x] = v
                    _relink(x, out_head, in_head, e_next_out, e_next_in, e_src, e_dst, contracted)
                    n_contracted_nb[x] += 1
                    if level[v] + 1 > level[x]:
                        level[x] = level[v] + 1
                e = e_next_out[e] if side == 0 else e_next_in[e]
        for side in range(2):
            e = out_head[v] if side == 0 else in_head[v]
            while e >= 0:
                x = e_dst[e] if side == 0 else e_src[e]
                if not contracted[x] and seen[x] == v:
                    seen[x] = -1
                    while True:
                        n_sc, n_in, n_out = _simulate(
                            x, out_head, in_head, e_next_out, e_next_in, e_src, e_dst, e_w,
                            contracted, settle_limit, hop_limit, dist, hops, touched, hkeys,
                            hnodes, sc_from, sc_to, sc_w, sc_e1, sc_e2,
                        )  # fmt: skip
                        if n_sc >= 0:
                            break
                        sc_cap *= 2
                        sc_from = np.empty(sc_cap, dtype=np.int32)
                        sc_to = np.empty(sc_cap, dtype=np.int32)
                        sc_w = np.empty(sc_cap, dtype=np.float64)
                        sc_e1 = np.empty(sc_cap, dtype=np.int64)
                        sc_e2 = np.empty(sc_cap, dtype=np.int64)
                    p = float(n_sc - n_in - n_out) + n_contracted_nb[x] + level[x]
                    if p != prio[x]:
                        prio[x] = p
                        if qsize >= qkeys.shape[0]:
                            qkeys = _grow_f(qkeys, qsize)
                            qnodes = _grow_n(qnodes, qsize)
                        qsize = heap_push(qkeys, qnodes, qsize, p, x)
                e = e_next_out[e] if side == 0 else e_next_in[e]
    return (
        rank,
        e_src[:n_e].copy(),
        e_dst[:n_e].copy(),
        e_w[:n_e].copy(),
        e_c1[:n_e].copy(),
        e_c2[:n_e].copy(),
        e_orig[:n_e].copy(),
    )
