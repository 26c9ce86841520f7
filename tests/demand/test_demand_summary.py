"""summarize_requests against a networkx reference on the real map."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from demand_helpers import resolve_text

from klshuttle.demand import summarize_requests
from scenario_files import SMALL

pytestmark = pytest.mark.kaiserslautern


def test_summary_matches_a_reference(kl_env: Path, tmp_path: Path) -> None:
    res = resolve_text(tmp_path, SMALL)
    req, g = res.requests, res.graph
    s = summarize_requests(req, g)
    assert s.requests == 200 and sum(s.per_hour.values()) == 200 and sum(s.per_tag.values()) == 200
    G = nx.DiGraph()
    for k in range(g.n_edges):
        u, v = int(g.edge_source[k]), int(g.indices[k])
        t, m = float(g.travel_time_s[k]), float(g.length_m[k])
        if not G.has_edge(u, v):
            G.add_edge(u, v, t=t, m=m)
        else:
            G[u][v]["t"] = min(G[u][v]["t"], t)
            G[u][v]["m"] = min(G[u][v]["m"], m)
    t_ref = [
        nx.shortest_path_length(G, int(o), int(d), weight="t")
        for o, d in zip(req.origin_node, req.dest_node, strict=True)
    ]
    m_ref = [
        nx.shortest_path_length(G, int(o), int(d), weight="m")
        for o, d in zip(req.origin_node, req.dest_node, strict=True)
    ]
    assert s.mean_direct_time_s == pytest.approx(np.mean(t_ref))
    assert s.mean_direct_distance_m == pytest.approx(np.mean(m_ref))
