"""Kaiserslautern: the Trippstadter line runs line 116's streets and keeps its riders."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from klshuttle import load_scenario
from klshuttle.osmroutes import load_bus_routes
from klshuttle.routing import Router
from klshuttle.runner import simulate

SCENARIO = Path(__file__).parents[1] / "scenarios" / "trippstadter-line.toml"
OUT, BACK = 2248116, 2248115


def _relation_ways(osm: Path, ref: str) -> dict[int, set[int]]:
    """Way members of the bus route relations with ``ref`` (plain pyosmium,
    independent of klshuttle.osmroutes)."""
    import osmium

    out: dict[int, set[int]] = {}
    for r in osmium.FileProcessor(str(osm), osmium.osm.RELATION):
        if r.tags.get("route") == "bus" and r.tags.get("ref") == ref:
            out[r.id] = {m.ref for m in r.members if m.type == "w" and m.role == ""}
    return out


@pytest.fixture(scope="module")
def day(kl_osm: Path, kl_cache: Path, kl_graph):  # type: ignore[no-untyped-def]
    """The shipped scenario simulated once (its seed)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("KLSHUTTLE_OSM", str(kl_osm))
    mp.setenv("KLSHUTTLE_CACHE_DIR", str(kl_cache))
    try:
        yield simulate(load_scenario(SCENARIO))
    finally:
        mp.undo()


@pytest.mark.kaiserslautern
def test_runs_on_line_116s_ways_each_direction_on_its_own(day, kl_osm: Path) -> None:  # type: ignore[no-untyped-def]
    ways = _relation_ways(kl_osm, "116")
    graph = day.resolved.graph
    (line,) = day.resolved.lines
    assert line.osm_relations == (OUT, BACK) and line.through
    # >= 95 % of all simulated vehicle-km (depot runs included) on line 116's ways
    loads = day.link_loads
    on = np.isin(graph.edge_osmid[loads["edge"].to_numpy()], list(ways[OUT] | ways[BACK]))
    vkm = loads["vehicle_km"].to_numpy()
    assert vkm[on].sum() >= 0.95 * vkm.sum()
    # the through trip as the simulator drives it (fastest paths between
    # halts and waypoints, from the router), split where the return run starts
    # (its first halt): out on relation 2248116's ways, back on 2248115's. The
    # Uni Ost stop lies inside one graph edge (both relations' stop node);
    # the outbound halts before it, the return after it, and the turn between
    # them is that edge, counted (like every edge) by its first OSM way, the
    # outbound relation's Gottlieb-Daimler-Straße.
    (pat,) = line.patterns()
    router = Router(graph)
    back_from = int(line.stop_nodes["backward"][0])
    parts: dict[int, list[int]] = {OUT: [], BACK: []}
    side = OUT
    for k in range(len(pat.stop_nodes) - 1):
        pts = [int(pat.stop_nodes[k]), *pat.waypoints[k].tolist(), int(pat.stop_nodes[k + 1])]
        for a, b in itertools.pairwise(pts):
            if side == OUT and a == back_from and k >= len(line.stops["forward"]) - 1:
                side = BACK
            if a != b:
                parts[side].extend(router.route(a, b).edges.tolist())
    routes = {r.relation_id: r for r in load_bus_routes(kl_osm)}
    for rel, edges in parts.items():
        e = np.array(edges)
        length = graph.length_m[e]
        own = np.isin(graph.edge_osmid[e], list(ways[rel]))
        share = length[own].sum() / length.sum()
        print(f"relation {rel}: {share:.1%} of {length.sum():.0f} m on its own ways")
        assert share >= 0.95, rel
        # no U-turn loop: no node passed more often than the relation passes it
        nodes = [int(graph.edge_source[e[0]]), *graph.indices[e].tolist()]
        osm = graph.osmid[nodes]
        rel_nodes = routes[rel].node_ids
        assert all(np.sum(osm == x) <= max(1, np.sum(rel_nodes == x)) for x in set(osm.tolist()))


@pytest.mark.kaiserslautern
def test_riders_stay_aboard_through_uni_ost(day, kl_env: Path) -> None:  # type: ignore[no-untyped-def]
    """Without through-running (each relation its own trip) riders from the
    campus to the Hauptbahnhof have no line; with it they ride on through the
    Uni Ost terminal. What stays refused is what line 116 does not carry in one
    ride (against its loop): every refused request's stops are visited in the
    wrong order or not at all."""
    tr = day.trips
    served = (tr["status"] == "served").mean()
    apart = simulate(load_scenario(SCENARIO, overrides={"service.lines.0.through_running": False}))
    served_apart = (apart.trips["status"] == "served").mean()
    assert served > served_apart + 0.3
    assert served > 0.8
    (pat,) = day.resolved.lines[0].patterns()
    names = [str(day.resolved.stops.name[i]) for i in pat.stops]
    # campus -> station rides go on through the terminal
    ride = tr[(tr["pickup_stop"] == "Uni West") & (tr["dropoff_stop"] == "Hauptbahnhof")]
    assert len(ride) > 0 and (ride["status"] == "served").all()
    for _, r in tr[tr["reject_reason"] == "no_line_connection"].iterrows():
        p, q = r["pickup_stop"], r["dropoff_stop"]
        pos_p = [i for i, n in enumerate(names) if n == p]
        pos_q = [i for i, n in enumerate(names) if n == q]
        assert not any(a < b for a in pos_p for b in pos_q), (p, q)


@pytest.mark.kaiserslautern
def test_planned_cycle_equals_the_simulated_round_trip_within_dwells(day) -> None:  # type: ignore[no-untyped-def]
    """Each simulated through trip (Hauptbahnhof out to Uni Ost and back) takes
    the planned driving time plus, at each stop where someone boards or
    alights, the fixed dwell and the time per passenger (summed from the events);
    with a dwell at every intermediate stop it is the planned run time."""
    (line,) = day.resolved.lines
    (pat,) = line.patterns()
    graph = day.resolved.graph
    veh = day.scenario.fleet.vehicle
    ev = day.events
    halts = graph.osmid[pat.stop_nodes]
    drive = float(pat.segment_time_s.sum())
    assert pat.run_time_s == pytest.approx(drive + veh.dwell_time_s * (len(halts) - 2))
    starts = ev[(ev["event"] == "depart") & (ev["node_osmid"] == halts[0])]
    starts = starts[starts["detail"] == f"to node {graph.osmid[pat.stop_nodes[1]]}"]
    n = 0
    for _, s in starts.iterrows():
        mine = ev[(ev["vehicle"] == s["vehicle"]) & (ev["time_s"] > s["time_s"])]
        end = mine[(mine["event"] == "idle")].iloc[0]
        inside = mine[mine["time_s"] < end["time_s"]]
        moves = inside[inside["event"].isin(["pickup", "dropoff"])]
        stops_with_moves = moves.groupby(["node_osmid"])["time_s"].nunique().sum()
        dwell = (
            veh.dwell_time_s * stops_with_moves + veh.boarding_time_s * moves["passengers"].sum()
        )
        took = end["time_s"] - s["time_s"]
        assert took == pytest.approx(drive + dwell, abs=1e-6)
        assert drive - 1e-6 <= took <= pat.run_time_s + veh.dwell_time_s + dwell + 1e-6
        n += 1
    assert n == len(pat.departures_s)


@pytest.mark.kaiserslautern
def test_coverage_never_falls_when_a_stop_is_added(day) -> None:  # type: ignore[no-untyped-def]
    """The residents (floor area of residential buildings in the corridor) that
    the best k of the line's 12 stops cover within a 400 m walk along streets
    (exact MILP): never less for k + 1 stops; all 12 cover what the 12 cover."""
    from klshuttle.osmfeatures import BUILDING_RESIDENTIAL, load_features
    from klshuttle.planning.coverage import coverage_matrix, place_stops

    res = day.resolved
    g = res.graph
    feats = load_features(res.scenario.map.source)
    sel = (feats.building_use == BUILDING_RESIDENTIAL) & res.area.contains_xy_m(
        feats.building_x, feats.building_y
    )
    from klshuttle.graph import to_lonlat

    lon, lat = to_lonlat(feats.building_x[sel], feats.building_y[sel])
    pnode, psnap = g.nearest_nodes(lon, lat)
    cover = coverage_matrix(g, pnode, psnap, res.stops.node, 400.0)
    w = feats.building_area_m2[sel]
    got = [place_stops(cover, w, budget=k).covered_weight for k in range(1, len(res.stops) + 1)]
    assert all(b >= a - 1e-6 for a, b in itertools.pairwise(got)), got
    every = float(w[np.asarray(cover.sum(axis=1)).ravel() > 0].sum())
    assert got[-1] == pytest.approx(every)
    assert got[0] < got[-1]


@pytest.mark.kaiserslautern
def test_line_timetable_aligned_to_trains_at_the_hub(kl_env: Path) -> None:
    """A feeder model at the Hauptbahnhof with two trains an hour: the planned
    departures reach the station no later than each train minus the transfer
    time, and the first trip after each arriving train leaves no earlier than
    its arrival plus the transfer time; waits checked from the departures."""
    from klshuttle.planning.lineplan import plan_lines

    deps = [f"{h:02d}:{m:02d}" for h in range(7, 20) for m in (12, 42)]
    arrs = [f"{h:02d}:{m:02d}" for h in range(7, 20) for m in (20, 50)]
    feeder = {
        "type": "feeder",
        "name": "rail",
        "hub": "Hauptbahnhof",
        "trains": {"departures": deps, "arrivals": arrs},
        "riders_per_departure": 2,
        "riders_per_arrival": 2,
    }
    sc = load_scenario(SCENARIO)
    models = [m.model_dump(mode="python") for m in sc.demand.models] + [feeder]
    sc = load_scenario(SCENARIO, overrides={"demand.models": models})
    plan = plan_lines(sc)
    (rep,) = plan.report["lines"]
    t = rep["trains"]
    assert t["hub"] == "Hauptbahnhof" and t["trains"] == 2 * len(deps)
    (line,) = plan.resolved.lines
    (pat,) = line.patterns()
    dwell = sc.fleet.vehicle.dwell_time_s
    at_hub = pat.departures_s + pat.arrival_offsets_s(dwell)[-1]
    from_hub = pat.departures_s
    transfer = 300.0
    missed, wait = 0, 0.0
    for d in (float(x[:2]) * 3600 + float(x[3:]) * 60 for x in deps):
        ok = at_hub[at_hub <= d - transfer + 1e-9]
        missed += len(ok) == 0
        wait += (d - transfer - ok.max()) if len(ok) else 0.0
    for a in (float(x[:2]) * 3600 + float(x[3:]) * 60 for x in arrs):
        ok = from_hub[from_hub >= a + transfer - 1e-9]
        missed += len(ok) == 0
        wait += (ok.min() - a - transfer) if len(ok) else 0.0
    assert missed == t["missed"] == 0
    assert wait / (2 * len(deps)) == pytest.approx(t["mean_wait_s"])
