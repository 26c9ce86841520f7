"""Demand models: determinism, totals and hourly profile, feeder timing, GTFS, CSV, OD matrix."""

from __future__ import annotations

import json
import zipfile
from datetime import date
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from klshuttle import load_scenario
from klshuttle.demand import (
    WEEKDAY_PROFILE,
    Requests,
    expected_hourly_counts,
    read_gtfs_train_times,
    summarize_requests,
)
from klshuttle.errors import DemandError, OutputExistsError
from klshuttle.graph import to_metric
from klshuttle.resolve import resolve
from klshuttle.scenario import TimeWindow, parse_time
from scenario_files import SCENARIOS, SMALL, scenario_dir, write

HEAD = SMALL.split("[[demand.models]]")[0]


def _resolve(tmp_path: Path, text: str, name: str = "s.toml", **kw):
    folder = scenario_dir(tmp_path)
    return resolve(load_scenario(write(folder, name, text)), **kw)


# ----------------------------------------------------------- determinism
def test_same_seed_same_bytes_other_seed_other_trips(kl_env: Path, tmp_path: Path) -> None:
    path = SCENARIOS / "hbf-feeder-on-demand.toml"
    a = resolve(load_scenario(path)).requests
    b = resolve(load_scenario(path)).requests
    c = resolve(load_scenario(path), seed=2).requests
    fa, fb, fc = (
        a.to_csv(tmp_path / "a.csv"),
        b.to_csv(tmp_path / "b.csv"),
        c.to_csv(tmp_path / "c.csv"),
    )
    assert fa.read_bytes() == fb.read_bytes()
    assert fa.read_bytes() != fc.read_bytes()
    assert len(a) == len(c)  # the counts are what the scenario asks, whatever the seed
    assert not np.array_equal(a.origin_lon, c.origin_lon)
    assert not np.array_equal(a.time_s, c.time_s)


def test_models_draw_from_independent_streams(kl_env: Path, tmp_path: Path) -> None:
    one = _resolve(tmp_path / "1", SMALL).requests
    two = _resolve(
        tmp_path / "2",
        SMALL
        + '[[demand.models]]\ntype = "osm"\nname = "extra"\ntrips_per_day = 50\nhubs = { "Hauptbahnhof" = 1.0 }\n',
    ).requests
    mine = np.char.startswith(two.tag, "residents:")
    assert mine.sum() == len(one) == 200
    assert np.array_equal(two.time_s[mine], one.time_s)
    assert np.array_equal(two.origin_lon[mine], one.origin_lon)


# ------------------------------------------------------ totals and profile
def test_osm_totals_and_hourly_profile(kl_env: Path, tmp_path: Path) -> None:
    text = (
        HEAD
        + """
[demand]
window = { start = "06:30", end = "20:15" }
[[demand.models]]
type = "osm"
name = "residents"
trips_per_day = 1000
hubs = { "Hauptbahnhof" = 1.0 }
"""
    )
    res = _resolve(tmp_path, text)
    req = res.requests
    assert len(req) == 1000
    window = TimeWindow(start="06:30", end="20:15")
    expected = expected_hourly_counts(1000, "weekday", window)
    assert sum(c for _, _, c in expected) == 1000
    for a, b, c in expected:
        assert int(((req.time_s >= a) & (req.time_s < b)).sum()) == c, (a, c)
    # the split follows the profile: hour h gets its weight's share (to rounding)
    weights = np.array([WEEKDAY_PROFILE[int(a // 3600)] * (b - a) / 3600 for a, b, _ in expected])
    counts = np.array([c for _, _, c in expected])
    assert np.all(np.abs(counts - 1000 * weights / weights.sum()) < 1.0)
    assert req.time_s.min() >= parse_time("06:30") and req.time_s.max() < parse_time("20:15")
    assert np.all(req.time_s == np.floor(req.time_s))
    # mornings leave home, evenings return
    morning = (req.time_s >= 7 * 3600) & (req.time_s < 9 * 3600)
    evening = (req.time_s >= 16 * 3600) & (req.time_s < 19 * 3600)
    leaving = np.char.startswith(req.tag, "residents:home-")
    assert leaving[morning].mean() > 0.65
    assert leaving[evening].mean() < 0.35
    # every end point lies in the area, homes are residential buildings
    assert res.area.contains(req.origin_lon, req.origin_lat).all()
    assert res.area.contains(req.dest_lon, req.dest_lat).all()
    node, _ = res.graph.nearest_nodes(req.origin_lon, req.origin_lat)
    assert np.array_equal(node, req.origin_node)
    ox, oy = to_metric(req.origin_lon, req.origin_lat)
    dx, dy = to_metric(req.dest_lon, req.dest_lat)
    assert np.hypot(ox - dx, oy - dy).min() >= 400.0 - 0.01  # min_trip_m


def test_custom_profile_puts_trips_where_asked(kl_env: Path, tmp_path: Path) -> None:
    profile = [0.0] * 24
    profile[8], profile[17] = 3.0, 1.0
    text = (
        HEAD
        + f"""
[[demand.models]]
type = "osm"
name = "residents"
trips_per_day = 400
time_profile = {profile}
hubs = {{ "Hauptbahnhof" = 1.0 }}
destination_shares = {{ hubs = 1.0 }}
passengers = {{ "1" = 1.0, "3" = 1.0 }}
"""
    )
    req = _resolve(tmp_path, text).requests
    hours = (req.time_s // 3600).astype(int)
    assert set(hours.tolist()) == {8, 17}
    assert (hours == 8).sum() == 300 and (hours == 17).sum() == 100
    assert set(req.passengers.tolist()) == {1, 3}
    assert 0.35 < (req.passengers == 3).mean() < 0.65
    hub_end = np.char.endswith(req.tag, "-hub") | np.char.startswith(req.tag, "residents:hub-")
    assert hub_end.all()


def test_no_homes_in_the_area_is_a_demand_error(kl_env: Path, tmp_path: Path) -> None:
    # a small box on the railway yard south of the Hauptbahnhof holds no homes
    text = (
        HEAD.replace(
            'area = { type = "stops", stops = ["Hauptbahnhof"], buffer_m = 1200.0 }',
            'area = { type = "bbox", bbox = [7.7600, 49.4330, 7.7720, 49.4370] }',
        )
        + '[service]\nstops = { type = "virtual", spacing_m = 200.0 }\n'
        + '[[demand.models]]\ntype = "feeder"\nriders_per_departure = 2\nriders_per_arrival = 0\ntrains = { departures = ["08:00"] }\nmin_distance_m = 5000.0\n'
    )
    with pytest.raises(
        DemandError, match=r"demand\.models\[0\]\.min_distance_m: no home in the service area"
    ):
        _resolve(tmp_path, text)


# ------------------------------------------------------------------ feeder
def test_feeder_requests_are_timed_to_the_trains(kl_env: Path, tmp_path: Path) -> None:
    text = (
        HEAD
        + """
[[demand.models]]
type = "feeder"
name = "rail"
hub = "Hauptbahnhof"
trains = { departures = ["07:10", "08:10", "12:40"], arrivals = ["07:50", "17:20"] }
riders_per_departure = 30
riders_per_arrival = 20
lead_time_s = [900.0, 1800.0]
egress_time_s = [60.0, 300.0]
min_distance_m = 500.0
"""
    )
    res = _resolve(tmp_path, text)
    req = res.requests
    to = req.tag == "rail:to_train"
    back = req.tag == "rail:from_train"
    assert to.sum() == 90 and back.sum() == 40 and len(req) == 130
    deps = np.array([parse_time(t) for t in ("07:10", "08:10", "12:40")])
    arrs = np.array([parse_time(t) for t in ("07:50", "17:20")])
    for t in req.time_s[to]:
        assert np.any((t >= deps - 1800) & (t <= deps - 900)), t
    for t in req.time_s[back]:
        assert np.any((t >= arrs + 60) & (t <= arrs + 300)), t
    # each train gets its riders
    for d in deps:
        assert ((req.time_s[to] >= d - 1800) & (req.time_s[to] <= d - 900)).sum() == 30
    hub = (7.76893, 49.43598)  # Hauptbahnhof, DOMAIN.md
    assert np.allclose(req.dest_lon[to], hub[0]) and np.allclose(req.dest_lat[to], hub[1])
    assert np.allclose(req.origin_lon[back], hub[0])
    hx, hy = to_metric(*hub)
    x, y = to_metric(req.origin_lon[to], req.origin_lat[to])
    assert np.hypot(x - hx, y - hy).min() >= 500.0 - 0.01


def _gtfs(folder: Path) -> Path:
    files = {
        "stops.txt": "stop_id,stop_name,parent_station\nKL,Kaiserslautern Hbf,\nKL1,Kaiserslautern Hbf Gleis 1,KL\nLU,Landstuhl,\nNW,Neustadt,\nBUS,Hauptbahnhof,\n",
        "routes.txt": "route_id,route_type\nRE,2\nS,109\nB,3\n",
        "trips.txt": "trip_id,route_id,service_id\nt1,RE,wk\nt2,S,wk\nt3,RE,sun\nt4,B,wk\nt5,RE,extra\nt6,RE,wk\n",
        "calendar.txt": "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\nwk,1,1,1,1,1,0,0,20240101,20241231\nsun,0,0,0,0,0,0,1,20240101,20241231\n",
        "calendar_dates.txt": "service_id,date,exception_type\nextra,20240514,1\nwk,20240515,2\n",
        "stop_times.txt": (
            "trip_id,arrival_time,departure_time,stop_id,stop_sequence,pickup_type,drop_off_type\n"
            # t1: through train Landstuhl -> KL -> Neustadt: arrival and departure at KL
            "t1,07:00:00,07:01:00,LU,1,,\nt1,07:10:00,07:12:00,KL1,2,,\nt1,07:40:00,07:40:00,NW,3,,\n"
            # t2: starts at KL: departure only
            "t2,08:05:00,08:05:00,KL,1,,\nt2,08:30:00,08:30:00,NW,2,,\n"
            # t3: Sunday only
            "t3,09:00:00,09:00:00,KL,1,,\nt3,09:30:00,09:30:00,NW,2,,\n"
            # t4: a bus at the Hbf: not a train
            "t4,10:00:00,10:00:00,BUS,1,,\nt4,10:10:00,10:10:00,LU,2,,\n"
            # t5: added on 2024-05-14, ends at KL: arrival only
            "t5,11:00:00,11:00:00,NW,1,,\nt5,11:30:00,11:31:00,KL,2,,\n"
            # t6: stops at KL for alighting only (pickup_type 1)
            "t6,12:00:00,12:00:00,LU,1,,\nt6,12:10:00,12:11:00,KL,2,1,0\nt6,12:40:00,12:40:00,NW,3,,\n"
        ),
    }
    path = folder / "feed.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for name, text in files.items():
            zf.writestr(name, text)
    return path


def test_gtfs_train_times(tmp_path: Path) -> None:
    feed = _gtfs(tmp_path)
    dep, arr = read_gtfs_train_times(
        feed, "Kaiserslautern Hbf", date(2024, 5, 14), (2, *range(100, 118))
    )
    assert dep.tolist() == [parse_time("07:12"), parse_time("08:05")]
    assert arr.tolist() == [parse_time("07:10"), parse_time("11:30"), parse_time("12:10")]
    # on 2024-05-15 the weekday service is cancelled and "extra" does not run
    with pytest.raises(DemandError, match="no train stops at 'Kaiserslautern Hbf' on 2024-05-15"):
        read_gtfs_train_times(feed, "Kaiserslautern Hbf", date(2024, 5, 15), (2,))
    with pytest.raises(DemandError, match="stop_name: no stop named 'Mainz Hbf'"):
        read_gtfs_train_times(feed, "Mainz Hbf", date(2024, 5, 14), (2,))
    with pytest.raises(DemandError, match="GTFS feed not found"):
        read_gtfs_train_times(tmp_path / "none.zip", "Kaiserslautern Hbf", date(2024, 5, 14), (2,))


def test_feeder_from_gtfs(kl_env: Path, tmp_path: Path) -> None:
    folder = scenario_dir(tmp_path)
    _gtfs(folder)
    text = (
        HEAD
        + """
[[demand.models]]
type = "feeder"
gtfs = { feed = "feed.zip", stop_name = "Kaiserslautern Hbf", date = "2024-05-14" }
riders_per_departure = 4
riders_per_arrival = 3
"""
    )
    req = resolve(load_scenario(write(folder, "g.toml", text))).requests
    assert (req.tag == "feeder:to_train").sum() == 2 * 4
    assert (req.tag == "feeder:from_train").sum() == 3 * 3


# --------------------------------------------------------------------- csv
CSV_OK = (
    "time,origin_lon,origin_lat,dest_lon,dest_lat,passengers,tag\n"
    "08:00,7.7650,49.4400,7.7700,49.4370,2,school\n"
    "07:30:15,7.7600,49.4380,7.7690,49.4362,,\n"
    "27000,7.7640,49.4390,7.7700,49.4370,1,work\n"
)


def test_csv_model_reads_trips(kl_env: Path, tmp_path: Path) -> None:
    folder = scenario_dir(tmp_path)
    (folder / "trips.csv").write_text(CSV_OK)
    res = resolve(
        load_scenario(
            write(folder, "c.toml", HEAD + '[[demand.models]]\ntype = "csv"\nfile = "trips.csv"\n')
        )
    )
    req = res.requests
    assert req.time_s.tolist() == [27000.0, 27015.0, 28800.0]
    assert req.tag.tolist() == ["csv:work", "csv:trip", "csv:school"]
    assert req.passengers.tolist() == [1, 1, 2]
    assert req.origin_lon.tolist() == [7.764, 7.76, 7.765]


def test_requests_csv_feeds_back_as_a_csv_model(kl_env: Path, tmp_path: Path) -> None:
    first = _resolve(tmp_path / "a", SMALL).requests
    folder = scenario_dir(tmp_path / "b")
    first.to_csv(folder / "day.csv")
    again = resolve(
        load_scenario(
            write(
                folder,
                "c.toml",
                HEAD + '[[demand.models]]\ntype = "csv"\nname = "replay"\nfile = "day.csv"\n',
            )
        )
    ).requests
    assert np.array_equal(again.time_s, first.time_s)
    assert np.allclose(again.origin_lon, first.origin_lon) and np.allclose(
        again.dest_lat, first.dest_lat
    )
    assert np.array_equal(again.origin_node, first.origin_node)
    assert again.tag[0] == "replay:" + first.tag[0]


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("08:00,7.7650,49.4400,7.7700", "line 3: 4 fields, the header has 5"),
        ("8 Uhr,7.7650,49.4400,7.7700,49.4370", "line 3, column time: expected a time"),
        (
            "22:30,7.7650,49.4400,7.7700,49.4370",
            "line 3, column time: 22:30:00 is outside the demand window 06:00-21:00",
        ),
        (
            "08:00,east,49.4400,7.7700,49.4370",
            "line 3, column origin_lon: expected a longitude between -180 and 180, got 'east'",
        ),
        (
            "08:00,7.7650,49.4400,7.7700,94.0",
            "line 3, column dest_lat: expected a latitude between -90 and 90, got '94.0'",
        ),
        (
            "08:00,7.7650,49.4400,7.7650,49.4400",
            "line 3: origin and destination are the same point",
        ),
        (
            "08:00,7.7650,49.4400,7.8150,49.4500",
            "line 3, column dest_lon/dest_lat: (7.81500, 49.45000) lies outside the service area",
        ),
    ],
)
def test_csv_bad_rows_name_line_and_column(
    kl_env: Path, tmp_path: Path, row: str, expected: str
) -> None:
    folder = scenario_dir(tmp_path)
    (folder / "trips.csv").write_text(
        "time,origin_lon,origin_lat,dest_lon,dest_lat\n08:00,7.7650,49.4400,7.7700,49.4370\n"
        + row
        + "\n"
    )
    path = write(folder, "c.toml", HEAD + '[[demand.models]]\ntype = "csv"\nfile = "trips.csv"\n')
    with pytest.raises(DemandError) as info:
        resolve(load_scenario(path))
    msg = str(info.value)
    assert msg.startswith(str(folder / "trips.csv") + ": line 3"), msg
    assert f"trips.csv: {expected}" in msg, msg


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "empty file"),
        ("time,origin_lon,origin_lat,dest_lon\n", "line 1: missing column(s) dest_lat"),
        (
            "time,origin_lon,origin_lat,dest_lon,dest_lat,pasengers\n",
            "line 1: unknown column 'pasengers'",
        ),
        ("time,origin_lon,origin_lat,dest_lon,dest_lat\n", "no trips (only a header"),
        (
            "time,origin_lon,origin_lat,dest_lon,dest_lat,passengers\n08:00,7.765,49.44,7.77,49.437,0\n",
            "line 2, column passengers: expected a whole number >= 1, got '0'",
        ),
    ],
)
def test_csv_bad_files(kl_env: Path, tmp_path: Path, text: str, expected: str) -> None:
    folder = scenario_dir(tmp_path)
    (folder / "trips.csv").write_text(text)
    with pytest.raises(DemandError, match=None) as info:
        resolve(
            load_scenario(
                write(
                    folder, "c.toml", HEAD + '[[demand.models]]\ntype = "csv"\nfile = "trips.csv"\n'
                )
            )
        )
    assert expected in str(info.value)


def test_csv_outside_area_drop(kl_env: Path, tmp_path: Path) -> None:
    folder = scenario_dir(tmp_path)
    (folder / "trips.csv").write_text(CSV_OK + "09:00,7.7650,49.4400,7.8150,49.4500,1,far\n")
    res = resolve(
        load_scenario(
            write(
                folder,
                "c.toml",
                HEAD
                + '[[demand.models]]\ntype = "csv"\nfile = "trips.csv"\noutside_area = "drop"\n',
            )
        )
    )
    assert len(res.requests) == 3
    assert any("1 trips left out" in w for w in res.warnings)


# --------------------------------------------------------------- od matrix
ZONES = {
    "Hbf": [[7.7655, 49.4350], [7.7705, 49.4350], [7.7705, 49.4375], [7.7655, 49.4375]],
    "Centre": [[7.7640, 49.4420], [7.7700, 49.4420], [7.7700, 49.4450], [7.7640, 49.4450]],
    "South": [[7.7620, 49.4300], [7.7680, 49.4300], [7.7680, 49.4330], [7.7620, 49.4330]],
}
MATRIX = [[0, 40, 7], [25, 0, 3], [11, 0, 5]]


def _zones_inline() -> str:
    parts = []
    for name, poly in ZONES.items():
        parts.append(f'[[demand.models.zones]]\nname = "{name}"\npolygon = {poly}\n')
    return "".join(parts)


@pytest.mark.parametrize("placement", ["uniform", "buildings"])
def test_od_matrix_counts_are_honoured(kl_env: Path, tmp_path: Path, placement: str) -> None:
    text = (
        HEAD
        + f'[[demand.models]]\ntype = "od_matrix"\nname = "od"\nplacement = "{placement}"\nmatrix = {MATRIX}\n'
        + _zones_inline()
    )
    req = _resolve(tmp_path, text).requests
    names = list(ZONES)
    assert len(req) == sum(map(sum, MATRIX))
    import shapely

    for i, o in enumerate(names):
        for j, d in enumerate(names):
            sel = req.tag == f"od:{o}>{d}"
            assert sel.sum() == MATRIX[i][j], (o, d)
            if sel.any():
                assert shapely.contains_xy(
                    shapely.Polygon(ZONES[o]), req.origin_lon[sel], req.origin_lat[sel]
                ).all()
                assert shapely.contains_xy(
                    shapely.Polygon(ZONES[d]), req.dest_lon[sel], req.dest_lat[sel]
                ).all()


def test_od_matrix_from_files(kl_env: Path, tmp_path: Path) -> None:
    folder = scenario_dir(tmp_path)
    fc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"zone": n},
                "geometry": {"type": "Polygon", "coordinates": [[*p, p[0]]]},
            }
            for n, p in ZONES.items()
        ],
    }
    (folder / "zones.geojson").write_text(json.dumps(fc))
    rows = ["origin,destination,trips"] + [
        f"{o},{d},{MATRIX[i][j]}"
        for i, o in enumerate(ZONES)
        for j, d in enumerate(ZONES)
        if MATRIX[i][j]
    ]
    (folder / "od.csv").write_text("\n".join(rows) + "\n")
    text = (
        HEAD
        + '[[demand.models]]\ntype = "od_matrix"\nzones_file = "zones.geojson"\nzone_property = "zone"\nmatrix_file = "od.csv"\nplacement = "uniform"\n'
    )
    req = resolve(load_scenario(write(folder, "od.toml", text))).requests
    assert len(req) == 91 and (req.tag == "od_matrix:Hbf>Centre").sum() == 40
    (folder / "od.csv").write_text("origin,destination,trips\nHbf,Nowhere,3\n")
    with pytest.raises(
        DemandError, match=r"od\.csv: line 2, column destination: unknown zone 'Nowhere'"
    ):
        resolve(load_scenario(folder / "od.toml"))


# ---------------------------------------------------------------- Requests
def test_requests_table_contract(kl_env: Path, tmp_path: Path) -> None:
    req = _resolve(tmp_path, SMALL).requests
    assert isinstance(req, Requests) and len(req) == 200
    assert req.request_id.dtype == np.int64 and np.array_equal(req.request_id, np.arange(200))
    assert req.time_s.dtype == np.float64 and np.all(np.diff(req.time_s) >= 0)
    assert req.origin_node.dtype == np.int32 and req.dest_node.dtype == np.int32
    assert req.passengers.dtype == np.int32 and req.passengers.min() >= 1
    assert not req.time_s.flags.writeable
    df = req.to_frame()
    assert list(df.columns)[:3] == ["request_id", "time_s", "time"] and len(df) == 200
    out = req.to_csv(tmp_path / "r.csv")
    with pytest.raises(OutputExistsError):
        req.to_csv(out)
    assert req.to_csv(out, overwrite=True) == out
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".r.csv")] == []


def test_summary_matches_a_reference(kl_env: Path, tmp_path: Path) -> None:
    res = _resolve(tmp_path, SMALL)
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


def test_profile_without_weight_in_the_window(kl_env: Path, tmp_path: Path) -> None:
    profile = [0.0] * 24
    profile[3] = 1.0
    text = (
        HEAD
        + f'[[demand.models]]\ntype = "osm"\ntrips_per_day = 10\ntime_profile = {profile}\nhubs = {{ "Hauptbahnhof" = 1.0 }}\n'
    )
    with pytest.raises(
        DemandError,
        match=r"s\.toml: demand\.models\[0\]\.time_profile: the time profile gives no weight to the demand window 06:00-21:00",
    ):
        _resolve(tmp_path, text)
