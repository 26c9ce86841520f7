"""Point-to-point queries on a contraction hierarchy (see ``ch_build.py``).

The hierarchy is searched in *rank space*: node ``v`` of the road graph is
node ``rank[v]`` here, so the nodes high in the hierarchy, which every query
visits, sit together in memory. Two CSR graphs hold the hierarchy edges:

* ``up``: at node ``a``, the edges ``a -> b`` with ``b > a`` (the forward search
  from the origin climbs them);
* ``down``: at node ``b``, the edges ``a -> b`` with ``a > b``, stored reversed
  (the backward search from the destination climbs them against their
  direction).

Every shortest path has a shortest path of the same cost in the hierarchy
that climbs and then descends, so the two upward searches meet on it. A
direction stops once its smallest key is no longer below the best meeting cost.
*Stall-on-demand*: the forward search does not relax the edges of a node ``u``
when some higher node ``x`` already reached reaches ``u`` more cheaply through
a ``down`` edge ``x -> u``; such a ``u`` lies on no shortest upward path
(likewise backward with the ``up`` edges).

Each result edge refers to a hierarchy edge; :func:`unpack` replaces
shortcuts by the two edges they stand for, down to the CSR edges of the road
graph. A workspace (:func:`make_workspace`) belongs to one thread and is clean
again after each query.
"""

from __future__ import annotations

import numba
import numpy as np
from numpy.typing import NDArray

from . import njit, njit_parallel
from .heap import heap_pop, heap_push

__all__ = ["distances", "distances_serial", "make_workspace", "query", "query_path", "unpack"]

# Workspace: (df, db float64[n], pf, pb int64[n] hierarchy edge into each node,
# touched_f, touched_b int32[n], hkf, hkb float64[m + 2], hnf, hnb int32[m + 2]).


@njit
def make_workspace(n_nodes: int, n_edges: int) -> tuple:
    """A clean query workspace for a hierarchy of ``n_nodes`` and ``n_edges`` edges."""
    return (
        np.full(n_nodes, np.inf),
        np.full(n_nodes, np.inf),
        np.full(n_nodes, -1, dtype=np.int64),
        np.full(n_nodes, -1, dtype=np.int64),
        np.empty(n_nodes, dtype=np.int32),
        np.empty(n_nodes, dtype=np.int32),
        np.empty(n_edges + 2, dtype=np.float64),
        np.empty(n_edges + 2, dtype=np.float64),
        np.empty(n_edges + 2, dtype=np.int32),
        np.empty(n_edges + 2, dtype=np.int32),
    )


@njit
def query(
    up_indptr: NDArray[np.int64],
    up_head: NDArray[np.int32],
    up_w: NDArray[np.float64],
    up_edge: NDArray[np.int64],
    dn_indptr: NDArray[np.int64],
    dn_head: NDArray[np.int32],
    dn_w: NDArray[np.float64],
    dn_edge: NDArray[np.int64],
    s: int,
    t: int,
    ws: tuple,
    keep: bool,
) -> tuple[float, int, int, int]:
    """The shortest distance from ``s`` to ``t`` (rank-space nodes).

    Returns ``(dist, meet, n_touched_f, n_touched_b)``: ``dist`` is ``inf`` and
    ``meet`` -1 if ``t`` is unreachable. With ``keep`` the search labels stay in
    ``ws`` for :func:`query_path`, which must then clean it (:func:`reset`);
    otherwise ``ws`` is clean on return.
    """
    df, db, pf, pb, tf, tb, hkf, hkb, hnf, hnb = ws
    df[s] = 0.0
    db[t] = 0.0
    tf[0] = s
    tb[0] = t
    ntf = 1
    ntb = 1
    sf = heap_push(hkf, hnf, 0, 0.0, s)
    sb = heap_push(hkb, hnb, 0, 0.0, t)
    best = np.inf
    meet = -1
    if s == t:
        best = 0.0
        meet = s
        sf = 0
        sb = 0
    while True:
        go_f = sf > 0 and hkf[0] < best
        go_b = sb > 0 and hkb[0] < best
        if not go_f and not go_b:
            break
        if go_f and (not go_b or hkf[0] <= hkb[0]):
            d, u, sf = heap_pop(hkf, hnf, sf)
            if d > df[u]:
                continue
            if db[u] < np.inf and d + db[u] < best:
                best = d + db[u]
                meet = u
            stalled = False
            for k in range(dn_indptr[u], dn_indptr[u + 1]):
                if df[dn_head[k]] + dn_w[k] < d:
                    stalled = True
                    break
            if stalled:
                continue
            for k in range(up_indptr[u], up_indptr[u + 1]):
                x = up_head[k]
                nd = d + up_w[k]
                if nd < df[x]:
                    if df[x] == np.inf:
                        tf[ntf] = x
                        ntf += 1
                    df[x] = nd
                    pf[x] = up_edge[k]
                    sf = heap_push(hkf, hnf, sf, nd, x)
        else:
            d, u, sb = heap_pop(hkb, hnb, sb)
            if d > db[u]:
                continue
            if df[u] < np.inf and d + df[u] < best:
                best = d + df[u]
                meet = u
            stalled = False
            for k in range(up_indptr[u], up_indptr[u + 1]):
                if db[up_head[k]] + up_w[k] < d:
                    stalled = True
                    break
            if stalled:
                continue
            for k in range(dn_indptr[u], dn_indptr[u + 1]):
                x = dn_head[k]
                nd = d + dn_w[k]
                if nd < db[x]:
                    if db[x] == np.inf:
                        tb[ntb] = x
                        ntb += 1
                    db[x] = nd
                    pb[x] = dn_edge[k]
                    sb = heap_push(hkb, hnb, sb, nd, x)
    if not keep:
        reset(ws, ntf, ntb)
    return best, meet, ntf, ntb


@njit
def reset(ws: tuple, n_touched_f: int, n_touched_b: int) -> None:
    """Clean ``ws`` after a :func:`query` with ``keep``."""
    df, db, pf, pb, tf, tb = ws[0], ws[1], ws[2], ws[3], ws[4], ws[5]
    for i in range(n_touched_f):
        v = tf[i]
        df[v] = np.inf
        pf[v] = -1
    for i in range(n_touched_b):
        v = tb[i]
        db[v] = np.inf
        pb[v] = -1


@njit
def unpack(
    ch_edges: NDArray[np.int64],
    e_child1: NDArray[np.int64],
    e_child2: NDArray[np.int64],
    e_orig: NDArray[np.int64],
) -> NDArray[np.int64]:
    """Expand hierarchy edges (travel order) into road-graph CSR edges (travel order)."""
    n_out = 0
    out = np.empty(16, dtype=np.int64)
    stack = np.empty(64, dtype=np.int64)
    for i in range(ch_edges.shape[0]):
        stack[0] = ch_edges[i]
        top = 1
        while top > 0:
            top -= 1
            e = stack[top]
            if e_child1[e] < 0:
                if n_out >= out.shape[0]:
                    bigger = np.empty(2 * out.shape[0], dtype=np.int64)
                    bigger[:n_out] = out[:n_out]
                    out = bigger
                out[n_out] = e_orig[e]
                n_out += 1
            else:
                if top + 2 > stack.shape[0]:
                    bigger = np.empty(2 * stack.shape[0], dtype=np.int64)
                    bigger[:top] = stack[:top]
                    stack = bigger
                stack[top] = e_child2[e]  # popped second
                stack[top + 1] = e_child1[e]
                top += 2
    return out[:n_out].copy()


@njit
def query_path(
    up_indptr: NDArray[np.int64],
    up_head: NDArray[np.int32],
    up_w: NDArray[np.float64],
    up_edge: NDArray[np.int64],
    dn_indptr: NDArray[np.int64],
    dn_head: NDArray[np.int32],
    dn_w: NDArray[np.float64],
    dn_edge: NDArray[np.int64],
    e_src_rank: NDArray[np.int32],
    e_dst_rank: NDArray[np.int32],
    e_child1: NDArray[np.int64],
    e_child2: NDArray[np.int64],
    e_orig: NDArray[np.int64],
    s: int,
    t: int,
    ws: tuple,
) -> tuple[float, NDArray[np.int64]]:
    """Distance and road-graph CSR edges (travel order) from ``s`` to ``t`` (rank space).

    The edges are empty when ``s == t`` or ``t`` is unreachable (``inf``).
    """
    dist, meet, ntf, ntb = query(
        up_indptr, up_head, up_w, up_edge, dn_indptr, dn_head, dn_w, dn_edge, s, t, ws, True
    )
    if meet < 0 or s == t:
        reset(ws, ntf, ntb)
        return dist, np.empty(0, dtype=np.int64)
    pf, pb = ws[2], ws[3]
    n_f = 0
    v = meet
    while v != s:
        n_f += 1
        v = e_src_rank[pf[v]]
    n_b = 0
    v = meet
    while v != t:
        n_b += 1
        v = e_dst_rank[pb[v]]
    chain = np.empty(n_f + n_b, dtype=np.int64)
    v = meet
    for i in range(n_f - 1, -1, -1):
        chain[i] = pf[v]
        v = e_src_rank[pf[v]]
    v = meet
    for i in range(n_f, n_f + n_b):
        chain[i] = pb[v]
        v = e_dst_rank[pb[v]]
    reset(ws, ntf, ntb)
    return dist, unpack(chain, e_child1, e_child2, e_orig)


@njit_parallel
def distances(
    up_indptr: NDArray[np.int64],
    up_head: NDArray[np.int32],
    up_w: NDArray[np.float64],
    up_edge: NDArray[np.int64],
    dn_indptr: NDArray[np.int64],
    dn_head: NDArray[np.int32],
    dn_w: NDArray[np.float64],
    dn_edge: NDArray[np.int64],
    sources: NDArray[np.int64],
    targets: NDArray[np.int64],
    n_chunks: int,
) -> NDArray[np.float64]:
    """Distances of many pairs (rank space), ``n_chunks`` chunks in parallel."""
    n_pairs = sources.shape[0]
    n = up_indptr.shape[0] - 1
    m = max(up_head.shape[0], dn_head.shape[0])
    out = np.empty(n_pairs, dtype=np.float64)
    n_chunks = max(1, min(n_chunks, n_pairs))
    for c in numba.prange(n_chunks):
        ws = make_workspace(n, m)
        lo = c * n_pairs // n_chunks
        hi = (c + 1) * n_pairs // n_chunks
        for i in range(lo, hi):
            out[i] = query(
                up_indptr, up_head, up_w, up_edge, dn_indptr, dn_head, dn_w, dn_edge,
                sources[i], targets[i], ws, False,
            )[0]  # fmt: skip
    return out


@njit
def distances_serial(
    up_indptr: NDArray[np.int64],
    up_head: NDArray[np.int32],
    up_w: NDArray[np.float64],
    up_edge: NDArray[np.int64],
    dn_indptr: NDArray[np.int64],
    dn_head: NDArray[np.int32],
    dn_w: NDArray[np.float64],
    dn_edge: NDArray[np.int64],
    sources: NDArray[np.int64],
    targets: NDArray[np.int64],
    ws: tuple,
) -> NDArray[np.float64]:
    """Distances of many pairs (rank space) in one thread, in the clean workspace ``ws``."""
    out = np.empty(sources.shape[0], dtype=np.float64)
    for i in range(sources.shape[0]):
        out[i] = query(
            up_indptr, up_head, up_w, up_edge, dn_indptr, dn_head, dn_w, dn_edge,
            sources[i], targets[i], ws, False,
        )[0]  # fmt: skip
    return out
