"""Stop placement: exact MILP against brute-force enumeration on small instances."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest

from graph_factory import make_graph
from klshuttle.errors import KlshuttleError
from klshuttle.planning.coverage import coverage_matrix, place_stops, walk_distances_m


def _brute_budget(cover: np.ndarray, w: np.ndarray, budget: int, keep=()) -> float:
    n = cover.shape[1]
    best = 0.0
    for k in range(budget + 1):
        for s in itertools.combinations(range(n), k):
            if not set(keep) <= set(s):
                continue
            best = max(best, float(w[cover[:, list(s)].any(axis=1)].sum()) if s else 0.0)
    return best


def _brute_target(cover: np.ndarray, w: np.ndarray, target: float) -> int:
    n = cover.shape[1]
    for k in range(n + 1):
        for s in itertools.combinations(range(n), k):
            if s and w[cover[:, list(s)].any(axis=1)].sum() >= target * w.sum() - 1e-9:
                return k
    raise AssertionError("unreachable target")


def test_hand_worked_budget_and_target() -> None:
    # candidate 0 covers points 0,1 (weight 5); 1 covers 1,2 (weight 7);
    # 2 covers 3 (weight 4): with one stop the best is 1 (7 of 12), with two 0+2 or 1+2
    cover = np.array([[1, 0, 0], [1, 1, 0], [0, 1, 0], [0, 0, 1]], dtype=bool)
    w = np.array([2.0, 3.0, 4.0, 3.0])
    one = place_stops(cover, w, budget=1)
    assert one.chosen.tolist() == [1] and one.covered_weight == 7.0 and one.optimal
    assert one.gap == pytest.approx(0.0, abs=1e-9)
    two = place_stops(cover, w, budget=2)
    assert two.covered_weight == 10.0
    # a hub is kept even where it is not the best choice
    hub = place_stops(cover, w, budget=1, keep=[2])
    assert hub.chosen.tolist() == [2] and hub.covered_weight == 3.0
    # fewest stops for 100 %: all three
    assert len(place_stops(cover, w, target=1.0).chosen) == 3
    assert len(place_stops(cover, w, target=0.5).chosen) == 1


@pytest.mark.parametrize("seed", range(12))
def test_random_instances_match_enumeration(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_pts, n_cand = int(rng.integers(4, 12)), int(rng.integers(3, 8))
    cover = rng.random((n_pts, n_cand)) < 0.3
    w = rng.integers(1, 20, n_pts).astype(float)
    prev = -1.0
    for budget in range(1, n_cand + 1):
        plan = place_stops(cover, w, budget=budget)
        assert plan.optimal
        assert plan.covered_weight == pytest.approx(_brute_budget(cover, w, budget))
        assert len(plan.chosen) <= budget
        # coverage never falls when a stop is added to the budget
        assert plan.covered_weight >= prev - 1e-9
        prev = plan.covered_weight
    reach = w[cover.any(axis=1)].sum() / w.sum()
    for target in (0.3 * reach, 0.6 * reach, reach):
        plan = place_stops(cover, w, target=target)
        assert len(plan.chosen) == _brute_target(cover, w, target)
        assert plan.coverage >= target - 1e-9


def test_bad_requests_are_clear_errors() -> None:
    cover = np.array([[1, 0], [0, 0]], dtype=bool)
    w = np.array([1.0, 1.0])
    with pytest.raises(KlshuttleError, match="either a stop budget or a coverage target"):
        place_stops(cover, w)
    with pytest.raises(KlshuttleError, match="out of reach"):
        place_stops(cover, w, target=0.9)
    with pytest.raises(KlshuttleError, match="below the 2 hubs"):
        place_stops(cover, w, budget=1, keep=[0, 1])


def test_walk_along_streets_against_networkx() -> None:
    # a one-way ring 0->1->2->3->0 plus a spur 2-4; pedestrians walk both ways
    g = make_graph(
        5,
        [
            (0, 1, 1, 100.0),
            (1, 2, 1, 120.0),
            (2, 3, 1, 80.0),
            (3, 0, 1, 300.0),
            (2, 4, 1, 50.0),
            (0, 1, 1, 90.0),
        ],
    )
    G = nx.Graph()
    for k in range(g.n_edges):
        u, v, L = int(g.edge_source[k]), int(g.indices[k]), float(g.length_m[k])
        if not G.has_edge(u, v) or G[u][v]["w"] > L:
            G.add_edge(u, v, w=L)
    d = walk_distances_m(g, [0, 4], 1e9).toarray()
    for i, s in enumerate([0, 4]):
        ref = nx.single_source_dijkstra_path_length(G, s, weight="w")
        for v in range(5):
            assert d[i, v] == pytest.approx(max(ref[v], 1e-9))
    # points at nodes 3 (10 m from the street) and 4; candidates at 0 and 2
    cov = coverage_matrix(g, [3, 4], [10.0, 0.0], [0, 2], walk_m=210.0).toarray()
    # from node 3: to 0 along the ring 300 m (or 80+120+90 = 290 m) > 200, to 2: 80 m
    assert cov.tolist() == [[False, True], [False, True]]
    cov = coverage_matrix(g, [3, 4], [10.0, 0.0], [0, 2], walk_m=300.0).toarray()
    assert cov.tolist() == [[True, True], [True, True]]
