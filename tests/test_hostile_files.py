"""Hostile input files, damaged caches and sizes beyond the machine's memory.

Issue 10, defects 6 (memory estimates), 9 (damaged caches) and 10 (malformed
files): each fails in one line naming the file where it is read, with a
non-zero exit and nothing written, or (a damaged cache) is rebuilt with a warning.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from click.testing import CliRunner

from grid_scenario import fails_cleanly, grid_scenario
from klshuttle.cli import cli
from klshuttle.demand import trips as demand_trips
from klshuttle.demand.trips import BYTES_PER_REQUEST, check_trip_count
from klshuttle.errors import DemandError
from osm_xml import lonlat


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "work"
    grid_scenario(folder)
    monkeypatch.chdir(folder)
    return folder


# ------------------------------------------------------------- scenario files
def test_toml_nested_5000_deep(work: Path, tmp_path: Path) -> None:
    (work / "deep.toml").write_text("v = " + "[" * 5000 + "]" * 5000 + "\n")
    fails_cleanly(tmp_path, ["validate", "deep.toml"], "deep.toml", "nested too deeply")


def test_toml_nested_deep_in_an_extending_file(work: Path, tmp_path: Path) -> None:
    (work / "deep.toml").write_text('extends = "grid.toml"\nv = ' + "[" * 900 + "]" * 900)
    fails_cleanly(tmp_path, ["run", "deep.toml"], "deep.toml", "nested too deeply")


def test_set_value_nested_too_deeply(work: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["validate", "grid.toml", "--set", "x=" + "[" * 5000])
    assert result.exit_code == 2 and "nested too deeply" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize("command", ["validate", "run", "demand"])
def test_scenario_that_is_a_symlink_loop(work: Path, tmp_path: Path, command: str) -> None:
    (work / "a.toml").symlink_to("b.toml")
    (work / "b.toml").symlink_to("a.toml")
    fails_cleanly(tmp_path, [command, "a.toml"], "a.toml", "symbolic link loop")


def test_extends_a_symlink_loop(work: Path, tmp_path: Path) -> None:
    (work / "a.toml").symlink_to("b.toml")
    (work / "b.toml").symlink_to("a.toml")
    (work / "x.toml").write_text('extends = "a.toml"\n')
    fails_cleanly(tmp_path, ["validate", "x.toml"], "x.toml", "extends")


# ------------------------------------------------------------------ CSV demand
@pytest.mark.parametrize("value", ["1e30", "1" + "0" * 30, "301", "-1", "²"])
def test_csv_passengers_out_of_range(work: Path, tmp_path: Path, value: str) -> None:
    text = (work / "trips.csv").read_text().splitlines()
    text[0] += ",passengers"
    text[1:] = [row + ",1" for row in text[1:]]
    text[3] = text[3][: text[3].rindex(",")] + "," + value
    (work / "trips.csv").write_text("\n".join(text) + "\n")
    fails_cleanly(
        tmp_path, ["run", "grid.toml"], "trips.csv", "line 4, column passengers", "1 to 300"
    )


# ------------------------------------------------------------------- OD matrix
def _od_scenario(work: Path, zones: object, matrix: bytes | None = None) -> Path:
    (work / "zones.geojson").write_text(json.dumps(zones))
    (work / "od.csv").write_bytes(matrix or b"origin,destination,trips\nA,B,5\n")
    text = (work / "grid.toml").read_text()
    head = text[: text.index("[[demand.models]]")]
    path = work / "od.toml"
    path.write_text(
        head
        + '[[demand.models]]\ntype = "od_matrix"\nzones_file = "zones.geojson"\n'
        + 'matrix_file = "od.csv"\nplacement = "uniform"\n'
    )
    return path


def _zone(name: str, east_m: float) -> dict[str, object]:
    ring = [lonlat(east_m + dx, dy) for dx, dy in ((0, 0), (300, 0), (300, 700), (0, 700))]
    return {
        "type": "Feature",
        "properties": {"name": name},
        "geometry": {"type": "Polygon", "coordinates": [[*map(list, ring), list(ring[0])]]},
    }


def _collection(*features: object) -> dict[str, object]:
    return {"type": "FeatureCollection", "features": list(features)}


@pytest.mark.parametrize(
    ("zones", "words"),
    [
        (_collection(1, 2), ("feature 0", "expected a GeoJSON feature")),
        (_collection(None), ("feature 0", "got NoneType")),
        ({"type": "FeatureCollection", "features": None}, ("features must be a list",)),
        ({"type": "FeatureCollection", "features": {"a": 1}}, ("features must be a list",)),
        (_collection({"type": "Feature", "properties": [1], "geometry": None}), ("properties",)),
        ([1, 2, 3], ("not a GeoJSON FeatureCollection",)),
        (None, ("not a GeoJSON FeatureCollection",)),
    ],
)
def test_zone_files_with_odd_features(
    work: Path, tmp_path: Path, zones: object, words: tuple[str, ...]
) -> None:
    _od_scenario(work, zones)
    fails_cleanly(tmp_path, ["run", "od.toml"], "zones.geojson", *words)


def test_zone_file_nested_too_deeply(work: Path, tmp_path: Path) -> None:
    _od_scenario(work, None)
    (work / "zones.geojson").write_text("[" * 100_000 + "]" * 100_000)
    fails_cleanly(tmp_path, ["run", "od.toml"], "zones.geojson", "nested too deeply")


@pytest.mark.parametrize(
    ("matrix", "words"),
    [
        (b"origin,destination,trips\nA,B,\xff\xfe5\n", ("od.csv", "not UTF-8")),
        (b"origin,destination,trips\nA,B," + b"9" * 40 + b"\n", ("line 2", "trips")),
        (b"origin,destination,trips\nA,B,100000000\nA,B,1\n", ("line 3", "more than")),
        ("origin,destination,trips\nA,B,\u00b2\n".encode(), ("line 2", "whole number")),
    ],
)
def test_od_matrix_files_that_are_malformed(
    work: Path, tmp_path: Path, matrix: bytes, words: tuple[str, ...]
) -> None:
    _od_scenario(work, _collection(_zone("A", 0), _zone("B", 400)), matrix)
    fails_cleanly(tmp_path, ["run", "od.toml"], "od.csv", *words)


def test_od_matrix_well_formed_runs(work: Path) -> None:
    _od_scenario(work, _collection(_zone("A", 0), _zone("B", 400)))
    result = CliRunner().invoke(cli, ["run", "od.toml", "--out", "od", "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "requests" in result.stdout and (work / "od" / "public" / "run.json").is_file()


# ------------------------------------------------------------------------ GTFS
@pytest.mark.parametrize("empty", ["stops.txt", "stop_times.txt", "calendar.txt"])
def test_gtfs_feed_with_an_empty_table(work: Path, tmp_path: Path, empty: str) -> None:
    feed = work / "feed"
    feed.mkdir()
    tables = {
        "stops.txt": "stop_id,stop_name\nS1,Gitter\n",
        "stop_times.txt": "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n",
        "trips.txt": "route_id,service_id,trip_id\n",
        "routes.txt": "route_id,route_type\n",
        "calendar.txt": "service_id,monday\n",
    }
    tables[empty] = ""
    for name, text in tables.items():
        (feed / name).write_text(text)
    text = (work / "grid.toml").read_text()
    head = text[: text.index("[[demand.models]]")]
    (work / "feeder.toml").write_text(
        head
        + '[[demand.models]]\ntype = "feeder"\nhub = "Gitter"\nriders_per_departure = 2\n'
        + "riders_per_arrival = 2\n"
        + 'gtfs = { feed = "feed", stop_name = "Gitter", date = "2026-11-02" }\n'
    )
    fails_cleanly(tmp_path, ["run", "feeder.toml"], "feed", empty, "empty")


# ---------------------------------------------------------------- map caches
def test_damaged_graph_and_features_caches_are_rebuilt(
    work: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["run", "grid.toml", "--out", "a", "--no-progress"]).exit_code == 0
    cache = tmp_path / "cache"
    entries = sorted(cache.glob("*.npz"))
    assert {p.name.split("-")[0] for p in entries} == {"grid", "features", "walk"}
    for p in entries:  # cut every cache file short, as a full disk or a crash would
        with p.open("r+b") as fh:
            fh.truncate(1000)
    for attempt in range(2):
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            result = runner.invoke(
                cli, ["run", "grid.toml", "--out", f"b{attempt}", "--no-progress"]
            )
        assert result.exit_code == 0, result.output
        rebuilt = [r.getMessage() for r in caplog.records if "rebuilding" in r.getMessage()]
        # the first run after the damage warns and rebuilds; the next finds good entries
        assert len(rebuilt) == (3 if attempt == 0 else 0), rebuilt
    first = (work / "a" / "private" / "trips.csv").read_bytes()
    assert (work / "b0" / "private" / "trips.csv").read_bytes() == first


def test_garbage_in_place_of_a_graph_cache(work: Path, tmp_path: Path, caplog) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["validate", "grid.toml"]).exit_code == 0
    (entry,) = (tmp_path / "cache").glob("grid-*.npz")
    for garbage in (b"", b"PK\x03\x04" + b"\0" * 100, json.dumps({"a": 1}).encode()):
        entry.write_bytes(garbage)
        with caplog.at_level(logging.WARNING):
            result = runner.invoke(cli, ["validate", "grid.toml"])
        assert result.exit_code == 0, result.output
        assert any("rebuilding" in r.getMessage() for r in caplog.records)


def test_unwritable_cache_folder_only_warns(
    work: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog
) -> None:
    from klshuttle import graph as graph_module

    def no_space(self, path):
        raise OSError(28, "No space left on device", str(path))

    monkeypatch.setattr(graph_module.RoadGraph, "save", no_space)
    with caplog.at_level(logging.WARNING):
        result = CliRunner().invoke(cli, ["validate", "grid.toml"])
    assert result.exit_code == 0, result.output
    assert any("cannot write the graph cache" in r.getMessage() for r in caplog.records)


# ------------------------------------------------- sizes beyond the memory
def test_trip_counts_are_checked_against_the_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    gib = 1024**3
    monkeypatch.setattr(demand_trips, "available_memory_bytes", lambda: 4 * gib)
    check_trip_count(1_000_000, "x.toml: demand.models[0].trips_per_day", "trips_per_day")
    limit = 4 * gib // BYTES_PER_REQUEST
    check_trip_count(limit, "w", "n")
    with pytest.raises(DemandError, match=r"x\.toml: k: .* more than the 4\.0 GiB available"):
        check_trip_count(limit + 1, "x.toml: k", "n")


def test_more_trips_than_memory_fail_before_drawing(
    work: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _od_scenario(
        work,
        _collection(_zone("A", 0), _zone("B", 400)),
        b"origin,destination,trips\nA,B,90000000\n",
    )
    monkeypatch.setattr(demand_trips, "available_memory_bytes", lambda: 2 * 1024**3)
    line = fails_cleanly(tmp_path, ["run", "od.toml"], "od.toml", "matrix_file", "90,000,000 trips")
    assert "available" in line


def test_fleet_beyond_memory_fails_before_simulating(
    work: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from klshuttle import runner

    # 36 road nodes, capacity 300: about 21 kB a vehicle; 100,000 need about 2 GB
    monkeypatch.setattr(runner, "available_memory_bytes", lambda: 1024**3)
    for command in ("validate", "run"):
        fails_cleanly(
            tmp_path,
            [
                command,
                "grid.toml",
                "--set",
                "fleet.vehicles=100000",
                "--set",
                "fleet.vehicle.capacity=300",
            ],
            "grid.toml: fleet.vehicles",
            "100,000 vehicles",
            "available",
        )
