"""Kaiserslautern: the Trippstadter line follows SWK line 116's route relations."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from klshuttle import load_scenario
from klshuttle.osmroutes import load_bus_routes
from klshuttle.routing import Router
from klshuttle.runner import simulate

SCENARIO = Path(__file__).parents[1] / "scenarios" / "line-116.toml"


def _relation_ways(osm: Path, ref: str) -> dict[int, set[int]]:
    """Way members of the bus route relations with ``ref``: an oracle read
    with plain pyosmium, independent of klshuttle.osmroutes."""
    import osmium

    out: dict[int, set[int]] = {}
    for r in osmium.FileProcessor(str(osm), osmium.osm.RELATION):
        if r.tags.get("route") == "bus" and r.tags.get("ref") == ref:
            out[r.id] = {m.ref for m in r.members if m.type == "w" and m.role == ""}
    return out


@pytest.mark.kaiserslautern
def test_trippstadter_line_runs_on_line_116s_ways(kl_env: Path, kl_osm: Path) -> None:
    ways = _relation_ways(kl_osm, "116")
    assert sorted(ways) == [2248115, 2248116]
    result = simulate(load_scenario(SCENARIO))
    routes = {r.relation_id: r for r in load_bus_routes(kl_osm)}
    graph = result.resolved.graph
    (line,) = result.resolved.lines
    assert line.osm_relations == (2248116, 2248115)
    # >= 95 % of all simulated vehicle-km (incl. depot runs) on line 116's ways
    loads = result.link_loads
    on = np.isin(graph.edge_osmid[loads["edge"].to_numpy()], list(ways[2248116] | ways[2248115]))
    vkm = loads["vehicle_km"].to_numpy()
    assert vkm[on].sum() >= 0.95 * vkm.sum()
    # each direction, as the simulator drives it (fastest paths between the
    # halts and waypoints, from the router's tables), on its own relation's
    # ways, with no node passed twice (no U-turn loop)
    router = Router(graph)
    for d, rel in zip(line.directions, line.osm_relations, strict=True):
        halts = line.stop_nodes[d].tolist()
        edges: list[int] = []
        for k in range(len(halts) - 1):
            pts = [halts[k], *line.waypoints[d][k].tolist(), halts[k + 1]]
            for a, b in itertools.pairwise(pts):
                if a != b:
                    edges.extend(router.route(a, b).edges.tolist())
        e = np.array(edges)
        length = graph.length_m[e]
        own = np.isin(graph.edge_osmid[e], list(ways[rel]))
        assert length[own].sum() >= 0.95 * length.sum(), d
        # no loop the relation does not drive itself (it loops through the bus
        # station at the Hauptbahnhof): no node passed more often than there
        nodes = [int(graph.edge_source[e[0]]), *graph.indices[e].tolist()]
        osm = graph.osmid[nodes]
        rel_nodes = routes[rel].node_ids
        assert all(np.sum(osm == x) <= max(1, np.sum(rel_nodes == x)) for x in set(osm.tolist())), d
        assert np.array_equal(e, line.path_edges[d])
        # the planned run time is the driving time of that path plus dwell
        dwell = result.scenario.fleet.vehicle.dwell_time_s
        planned = line.run_time_s[d] - dwell * (len(halts) - 2)
        assert planned == pytest.approx(graph.travel_time_s[e].sum())
    # the bus-only link at the Hauptbahnhof is in this line's graph (mode line)
    assert np.isin(graph.edge_osmid, [158885183, 45073855]).any()


@pytest.mark.kaiserslautern
def test_simulated_trips_take_the_planned_time_plus_their_dwells(kl_env: Path) -> None:
    """Each simulated trip from the first to the last halt takes the planned
    driving time plus, at each intermediate stop where someone boards or
    alights, the fixed dwell and the time per passenger (hand-summed from the
    events); with a dwell at every intermediate stop it is the planned run time."""
    result = simulate(load_scenario(SCENARIO))
    (line,) = result.resolved.lines
    graph = result.resolved.graph
    veh = result.scenario.fleet.vehicle
    ev = result.events
    n_trips = 0
    for d in line.directions:
        halts = graph.osmid[line.stop_nodes[d]]
        n = len(halts)
        drive = line.run_time_s[d] - veh.dwell_time_s * (n - 2)
        starts = ev[(ev["event"] == "depart") & (ev["node_osmid"] == halts[0])]
        starts = starts[starts["detail"] == f"to node {halts[1]}"]
        for _, s in starts.iterrows():
            mine = ev[(ev["vehicle"] == s["vehicle"]) & (ev["time_s"] > s["time_s"])]
            end = mine[(mine["event"] == "arrive") & (mine["node_osmid"] == halts[-1])].iloc[0]
            inside = mine[mine["time_s"] < end["time_s"]]
            moves = inside[inside["event"].isin(["pickup", "dropoff"])]
            dwell = veh.dwell_time_s * moves["node_osmid"].nunique()
            dwell += veh.boarding_time_s * moves["passengers"].sum()
            assert end["time_s"] - s["time_s"] == pytest.approx(drive + dwell, abs=1e-6)
            took = end["time_s"] - s["time_s"]
            assert drive - 1e-6 <= took <= line.run_time_s[d] + dwell + 1e-6
            n_trips += 1
    assert n_trips == sum(len(line.departures_s[d]) for d in line.directions)
