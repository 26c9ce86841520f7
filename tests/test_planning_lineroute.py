"""Line routing: stops ordered by the shortest cycle time, against enumeration."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from graph_factory import make_graph
from klshuttle.errors import KlshuttleError
from klshuttle.planning.lineroute import cycle_cost_s, order_line_nodes, order_stops
from klshuttle.routing import cost_matrix


def _enumerate(t: np.ndarray, start: int, end: int) -> float:
    """Oracle: every order of the points between the terminals."""
    mid = [i for i in range(len(t)) if i not in (start, end)]
    best = np.inf
    for p in itertools.permutations(mid):
        o = [start, *p, end]
        best = min(best, sum(t[a, b] + t[b, a] for a, b in itertools.pairwise(o)))
    return best


def test_hand_made_street_with_a_one_way_loop() -> None:
    """Terminals 0 and 4 at the ends of a street 0-1-2-3-4 (60 s a block, two-way)
    and a stop 5 on a one-way side loop 2 -> 5 -> 3 (60 s each way round).

    Orders and cycle times, worked by hand (out, back):
    The stops between terminals 0 and 4 are 1, 3 and 5.
    * 0-1-5-3-4: out 60 + (1->2->5: 120) + (5->3: 60) + 60 = 300;
                 back 4->3 60 + (3->5: 3->2->5 = 120) + (5->1: 5->3->2->1 = 180)
                 + 60 = 420; cycle 720.
    * 0-1-3-5-4: out 60 + 120 + (3->5: 120) + (5->4: 5->3->4 = 120) = 420;
                 back (4->5: 4->3->2->5 = 180) + (5->3: 60) + 120 + 60 = 420; cycle 840.
    * 0-5-1-3-4: out (0->5: 180) + (5->1: 180) + 120 + 60 = 540; back 60 + 120 +
                 (1->5: 120) + (5->0: 5->3->2->1->0 = 240) = 540; cycle 1080.
    The other orders are longer still; the shortest is 0, 1, 5, 3, 4 at 720 s.
    """
    edges = []
    for a in range(4):
        edges += [(a, a + 1, 60.0), (a + 1, a, 60.0)]
    edges += [(2, 5, 60.0), (5, 3, 60.0)]
    g = make_graph(6, edges)
    nodes = [0, 1, 3, 5, 4]  # terminals first and last
    res = order_line_nodes(g, nodes)
    assert [nodes[i] for i in res.order] == [0, 1, 5, 3, 4]
    assert res.cycle_s == pytest.approx(720.0)
    assert res.exact
    # the other two hand-worked orders, on the planner's time matrix

    tm = cost_matrix(g, np.array(nodes), np.array(nodes))
    assert cycle_cost_s(tm, [0, 1, 2, 3, 4]) == pytest.approx(840.0)  # 0-1-3-5-4
    assert cycle_cost_s(tm, [0, 3, 1, 2, 4]) == pytest.approx(1080.0)  # 0-5-1-3-4


@pytest.mark.parametrize("seed", range(8))
def test_exact_order_matches_enumeration(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 9))
    t = rng.uniform(30, 300, size=(n, n))
    np.fill_diagonal(t, 0.0)
    start, end = 0, n - 1
    res = order_stops(t, start=start, end=end)
    assert res.exact
    assert res.order[0] == start and res.order[-1] == end
    assert sorted(res.order.tolist()) == list(range(n))
    assert res.cycle_s == pytest.approx(_enumerate(t, start, end))


@pytest.mark.parametrize("seed", range(4))
def test_two_opt_is_a_local_optimum_never_below_the_exact(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    n = 9
    xy = rng.uniform(0, 1000, size=(n, 2))
    t = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1)) / 8.0
    t += rng.uniform(0, 20, size=(n, n))  # a little asymmetry
    np.fill_diagonal(t, 0.0)
    heur = order_stops(t, exact_max=0)
    opt = order_stops(t)
    assert not heur.exact and opt.exact
    assert sorted(heur.order.tolist()) == list(range(n))
    assert heur.cycle_s >= opt.cycle_s - 1e-9
    assert opt.cycle_s == pytest.approx(_enumerate(t, 0, n - 1))
    # no reversal of a stretch between the terminals shortens the cycle
    o = heur.order.tolist()
    for i, j in itertools.combinations(range(1, n - 1), 2):
        trial = o[:i] + o[i : j + 1][::-1] + o[j + 1 :]
        assert cycle_cost_s(t, trial) >= heur.cycle_s - 1e-9


def test_unreachable_or_bad_terminals_are_clear_errors() -> None:
    t = np.array([[0.0, np.inf, 10.0], [np.inf, 0.0, np.inf], [10.0, np.inf, 0.0]])
    with pytest.raises(KlshuttleError, match="has a road path"):
        order_stops(t)
    with pytest.raises(KlshuttleError, match="two different terminals"):
        order_stops(np.zeros((2, 2)), start=1, end=1)
