"""Hypothesis strategies: small random road graphs with awkward features."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from graph_factory import LAT0, LON0, make_graph
from klshuttle import RoadGraph


@st.composite
def road_graphs(
    draw: Any, *, max_nodes: int = 9, integer_weights: bool = False, zero_weights: bool = False
) -> RoadGraph:
    """A random directed multigraph with self-loops, parallel edges and isolated nodes.

    ``integer_weights`` draws times from a few small integers (many exact ties);
    ``zero_weights`` allows zero-time edges. Nodes get random coordinates within
    about 1 km, so the A* bound is exercised with arbitrary geometry.
    """
    n = draw(st.integers(1, max_nodes))
    node = st.integers(0, n - 1)
    if integer_weights:
        times = st.integers(0 if zero_weights else 1, 4).map(float)
    elif zero_weights:
        times = st.one_of(st.just(0.0), st.floats(0.05, 50.0))
    else:
        times = st.floats(0.05, 50.0)
    edge = st.tuples(node, node, times, st.floats(1.0, 500.0))
    edges = draw(st.lists(edge, max_size=3 * n))
    coord = st.tuples(st.floats(LON0 - 0.007, LON0 + 0.007), st.floats(LAT0 - 0.005, LAT0 + 0.005))
    coords = draw(st.lists(coord, min_size=n, max_size=n))
    return make_graph(n, edges, coords)
