"""A city-scale door-to-door day without all-pairs tables.

``hierarchy_tiled``: a day of 10,000 requests and 50 shuttles on the central
graph tiled 5 x 5 (about 48,000 nodes; all-pairs tables would need 46 GB),
simulated on its contraction hierarchy (:func:`klshuttle.simnet.sparse_net`),
with the vehicle and link tables. ``tables_central``, the reference, measured
in the same run: the same kind of day on the central graph (1,916 nodes) on
its all-pairs tables. The ratio says what a 25 times larger graph costs; the
absolute time of the tiled day (target: under 60 s) is in extra_info.
The hierarchy of each graph is built once, outside the timing (its build
time is in extra_info).
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from klshuttle import RoadGraph, Router
from klshuttle.ch import contraction_hierarchy
from klshuttle.sim import OnDemandSimulation, net_tables
from klshuttle.simnet import sparse_net
from tiled import city_day, day_tables, tiled_graph

#: The day: requests, vehicles (the issue's city-scale day).
DAY = (10_000, 50)


@pytest.fixture(scope="module")
def city(kl_graph: RoadGraph, warm: dict[str, Any]) -> dict[str, Any]:
    """Both graphs with their networks and days, built before any timing."""
    tiled = tiled_graph(kl_graph, 5, 5)
    t0 = time.perf_counter()
    contraction_hierarchy(tiled)
    build_s = time.perf_counter() - t0
    n, v = DAY
    return {
        "hierarchy_tiled": (tiled, sparse_net(tiled, n_vehicles=v), city_day(tiled, n, v, 1)),
        "tables_central": (
            kl_graph,
            net_tables(Router(kl_graph)),
            city_day(kl_graph, n, v, 1),
        ),
        "hierarchy_build_s": build_s,
    }


def _day(graph: RoadGraph, net: Any, day: Any) -> Any:
    trips, fleet = day
    sim = OnDemandSimulation(net, fleet, trips, start_s=6 * 3600.0, end_s=22 * 3600.0)
    log = sim.run_to_end()
    served, _, _ = day_tables(log, net, graph)
    return float(served.mean())


@pytest.mark.benchmark(group="city_day")
@pytest.mark.parametrize("impl", ["hierarchy_tiled", "tables_central"])
def test_city_day(benchmark: Any, city: dict[str, Any], impl: str) -> None:
    graph, net, day = city[impl]
    _day(graph, net, day)  # warm: compile for this network type
    served = benchmark.pedantic(lambda: _day(graph, net, day), rounds=3, iterations=1)
    benchmark.extra_info.update(
        {
            "measures": f"a door-to-door day of {DAY[0]:,} requests, {DAY[1]} shuttles, "
            f"with vehicle and link tables, on {graph.n_nodes:,} nodes",
            "nodes": graph.n_nodes,
            "served_share": served,
            "hierarchy_build_s": city["hierarchy_build_s"] if impl == "hierarchy_tiled" else None,
        }
    )
    assert 0.05 < served < 1.0
