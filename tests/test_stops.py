"""OSM stop merging, virtual stops and stop assignment (hand-made inputs and the real map)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from scipy.spatial import cKDTree

from klshuttle import load_scenario
from klshuttle.demand import Requests
from klshuttle.graph import to_lonlat, to_metric
from klshuttle.osmfeatures import OsmFeatures, load_features
from klshuttle.resolve import resolve
from klshuttle.stops import (
    REJECT_NO_STOP,
    REJECT_SAME_STOP,
    Stops,
    assign_stops,
    merge_osm_stops,
)
from scenario_files import SMALL, scenario_dir, write

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


@pytest.mark.kaiserslautern
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
@pytest.mark.kaiserslautern
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
    tree = cKDTree(np.column_stack(to_metric(stops.lon, stops.lat)))
    d, _ = tree.query(np.column_stack([g.x[inside], g.y[inside]]))
    assert d.max() <= 150.0 + 1e-6  # every node within half the spacing of a stop
    assert not tree.query_pairs(150.0)  # stops more than half the spacing apart
    nn, _ = tree.query(tree.data, k=2)
    assert np.median(nn[:, 1]) <= 300.0  # neighbouring stops about the spacing apart
    # the hub the demand names has its stop, first; OSM bus stops are preferred
    assert stops.name[0] == "Hauptbahnhof" and stops.source[0] == "hub"
    assert res.hub_stops == (0,)
    assert (stops.source == "osm").sum() > 0
    assert len(set(stops.node.tolist())) == len(stops)
    virtual = stops.source == "virtual"
    assert np.all(stops.snap_m[virtual] < 1e-6)


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


def _requests(
    pairs: list[tuple[tuple[float, float], tuple[float, float]]], train: list[str] | None = None
) -> Requests:
    """One rider a minute between metric offsets (east_m, north_m), with their trains if given."""
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
        train=train,
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


# ------------------------------------------------------- stops off the roads
@pytest.mark.kaiserslautern
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
