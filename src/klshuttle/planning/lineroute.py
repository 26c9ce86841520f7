"""Line routing: the order of a line's stops between two terminals by the shortest cycle time.

A two-way line runs from terminal A through its stops to terminal B and back
through the same stops in reverse. With directed driving times ``t`` (one-way
streets make ``t[a, b] != t[b, a]``) the cycle time of the order
``A, s1, ..., sk, B`` is

    sum t[s_i, s_i+1] + sum t[s_i+1, s_i]  (+ dwell and layover, fixed)

so the order is a shortest Hamiltonian path between fixed ends on the
symmetric cost ``c[a, b] = t[a, b] + t[b, a]``. Pinned ``via`` points enter the
order like stops (without a dwell).

:func:`order_stops` solves it exactly by the Held-Karp dynamic programme up to
``exact_max`` intermediate points (2^k k^2 steps), and otherwise by
nearest-neighbour construction improved by 2-opt until no reversal shortens
it (a local optimum; its cost is reported, not a bound).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..errors import KlshuttleError
from ..graph import RoadGraph

__all__ = ["StopOrder", "cycle_cost_s", "order_line_nodes", "order_stops"]

#: Held-Karp up to this many intermediate points (2^12 x 12^2 ~ 0.6 M steps).
EXACT_MAX = 12


@dataclass(frozen=True)
class StopOrder:
    """An order of a line's points from the first terminal to the second.

    Attributes
    ----------
    order : int64
        Indices into the cost matrix, first terminal first, second last.
    cycle_s
        Driving time out and back along that order.
    exact
        Whether the order is proven shortest (Held-Karp) or a 2-opt local optimum.
    """

    order: NDArray[np.int64]
    cycle_s: float
    exact: bool


def cycle_cost_s(time_s: ArrayLike, order: ArrayLike) -> float:
    """Driving time out along ``order`` and back along its reverse."""
    t = np.asarray(time_s, dtype=np.float64)
    o = np.asarray(order, dtype=np.int64)
    return float(t[o[:-1], o[1:]].sum() + t[o[1:], o[:-1]].sum())


def _held_karp(c: NDArray[np.float64], start: int, end: int, mid: list[int]) -> list[int]:
    k = len(mid)
    if k == 0:
        return [start, end]
    full = 1 << k
    best = np.full((full, k), np.inf)
    back = np.full((full, k), -1, dtype=np.int64)
    for j in range(k):
        best[1 << j, j] = c[start, mid[j]]
    for mask in range(1, full):
        for j in range(k):
            cur = best[mask, j]
            if not (mask >> j) & 1 or not np.isfinite(cur):
                continue
            for n in range(k):
                if (mask >> n) & 1:
                    continue
                m2 = mask | (1 << n)
                v = cur + c[mid[j], mid[n]]
                if v < best[m2, n]:
                    best[m2, n], back[m2, n] = v, j
    last = best[full - 1] + c[[m for m in mid], end]
    j = int(np.argmin(last))
    if not np.isfinite(last[j]):
        raise KlshuttleError("no order of the line's stops has a road path between them")
    seq = []
    mask = full - 1
    while j >= 0:
        seq.append(mid[j])
        j, mask = int(back[mask, j]), mask & ~(1 << j)
    return [start, *seq[::-1], end]


def _two_opt(c: NDArray[np.float64], start: int, end: int, mid: list[int]) -> list[int]:
    left = set(mid)
    path = [start]
    while left:  # nearest neighbour, ties to the lower index
        nxt = min(left, key=lambda n: (c[path[-1], n], n))
        path.append(nxt)
        left.remove(nxt)
    path.append(end)
    improved = True
    while improved:
        improved = False
        for i in range(1, len(path) - 2):
            for j in range(i + 1, len(path) - 1):
                a, b, x, y = path[i - 1], path[i], path[j], path[j + 1]
                if c[a, x] + c[b, y] < c[a, b] + c[x, y] - 1e-9:
                    path[i : j + 1] = path[i : j + 1][::-1]
                    improved = True
    return path


def order_stops(
    time_s: ArrayLike, *, start: int = 0, end: int | None = None, exact_max: int = EXACT_MAX
) -> StopOrder:
    """Order all points of a line between two terminals by the shortest cycle time.

    Parameters
    ----------
    time_s
        Square matrix of driving times between the points (``inf``: no path).
    start, end
        Indices of the terminals (``end`` default: the last point).
    exact_max
        Solve exactly (Held-Karp) up to this many points between the terminals;
        above it, nearest neighbour + 2-opt.

    Returns
    -------
    StopOrder
    """
    t = np.asarray(time_s, dtype=np.float64)
    n = t.shape[0]
    end = n - 1 if end is None else int(end)
    if t.shape != (n, n) or n < 2 or start == end or not (0 <= start < n and 0 <= end < n):
        raise KlshuttleError("a line needs a square time matrix and two different terminals")
    c = t + t.T
    mid = [i for i in range(n) if i not in (start, end)]
    exact = len(mid) <= exact_max
    order = (_held_karp if exact else _two_opt)(c, start, end, mid)
    cost = cycle_cost_s(t, order)
    if not np.isfinite(cost):
        raise KlshuttleError("no order of the line's stops has a road path between them")
    return StopOrder(np.array(order, dtype=np.int64), cost, exact)


def order_line_nodes(
    graph: RoadGraph, nodes: ArrayLike, *, exact_max: int = EXACT_MAX
) -> StopOrder:
    """Order graph nodes (first and last are the terminals) by the shortest
    cycle time along fastest paths on the road graph."""
    from ..routing import cost_matrix

    idx = np.asarray(nodes, dtype=np.int64)
    t = np.asarray(cost_matrix(graph, idx, idx, weight="travel_time_s"), dtype=np.float64)
    return order_stops(t, start=0, end=len(idx) - 1, exact_max=exact_max)
