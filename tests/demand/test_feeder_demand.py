"""The feeder model: trips timed to the trains, given inline or read from GTFS."""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from demand_helpers import HEAD, resolve_text

from klshuttle import load_scenario
from klshuttle.demand import read_gtfs_train_times
from klshuttle.errors import DemandError
from klshuttle.graph import to_metric
from klshuttle.resolve import resolve
from klshuttle.scenario import parse_time
from scenario_files import scenario_dir, write


@pytest.mark.kaiserslautern
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
        resolve_text(tmp_path, text)


@pytest.mark.kaiserslautern
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
    res = resolve_text(tmp_path, text)
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
    # each train gets its riders, and each rider keeps the train: to a train
    # with its deadline (departure - the default 300 s transfer time), from a
    # train without one
    for d, label in zip(deps, ("dep 07:10", "dep 08:10", "dep 12:40"), strict=True):
        mine = to & ((req.time_s >= d - 1800) & (req.time_s <= d - 900))
        assert mine.sum() == 30
        assert set(req.train[mine]) == {label}
        assert np.all(req.latest_arrival_s[mine] == d - 300.0)
    assert set(req.train[back]) == {"arr 07:50", "arr 17:20"}
    assert np.isnan(req.latest_arrival_s[back]).all()
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


@pytest.mark.kaiserslautern
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


@pytest.mark.kaiserslautern
def test_feeder_riders_may_prebook(kl_env: Path, tmp_path: Path) -> None:
    base = (
        HEAD
        + """
[[demand.models]]
type = "feeder"
name = "rail"
hub = "Hauptbahnhof"
trains = { departures = ["07:10", "08:10", "12:40"], arrivals = ["07:50", "17:20"] }
riders_per_departure = 30
riders_per_arrival = 20
"""
    )
    plain = resolve_text(tmp_path / "a", base).requests
    assert np.isnan(plain.book_s).all()
    pre = resolve_text(
        tmp_path / "b", base + "prebooked_share = 0.5\nbooking_lead_s = [600.0, 3600.0]\n"
    ).requests
    # prebooking draws from a stream of its own: the trips are the same
    assert np.array_equal(pre.time_s, plain.time_s)
    assert np.array_equal(pre.origin_lon, plain.origin_lon)
    booked = ~np.isnan(pre.book_s)
    assert 0.3 < booked.mean() < 0.7
    lead = pre.time_s[booked] - pre.book_s[booked]
    assert lead.min() >= 600.0 and lead.max() <= 3601.0
    with pytest.raises(Exception, match="booking_lead_s: 200000 s ahead is beyond the booking"):
        resolve_text(
            tmp_path / "c",
            base + "booking_lead_s = [600.0, 200000.0]\nbooking_horizon_s = 86400.0\n",
        )
