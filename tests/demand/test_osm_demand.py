"""The osm demand model on the real map: seeds, streams, totals, hourly profile."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from demand_helpers import HEAD, resolve_text

from klshuttle import load_scenario
from klshuttle.demand import WEEKDAY_PROFILE, expected_hourly_counts
from klshuttle.errors import DemandError
from klshuttle.graph import to_metric
from klshuttle.resolve import resolve
from klshuttle.scenario import TimeWindow, parse_time
from scenario_files import SCENARIOS, SMALL

pytestmark = pytest.mark.kaiserslautern


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
    one = resolve_text(tmp_path / "1", SMALL).requests
    two = resolve_text(
        tmp_path / "2",
        SMALL
        + '[[demand.models]]\ntype = "osm"\nname = "extra"\ntrips_per_day = 50\nhubs = { "Hauptbahnhof" = 1.0 }\n',
    ).requests
    mine = np.char.startswith(two.tag, "residents:")
    assert mine.sum() == len(one) == 200
    assert np.array_equal(two.time_s[mine], one.time_s)
    assert np.array_equal(two.origin_lon[mine], one.origin_lon)


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
    res = resolve_text(tmp_path, text)
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
    req = resolve_text(tmp_path, text).requests
    hours = (req.time_s // 3600).astype(int)
    assert set(hours.tolist()) == {8, 17}
    assert (hours == 8).sum() == 300 and (hours == 17).sum() == 100
    assert set(req.passengers.tolist()) == {1, 3}
    assert 0.35 < (req.passengers == 3).mean() < 0.65
    hub_end = np.char.endswith(req.tag, "-hub") | np.char.startswith(req.tag, "residents:hub-")
    assert hub_end.all()


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
        resolve_text(tmp_path, text)
