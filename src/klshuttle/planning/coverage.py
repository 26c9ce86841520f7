"""Stop placement: cover residents within a walk along streets, solved exactly.

The maximal covering location problem (Church and ReVelle 1974) and its
set-covering twin, as mixed-integer programs solved by HiGHS through
:func:`scipy.optimize.milp`:

* **budget**: choose at most ``budget`` stops to maximise the residents'
  weight within ``walk_m`` of a chosen stop;
* **target**: choose the fewest stops that cover at least ``target`` of the
  weight.

Hubs are always kept. Walking distances run along the street network (the
road graph taken both ways, by length), from the street node nearest to each
resident point.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import sparse

from ..errors import KlshuttleError
from ..graph import RoadGraph

__all__ = ["StopPlan", "coverage_matrix", "place_stops", "walk_distances_m"]


@dataclass(frozen=True)
class StopPlan:
    """The chosen stops and what they cover.

    Attributes
    ----------
    chosen : int64
        Indices of the chosen candidates, ascending.
    covered_weight
        Weight of the demand points within reach of a chosen stop.
    coverage
        ``covered_weight`` as a share of all weight.
    bound
        The solver's bound on the objective (covered weight for a budget,
        number of stops for a target); equals the objective when optimal.
    gap
        Relative gap between objective and bound (0 when proven optimal).
    optimal
        Whether HiGHS proved optimality within the time limit.
    """

    chosen: NDArray[np.int64]
    covered_weight: float
    coverage: float
    bound: float
    gap: float
    optimal: bool


def walk_distances_m(graph: RoadGraph, sources: ArrayLike, limit_m: float) -> sparse.csr_matrix:
    """Walking distances along streets from each source node, up to ``limit_m``.

    The road graph is walked both ways (pedestrians ignore one-way streets)
    by edge length. Returns a sparse ``len(sources) x n_nodes`` matrix whose
    stored entries are the reachable nodes' distances (the source itself is
    stored as a tiny positive value, ``1e-9`` m).
    """
    from scipy.sparse.csgraph import dijkstra

    src = graph.edge_source.astype(np.int64)
    dst = graph.indices.astype(np.int64)
    n = graph.n_nodes
    length = np.asarray(graph.length_m, dtype=np.float64)
    # parallel edges: keep the shortest (a sparse matrix would add them up)
    order = np.lexsort((length, dst, src))
    src, dst, length = src[order], dst[order], length[order]
    first = np.ones(len(src), dtype=bool)
    first[1:] = (src[1:] != src[:-1]) | (dst[1:] != dst[:-1])
    w = sparse.csr_matrix((length[first], (src[first], dst[first])), shape=(n, n))
    sources = np.asarray(sources, dtype=np.int64)
    # undirected: pedestrians walk one-way streets both ways
    d = dijkstra(w, directed=False, indices=sources, limit=float(limit_m))
    d = np.where(np.isfinite(d), np.maximum(d, 1e-9), 0.0)
    return sparse.csr_matrix(d)


def coverage_matrix(
    graph: RoadGraph,
    point_node: ArrayLike,
    point_snap_m: ArrayLike,
    candidate_node: ArrayLike,
    walk_m: float,
) -> sparse.csr_matrix:
    """Which candidate covers which demand point (boolean, points x candidates).

    A point is covered by a candidate when the walk from the point to its
    nearest street node (``point_snap_m``, straight) plus the walk along
    streets from there to the candidate's node is at most ``walk_m``.
    """
    cand = np.asarray(candidate_node, dtype=np.int64)
    pnode = np.asarray(point_node, dtype=np.int64)
    snap = np.asarray(point_snap_m, dtype=np.float64)
    d = walk_distances_m(graph, cand, walk_m).tocoo()  # candidates x nodes
    by_node = sparse.csr_matrix((d.data, (d.col, d.row)), shape=(graph.n_nodes, len(cand)))
    rows = by_node[pnode].tocoo()  # points x candidates, distances along streets
    ok = rows.data + snap[rows.row] <= walk_m
    return sparse.csr_matrix(
        (np.ones(int(ok.sum()), dtype=bool), (rows.row[ok], rows.col[ok])),
        shape=(len(pnode), len(cand)),
    )


def place_stops(
    cover: sparse.spmatrix | NDArray[np.bool_],
    weight: ArrayLike,
    *,
    budget: int | None = None,
    target: float | None = None,
    keep: ArrayLike = (),
    time_limit_s: float = 60.0,
) -> StopPlan:
    """Choose stops by mixed-integer programming (HiGHS via scipy).

    Parameters
    ----------
    cover
        Points x candidates: True where the candidate covers the point.
    weight
        Weight of each point (residents, floor area ...), >= 0.
    budget
        Most stops to choose (maximal covering); ``keep`` counts against it.
    target
        Share of the weight to cover with the fewest stops (set covering);
        give exactly one of ``budget`` and ``target``.
    keep
        Candidates always chosen (hubs).
    time_limit_s
        Solver time limit; the plan reports the gap if it is reached.

    Returns
    -------
    StopPlan

    Raises
    ------
    KlshuttleError
        Both or neither of budget and target, a budget below the kept stops,
        or a target the candidates cannot reach.
    """
    from scipy.optimize import Bounds, LinearConstraint, milp

    if (budget is None) == (target is None):
        raise KlshuttleError("give either a stop budget or a coverage target")
    a = sparse.csr_matrix(cover, dtype=np.float64)
    n_pts, n_cand = a.shape
    w = np.asarray(weight, dtype=np.float64)
    keep_idx = np.unique(np.asarray(keep, dtype=np.int64))
    total = float(w.sum())
    if total <= 0:
        raise KlshuttleError("the demand points carry no weight")
    if budget is not None and budget < len(keep_idx):
        raise KlshuttleError(f"a budget of {budget} stops is below the {len(keep_idx)} hubs kept")
    coverable = np.asarray(a.sum(axis=1)).ravel() > 0
    # variables: x (candidates) then y (points); y_i <= sum_j a_ij x_j
    nv = n_cand + n_pts
    link = sparse.hstack([-a, sparse.identity(n_pts, format="csr")]).tocsr()
    cons = [LinearConstraint(link, -np.inf, 0.0)]
    lb = np.zeros(nv)
    ub = np.ones(nv)
    lb[keep_idx] = 1.0
    ub[n_cand:][~coverable] = 0.0
    if budget is not None:
        c = np.concatenate([np.zeros(n_cand), -w])
        row = sparse.csr_matrix(np.concatenate([np.ones(n_cand), np.zeros(n_pts)])[None, :])
        cons.append(LinearConstraint(row, 0.0, float(budget)))
    else:
        assert target is not None
        reach = float(w[coverable].sum())
        if target * total > reach + 1e-9:
            raise KlshuttleError(
                f"coverage target {target:.0%} is out of reach: all candidates together "
                f"cover {reach / total:.1%}"
            )
        c = np.concatenate([np.ones(n_cand), np.zeros(n_pts)])
        row = sparse.csr_matrix(np.concatenate([np.zeros(n_cand), w])[None, :])
        cons.append(LinearConstraint(row, target * total - 1e-9, np.inf))
    integrality = np.concatenate([np.ones(n_cand), np.zeros(n_pts)])  # y integral at optimum
    res = milp(
        c,
        constraints=cons,
        integrality=integrality,
        bounds=Bounds(lb, ub),
        options={"time_limit": float(time_limit_s), "disp": False},
    )
    if res.x is None:
        raise KlshuttleError(f"stop placement found no solution ({res.message})")
    x = np.round(res.x[:n_cand]).astype(bool)
    chosen = np.flatnonzero(x).astype(np.int64)
    covered = np.asarray(a[:, chosen].sum(axis=1)).ravel() > 0
    cw = float(w[covered].sum())
    gap = float(getattr(res, "mip_gap", 0.0) or 0.0)
    bound = float(getattr(res, "mip_dual_bound", np.nan))
    bound = -bound if budget is not None else bound
    return StopPlan(
        chosen=chosen,
        covered_weight=cw,
        coverage=cw / total,
        bound=bound,
        gap=gap,
        optimal=res.status == 0,
    )
