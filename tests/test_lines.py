"""Line timetables, explicit departures, operating hours and line rides."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from klshuttle import load_scenario
from klshuttle.lines import Line, line_rides
from klshuttle.resolve import resolve
from klshuttle.stops import StopAssignment
from scenario_files import SCENARIOS, SMALL, scenario_dir, write


@pytest.mark.kaiserslautern
def test_trippstadter_line_timetable_by_hand(kl_env: Path) -> None:
    # the shipped scenario follows line 116's relations; here the same corridor
    # as a line through named stops (fastest paths between them)
    corridor = [
        "Hauptbahnhof",
        "Post",
        "Trippstadter Straße",
        "Elektrizitätswerk",
        "Carl-Euler-Straße",
        "Fraunhofer Zentrum",
        "Uni West",
        "Uni Süd",
    ]
    spec = {"name": "T", "stops": corridor, "headway_s": 600.0, "layover_s": 300.0}
    sc = load_scenario(
        SCENARIOS / "trippstadter-line.toml",
        overrides={"service.lines": [spec], "fleet.vehicles": 4},
    )
    res = resolve(sc)
    (line,) = res.lines
    g, stops = res.graph, res.stops
    names = [str(stops.name[i]) for i in line.stops["forward"]]
    assert names == corridor
    assert line.stops["backward"].tolist() == line.stops["forward"][::-1].tolist()
    # segment times agree with networkx on the same graph
    G = nx.DiGraph()
    for k in range(g.n_edges):
        u, v, w = int(g.edge_source[k]), int(g.indices[k]), float(g.travel_time_s[k])
        if not G.has_edge(u, v) or G[u][v]["w"] > w:
            G.add_edge(u, v, w=w)
    seq = stops.node[line.stops["forward"]]
    ref = [
        nx.shortest_path_length(G, int(a), int(b), weight="w") for a, b in itertools.pairwise(seq)
    ]
    assert np.allclose(line.segment_time_s["forward"], ref)
    dwell = res.scenario.fleet.vehicle.dwell_time_s
    assert line.run_time_s["forward"] == pytest.approx(sum(ref) + dwell * 6)
    # headway 600 s from 06:00; return trips after run + 300 s layover, on the minute
    fwd = line.departures_s["forward"]
    assert fwd[0] == 6 * 3600 and np.all(np.diff(fwd) == 600)
    back = line.departures_s["backward"]
    assert np.array_equal(back, np.ceil((fwd + line.run_time_s["forward"] + 300) / 60) * 60)
    end = 21 * 3600
    assert fwd[-1] + line.run_time_s["forward"] + 300 + line.run_time_s["backward"] <= end
    assert back[-1] + line.run_time_s["backward"] <= end
    cycle = line.run_time_s["forward"] + line.run_time_s["backward"] + 600 + 60
    assert line.vehicles_needed == math.ceil(cycle / 600)
    # line service: requests use the line's stops
    assert res.assignment is not None
    ok = res.assignment.servable
    assert np.isin(res.assignment.pickup_stop[ok], line.stops["forward"]).all()


@pytest.mark.kaiserslautern
def test_osm_route_line_stops_and_times(kl_env: Path) -> None:
    res = resolve(load_scenario(SCENARIOS / "line-116.toml"))
    (line,) = res.lines
    g, stops = res.graph, res.stops
    fwd = [str(stops.name[i]) for i in line.stops["forward"]]
    back = [str(stops.name[i]) for i in line.stops["backward"]]
    # the stops of relations 2248116 and 2248115 as mapped: the return runs another way
    assert fwd == [
        "Hauptbahnhof",
        "Post",
        "Trippstadter Straße",
        "Elektrizitätswerk",
        "Carl-Euler-Straße",
        "Fraunhofer Zentrum",
        "Uni West",
        "Uni Süd",
        "Uni Ost",
    ]
    assert back == [
        "Uni Ost",
        "Pestalozzischule",
        "Im Kuckucksschlag",
        "Pfaffenbergstraße",
        "Elektrizitätswerk",
        "Trippstadter Straße",
        "Post",
        "Hauptbahnhof",
    ]
    dwell = res.scenario.fleet.vehicle.dwell_time_s
    for d, n in (("forward", 9), ("backward", 8)):
        # path_edges: what the simulator drives through the halts and waypoints
        drive = float(g.travel_time_s[line.path_edges[d]].sum())
        assert line.segment_time_s[d].sum() == pytest.approx(drive)
        assert line.run_time_s[d] == pytest.approx(drive + dwell * (n - 2))
        # every halt lies on the direction's path
        nodes = {int(g.edge_source[e]) for e in line.path_edges[d]}
        nodes |= {int(g.indices[e]) for e in line.path_edges[d]}
        assert set(line.stop_nodes[d].tolist()) <= nodes


@pytest.mark.kaiserslautern
def test_line_with_explicit_departures(kl_env: Path, tmp_path: Path) -> None:
    folder = scenario_dir(tmp_path)
    text = (
        SMALL
        + """
[service]
mode = "hybrid"
stops = { type = "named", names = ["Hauptbahnhof", "Rathaus", "Pfaffplatz"] }
[[service.lines]]
name = "Ring"
stops = ["Hauptbahnhof", "Rathaus", "Pfaffplatz"]
departures = ["07:00", "07:30", "08:00"]
return_departures = ["07:20", "08:10"]
"""
    )
    res = resolve(load_scenario(write(folder, "s.toml", text)), demand=False)
    (line,) = res.lines
    assert line.departures_s["forward"].tolist() == [25200.0, 27000.0, 28800.0]
    assert line.departures_s["backward"].tolist() == [26400.0, 29400.0]
    assert res.on_demand_vehicles == 3 - line.vehicles
    one_way = write(
        folder,
        "o.toml",
        text.replace('return_departures = ["07:20", "08:10"]', "both_directions = false"),
    )
    res = resolve(load_scenario(one_way), demand=False)
    assert res.lines[0].directions == ("forward",)


@pytest.mark.kaiserslautern
def test_line_outside_operating_hours_is_an_error(kl_env: Path, tmp_path: Path) -> None:
    from klshuttle.errors import ScenarioError

    folder = scenario_dir(tmp_path)
    text = (
        SMALL
        + """
[service]
mode = "line"
stops = { type = "named", names = ["Hauptbahnhof", "Rathaus"] }
[[service.lines]]
name = "Late"
stops = ["Hauptbahnhof", "Rathaus"]
departures = ["20:55"]
"""
    )
    with pytest.raises(
        ScenarioError, match=r"service\.lines\[0\]: the forward trip leaving at 20:55 runs outside"
    ):
        resolve(load_scenario(write(folder, "s.toml", text)), demand=False)


def test_line_rides_by_hand() -> None:
    def line(name: str, seq: list[int], both: bool = True) -> Line:
        stops = {"forward": np.array(seq, dtype=np.int32)}
        if both:
            stops["backward"] = stops["forward"][::-1].copy()
        empty = {d: np.empty(0) for d in stops}
        return Line(name, stops, empty, empty, {d: 0.0 for d in stops}, 0.0, 1, 1)

    lines = [line("A", [0, 1, 2, 3]), line("Loop", [4, 5, 6, 4], both=False)]
    pick = np.array([0, 3, 1, 0, 4, 6, -1], dtype=np.int32)
    drop = np.array([2, 1, 1, 5, 6, 4, 2], dtype=np.int32)
    a = StopAssignment(
        pick, drop, np.zeros(7), np.zeros(7), np.full(7, "", dtype="<U16"), 400.0, 1.3
    )
    rides = line_rides(a, lines, 7)
    assert rides.routes == ((0, "forward"), (0, "backward"), (1, "forward"))
    assert rides.route.tolist() == [0, 1, -1, -1, 2, 2, -1]
    assert rides.board.tolist() == [0, 0, -1, -1, 0, 2, -1]
    assert rides.alight.tolist() == [2, 2, -1, -1, 2, 3, -1]


def test_line_rides_through_a_terminal_take_the_shortest_ride() -> None:
    """A through-running line 0-1-2-3 out, 3-4-1-0 back, as one trip
    0,1,2,3,4,1,0 (stop 3 is the far terminal, halted at once). Worked by hand:
    2 -> 4 rides through the terminal (positions 2 -> 4); 1 -> 0 boards at the
    second visit of 1 (5 -> 6, not 1 -> 6); 0 -> 1 alights at the first visit
    (0 -> 1); 4 -> 2 has no ride (2 comes only before 4)."""
    stops = {
        "forward": np.array([0, 1, 2, 3], np.int32),
        "backward": np.array([3, 4, 1, 0], np.int32),
    }
    nodes = {d: s + 10 for d, s in stops.items()}
    deps = {"forward": np.array([0.0]), "backward": np.array([100.0])}
    ln = Line(
        "T",
        stops,
        deps,
        {"forward": np.array([20.0, 20.0, 20.0]), "backward": np.array([10.0, 20.0, 20.0])},
        {"forward": 60.0, "backward": 50.0},
        0.0,
        1,
        1,
        nodes,
        through=True,
        dwell_s=5.0,
    )
    (pat,) = ln.patterns()
    assert pat.stops.tolist() == [0, 1, 2, 3, 4, 1, 0]
    assert pat.run_time_s == pytest.approx(60.0 + 5.0 + 50.0)  # one dwell at the terminal
    # arrivals: driving 20, 20, 20, 10, 20, 20 plus 5 s at each stop passed
    assert pat.arrival_offsets_s(5.0).tolist() == [0, 20, 45, 70, 85, 110, 135]
    pick = np.array([2, 1, 0, 4], dtype=np.int32)
    drop = np.array([4, 0, 1, 2], dtype=np.int32)
    a = StopAssignment(
        pick, drop, np.zeros(4), np.zeros(4), np.full(4, "", dtype="<U16"), 400.0, 1.3
    )
    rides = line_rides(a, [ln], 5)
    assert rides.routes == ((0, "through"),)
    assert rides.route.tolist() == [0, 0, 0, -1]
    assert rides.board.tolist() == [2, 5, 0, -1]
    assert rides.alight.tolist() == [4, 6, 1, -1]


@pytest.mark.kaiserslautern
def test_via_point_and_street_pass_where_the_planner_pins_them(kl_env: Path) -> None:
    """A via point is a waypoint of its segment (out) and of the mirrored
    segment (back); the segment time is the fastest path through it (networkx)."""
    corridor = ["Hauptbahnhof", "Post", "Trippstadter Straße"]
    via = [
        {"after": "Post", "lon": 7.7635, "lat": 49.4395},
        {"after": "Hauptbahnhof", "street": "Glockenstraße"},
    ]
    spec = {"name": "T", "stops": corridor, "via": via, "headway_s": 600.0, "layover_s": 300.0}
    sc = load_scenario(
        SCENARIOS / "trippstadter-line.toml",
        overrides={"service.lines": [spec], "fleet.vehicles": 8},
    )
    res = resolve(sc, demand=False)
    (line,) = res.lines
    g, stops = res.graph, res.stops
    w_point = int(np.asarray(g.nearest_nodes([7.7635], [49.4395])[0])[0])
    assert line.waypoints["forward"][1].tolist() == [w_point]
    assert line.waypoints["backward"][0].tolist() == [w_point]
    (w_street,) = line.waypoints["forward"][0].tolist()
    named = g.edges_named("Glockenstraße")
    assert w_street in set(g.edge_source[named].tolist()) | set(g.indices[named].tolist())
    G = nx.DiGraph()
    for k in range(g.n_edges):
        u, v, w = int(g.edge_source[k]), int(g.indices[k]), float(g.travel_time_s[k])
        if not G.has_edge(u, v) or G[u][v]["w"] > w:
            G.add_edge(u, v, w=w)
    a, b = (int(x) for x in stops.node[line.stops["forward"][1:3]])
    want = nx.shortest_path_length(G, a, w_point, weight="w") + nx.shortest_path_length(
        G, w_point, b, weight="w"
    )
    assert line.segment_time_s["forward"][1] == pytest.approx(want)


@pytest.mark.kaiserslautern
def test_line_rides_on_line_116(kl_env: Path) -> None:
    res = resolve(load_scenario(SCENARIOS / "line-116.toml"))
    rides = res.line_rides()
    ok = res.assignment.servable
    (line,) = res.lines
    # the two directions serve different stops (line 116 returns another way):
    # a request rides when one direction passes its pickup before its drop-off
    p, q = res.assignment.pickup_stop, res.assignment.dropoff_stop
    seqs = [line.stops[d].tolist() for d in line.directions]
    connects = np.array(
        [
            bool(ok[r])
            and any(p[r] in s and q[r] in s and s.index(p[r]) < s.index(q[r]) for s in seqs)
            for r in range(len(p))
        ]
    )
    # riders do not stay aboard through the terminal: 47 % of those with stops connect
    assert connects.sum() > 0.4 * ok.sum()
    assert np.array_equal(rides.route >= 0, connects)
    assert np.all(rides.board[connects] < rides.alight[connects])
    ok = connects
    for r in np.flatnonzero(ok)[:50]:
        _, d = rides.routes[rides.route[r]]
        assert line.stops[d][rides.board[r]] == res.assignment.pickup_stop[r]
        assert line.stops[d][rides.alight[r]] == res.assignment.dropoff_stop[r]
