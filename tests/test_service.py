"""Stops, virtual stops, stop assignment, lines, depots and resolve() on the real graph."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from scipy.spatial import cKDTree

from klshuttle import load_scenario
from klshuttle.demand import Requests
from klshuttle.graph import to_lonlat, to_metric
from klshuttle.osmfeatures import OsmFeatures, load_features
from klshuttle.service import (
    REJECT_NO_STOP,
    REJECT_SAME_STOP,
    Stops,
    assign_stops,
    merge_osm_stops,
    resolve,
    virtual_stops,
)
from scenario_files import SCENARIOS, SMALL, scenario_dir, write

X0, Y0 = to_metric(7.7600, 49.4400)
X0, Y0 = float(X0), float(Y0)


def _ll(east_m: float, north_m: float) -> tuple[float, float]:
    lon, lat = to_lonlat(X0 + east_m, Y0 + north_m)
    return float(lon), float(lat)


def _features(stops: list[tuple[str, float, float]]) -> OsmFeatures:
    """OsmFeatures holding only bus-stop objects at metric offsets."""
    lonlat = [_ll(e, n) for _, e, n in stops]
    empty_f = np.empty(0, dtype=np.float64)
    return OsmFeatures(
        stop_name=np.array([s[0] for s in stops], dtype=str),
        stop_lon=np.array([p[0] for p in lonlat]),
        stop_lat=np.array([p[1] for p in lonlat]),
        stop_kind=np.array(["node"] * len(stops), dtype=str),
        station_name=np.empty(0, dtype=str),
        station_lon=empty_f,
        station_lat=empty_f,
        building_x=empty_f,
        building_y=empty_f,
        building_area_m2=empty_f,
        building_use=np.empty(0, dtype=np.int8),
        landuse_kind=np.empty(0, dtype=str),
        landuse_wkb=np.empty(0, dtype=np.uint8),
        landuse_offsets=np.zeros(1, dtype=np.int64),
        parking_id=np.empty(0, dtype=np.int64),
        parking_name=np.empty(0, dtype=str),
        parking_kind=np.empty(0, dtype=str),
        parking_capacity=empty_f,
        parking_wkb=np.empty(0, dtype=np.uint8),
        parking_offsets=np.zeros(1, dtype=np.int64),
    )


# ----------------------------------------------------------------- merging
def test_merge_osm_stops_by_name_and_distance() -> None:
    feats = _features(
        [
            ("Uni West", 0, 0),
            ("Kaiserslautern,\xa0Uni West", 0, 25),  # prefix and NBSP ignored
            ("", 5, 12),  # unnamed platform between them joins
            ("Post", 1000, 0),
            ("Post", 1150, 0),  # 150 m apart: one stop
            ("Post", 4000, 0),  # another "Post" far away
            ("Kette", 2000, 0),
            ("Kette", 2200, 0),
            ("Kette", 2400, 0),  # single linkage: 200 m steps merge all three
            ("", 3000, 3000),  # unnamed and alone: ignored
        ]
    )
    stops = merge_osm_stops(feats, 250.0)
    by_name = {s.name: s for s in stops}
    assert set(by_name) == {"Uni West", "Post", "Post (2)", "Kette"}
    assert by_name["Uni West"].n_objects == 3
    assert by_name["Post"].n_objects == 2 and by_name["Post (2)"].n_objects == 1
    assert by_name["Kette"].n_objects == 3
    # merged position is the mean; "Post" (west) before "Post (2)" (east)
    x, _ = to_metric(by_name["Post"].lon, by_name["Post"].lat)
    assert float(x) - X0 == pytest.approx(1075.0, abs=0.5)
    x2, _ = to_metric(by_name["Post (2)"].lon, by_name["Post (2)"].lat)
    assert float(x2) - X0 == pytest.approx(4000.0, abs=0.5)
    # with a small merge distance the two Post objects stay apart
    assert len([s for s in merge_osm_stops(feats, 100.0) if s.name.startswith("Post")]) == 3


def test_real_map_stops(kl_env: Path) -> None:
    feats = load_features()
    stops = merge_osm_stops(feats, 250.0)
    names = [s.name for s in stops]
    assert len(names) == len(set(names))
    # DOMAIN.md: 167 distinct stop names in the extract (a few are rail halts
    # or differ only in spelling/prefix); every merged stop is named.
    assert 150 <= len(stops) <= 167
    hbf = next(s for s in stops if s.name == "Hauptbahnhof")
    assert hbf.n_objects >= 5
    assert "Uni West" in names  # "Kaiserslautern, Uni West" in OSM


# ----------------------------------------------------------- virtual stops
def test_virtual_stops_cover_the_area(kl_env: Path, tmp_path: Path) -> None:
    folder = scenario_dir(tmp_path)
    res = resolve(
        load_scenario(
            write(
                folder,
                "s.toml",
                SMALL + '[service]\nstops = { type = "virtual", spacing_m = 300.0 }\n',
            )
        ),
        demand=False,
    )
    g, area, stops = res.graph, res.area, res.stops
    inside = np.flatnonzero(area.node_inside)
    tree = cKDTree(np.column_stack([g.x[stops.node], g.y[stops.node]]))
    d, _ = tree.query(np.column_stack([g.x[inside], g.y[inside]]))
    assert d.max() <= 300.0 + 1e-6  # every node within the spacing of a stop
    pair = tree.query_pairs(300.0)
    assert not pair  # stops are more than the spacing apart (greedy cover)
    assert len(set(stops.node.tolist())) == len(stops)
    again = virtual_stops(g, area, 300.0)
    assert np.array_equal(again.node, stops.node) and list(again.name) == list(stops.name)
    assert np.all(stops.snap_m < 1e-6)


# --------------------------------------------------------- stop assignment
def _stops(points: list[tuple[str, float, float]]) -> Stops:
    ll = [_ll(e, n) for _, e, n in points]
    n = len(points)
    return Stops(
        stop_id=np.arange(n, dtype=np.int32),
        name=np.array([p[0] for p in points], dtype=str),
        lon=np.array([p[0] for p in ll]),
        lat=np.array([p[1] for p in ll]),
        node=np.arange(n, dtype=np.int32),
        snap_m=np.zeros(n),
        edge_m=np.zeros(n),
        n_objects=np.zeros(n, dtype=np.int32),
        source=np.array(["coordinates"] * n, dtype=str),
    )


def _requests(pairs: list[tuple[tuple[float, float], tuple[float, float]]]) -> Requests:
    n = len(pairs)
    o = [_ll(*p[0]) for p in pairs]
    d = [_ll(*p[1]) for p in pairs]
    return Requests(
        request_id=np.arange(n),
        time_s=np.arange(n, dtype=float) * 60,
        origin_lon=[p[0] for p in o],
        origin_lat=[p[1] for p in o],
        dest_lon=[p[0] for p in d],
        dest_lat=[p[1] for p in d],
        origin_node=np.zeros(n),
        dest_node=np.ones(n),
        passengers=np.ones(n),
        tag=["t"] * n,
    )


def test_assign_stops_by_hand() -> None:
    stops = _stops([("A", 0, 0), ("B", 1000, 0), ("C", 2000, 0)])
    req = _requests(
        [
            ((100, 0), (1900, 100)),  # A -> C: 100 m and 141.4 m straight
            ((0, 400), (1000, 0)),  # origin 400 m straight = 520 m walk > 500
            ((950, 0), (1100, 50)),  # both nearest B
            ((300, 0), (1690, 0)),  # A (300 -> 390 m walk) and C (310 -> 403 m)
        ]
    )
    a = assign_stops(req, stops, max_walk_m=500.0, walk_detour_factor=1.3)
    assert a.pickup_stop.tolist() == [0, -1, 1, 0]
    assert a.dropoff_stop.tolist() == [2, 1, 1, 2]
    assert a.pickup_walk_m[0] == pytest.approx(130.0, abs=0.05)
    assert a.dropoff_walk_m[0] == pytest.approx(1.3 * math.hypot(100, 100), abs=0.05)
    assert a.pickup_walk_m[1] == pytest.approx(520.0, abs=0.05)
    assert a.reason.tolist() == ["", REJECT_NO_STOP, REJECT_SAME_STOP, ""]
    assert a.servable.tolist() == [True, False, False, True]
    assert a.counts() == {"ok": 2, REJECT_NO_STOP: 1, REJECT_SAME_STOP: 1}
    # a longer walk limit reaches the second request's origin
    b = assign_stops(req, stops, max_walk_m=530.0, walk_detour_factor=1.3)
    assert b.reason[1] == ""


def test_assign_without_stops_rejects_all() -> None:
    a = assign_stops(_requests([((0, 0), (500, 0))]), _stops([]), max_walk_m=400.0)
    assert a.reason.tolist() == [REJECT_NO_STOP]


# -------------------------------------------------------------------- lines
def test_trippstadter_line_timetable_by_hand(kl_env: Path) -> None:
    res = resolve(load_scenario(SCENARIOS / "trippstadter-line.toml"))
    (line,) = res.lines
    g, stops = res.graph, res.stops
    names = [str(stops.name[i]) for i in line.stops["forward"]]
    assert names == [
        "Hauptbahnhof",
        "Post",
        "Trippstadter Straße",
        "Elektrizitätswerk",
        "Carl-Euler-Straße",
        "Fraunhofer Zentrum",
        "Uni West",
        "Uni Süd",
    ]
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


# ------------------------------------------------------------ depots, fleet
def test_depots_split_and_round_robin(kl_env: Path, tmp_path: Path) -> None:
    folder = scenario_dir(tmp_path)
    text = SMALL.replace("vehicles = 3", 'vehicles = 5\ndepots = ["Hauptbahnhof", "Pfaffwerk"]')
    res = resolve(load_scenario(write(folder, "a.toml", text)), demand=False)
    assert res.depots.vehicle_depot.tolist() == [0, 1, 0, 1, 0]
    assert res.depots.to_frame()["vehicles"].tolist() == [3, 2]
    assert np.all(res.depots.edge_m <= 50)
    split = text.replace("vehicles = 5\n", "vehicles = 5\nvehicles_per_depot = [1, 4]\n")
    res = resolve(load_scenario(write(folder, "b.toml", split)), demand=False)
    assert res.depots.vehicle_depot.tolist() == [0, 1, 1, 1, 1]
    assert res.depots.vehicle_node.tolist() == [res.depots.node[0]] + [res.depots.node[1]] * 4


def test_door_to_door_has_no_assignment(kl_env: Path, tmp_path: Path) -> None:
    folder = scenario_dir(tmp_path)
    res = resolve(
        load_scenario(write(folder, "s.toml", SMALL + "[service.on_demand]\nstop_based = false\n"))
    )
    assert res.assignment is None and res.requests is not None and len(res.requests) == 200


def test_osm_stops_far_from_the_roads_are_left_out_with_a_warning(
    kl_env: Path, tmp_path: Path
) -> None:
    folder = scenario_dir(tmp_path)
    res = resolve(
        load_scenario(write(folder, "s.toml", SMALL.replace("[map]", "[map]\nmax_snap_m = 6.0"))),
        demand=False,
    )
    assert np.all(res.stops.edge_m <= 6.0)
    assert any("more than 6 m from the shuttle's roads" in w for w in res.warnings)


def test_fleet_speed_caps_the_graph(kl_env: Path, tmp_path: Path) -> None:
    folder = scenario_dir(tmp_path)
    res = resolve(
        load_scenario(write(folder, "s.toml", SMALL + "[fleet.vehicle]\nmax_speed_kmh = 15.0\n")),
        demand=False,
    )
    assert res.graph.speed_kmh.max() <= 15.0
    assert res.graph.meta["settings"]["max_speed_kmh"] == 15.0


def test_shipped_scenarios_resolve_to_sensible_days(kl_env: Path) -> None:
    for name in ("hbf-feeder-on-demand", "campus-on-demand", "pfaff-quarter", "trippstadter-line"):
        res = resolve(load_scenario(SCENARIOS / f"{name}.toml"))
        assert res.requests is not None and len(res.requests) > 500, name
        assert res.assignment is not None
        share_ok = res.assignment.servable.mean()
        assert share_ok > 0.9, (name, res.assignment.counts())
        assert not res.warnings, (name, res.warnings)
    feeder = resolve(load_scenario(SCENARIOS / "hbf-feeder-on-demand.toml"))
    assert feeder.scenario.fleet.vehicles >= 20 and len(feeder.requests) >= 2000
    assert feeder.scenario.fleet.vehicle.capacity == 12


def test_line_rides_by_hand() -> None:
    from klshuttle.service import Line, StopAssignment, line_rides

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


def test_line_rides_on_the_trippstadter_line(kl_env: Path) -> None:
    res = resolve(load_scenario(SCENARIOS / "trippstadter-line.toml"))
    rides = res.line_rides()
    ok = res.assignment.servable
    assert np.all(rides.route[ok] >= 0) and np.all(rides.board[ok] < rides.alight[ok])
    (line,) = res.lines
    for r in np.flatnonzero(ok)[:50]:
        _, d = rides.routes[rides.route[r]]
        assert line.stops[d][rides.board[r]] == res.assignment.pickup_stop[r]
        assert line.stops[d][rides.alight[r]] == res.assignment.dropoff_stop[r]
