"""`klshuttle validate` and `klshuttle demand`: shipped scenarios, broken scenarios, outputs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from klshuttle.cli import cli
from scenario_files import SCENARIOS, SHIPPED, SMALL, scenario_dir, write

pytestmark = pytest.mark.kaiserslautern

#: A point on the railway tracks south of the Hauptbahnhof, about 140 m from
#: the nearest road the shuttle may use.
OFF_ROAD = (7.76507, 49.43549)


def _invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_scenarios_validate(kl_env: Path, path: Path) -> None:
    result = _invoke("validate", str(path))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert f"{path.stem} is valid" in out
    assert "service area" in out and "km²" in out and "stops" in out and "fleet" in out
    assert "Trips per hour" in out


def test_validate_reports_what_it_resolved(kl_env: Path) -> None:
    out = _invoke("validate", str(SCENARIOS / "line-116.toml")).stdout
    assert "Line Trippstadter Straße" in out
    # line 116 as mapped: 9 stops out to Uni Ost, 8 back via Pfaffenbergstraße
    assert "9: Hauptbahnhof ->" in out and "8: Uni Ost ->" in out
    assert "the timetable needs 3" in out
    assert "12 (named)" in out


# Each case: files to write (bad.toml is validated), extra CLI args, and the
# message expected after "error: <file>: ".
SMALL_HEAD = SMALL.split("[[demand.models]]")[0]
BROKEN: list[tuple[str, dict[str, str], list[str], str]] = [
    (
        "wrong type",
        {"bad.toml": SMALL.replace("vehicles = 3", 'vehicles = "ten"')},
        [],
        "fleet.vehicles: expected an integer, got 'ten'",
    ),
    (
        "negative fleet",
        {"bad.toml": SMALL.replace("vehicles = 3", "vehicles = -4")},
        [],
        "fleet.vehicles: must be >= 1, got -4",
    ),
    (
        "capacity 0",
        {"bad.toml": SMALL + "[fleet.vehicle]\ncapacity = 0\n"},
        [],
        "fleet.vehicle.capacity: must be >= 1, got 0",
    ),
    (
        "unknown key",
        {"bad.toml": SMALL + "[fleet.vehicle]\ncapcity = 8\n"},
        [],
        "fleet.vehicle.capcity: unknown key (did you mean 'capacity'?",
    ),
    (
        "unknown table",
        {"bad.toml": SMALL + "[fleets]\nvehicles = 8\n"},
        [],
        "fleets: unknown key (did you mean 'fleet'?",
    ),
    (
        "polygon off the map",
        {
            "bad.toml": SMALL_HEAD.replace(
                'area = { type = "stops", stops = ["Hauptbahnhof"], buffer_m = 1200.0 }',
                'area = { type = "polygon", polygon = [[8.40, 49.00], [8.42, 49.00], [8.42, 49.02]] }',
            )
            + '[[demand.models]]\ntype = "osm"\ntrips_per_day = 5\nhubs = { "Hauptbahnhof" = 1.0 }\n'
        },
        [],
        "map.area: the service area lies off the road network",
    ),
    (
        "unreachable stop",
        {
            "bad.toml": SMALL
            + f'[service]\nstops = {{ type = "coordinates", points = [{{ name = "Hbf", lon = 7.7678, lat = 49.4365 }}, {{ name = "Gleis", lon = {OFF_ROAD[0]}, lat = {OFF_ROAD[1]} }}] }}\n'
        },
        [],
        "service.stops.points[1]: stop 'Gleis' lies",
    ),
    (
        "unknown stop name",
        {
            "bad.toml": SMALL
            + '[service]\nstops = { type = "named", names = ["Hauptbahnhof", "Hauptbanhof Süd"] }\n'
        },
        [],
        "service.stops.names[1]: no stop or place named 'Hauptbanhof Süd' on this map (did you mean",
    ),
    (
        "end before start",
        {
            "bad.toml": SMALL
            + '[fleet.vehicle]\noperating_hours = { start = "21:00", end = "06:00" }\n'
        },
        [],
        "fleet.vehicle.operating_hours: end 06:00 must be after start 21:00",
    ),
    (
        "bad time",
        {"bad.toml": SMALL + '[demand]\nwindow = { start = "6 Uhr", end = "21:00" }\n'},
        [],
        'demand.window.start: expected a time such as "06:30"',
    ),
    (
        "missing CSV",
        {"bad.toml": SMALL_HEAD + '[[demand.models]]\ntype = "csv"\nfile = "nowhere.csv"\n'},
        [],
        "demand.models[0].file: CSV file not found: ",
    ),
    (
        "CSV with bad rows",
        {
            "bad.toml": SMALL_HEAD + '[[demand.models]]\ntype = "csv"\nfile = "trips.csv"\n',
            "trips.csv": "time,origin_lon,origin_lat,dest_lon,dest_lat\n08:00,7.7650,49.4400,7.7700,49.4370\n08:05,7.7650,north,7.7700,49.4370\n25:00,7.7650,49.4400,7.7700,49.4370\n",
        },
        [],
        "trips.csv: line 3, column origin_lat: expected a latitude between -90 and 90, got 'north' (and 1 more bad row(s))",
    ),
    (
        "extends cycle",
        {"bad.toml": 'extends = "other.toml"\n', "other.toml": 'extends = "bad.toml"\n'},
        [],
        "extends: cycle ",
    ),
    ("extends missing", {"bad.toml": 'extends = "bsae.toml"\n'}, [], "extends: file not found: "),
    (
        "malformed TOML",
        {"bad.toml": SMALL + "[fleet.vehicle\ncapacity = 3\n"},
        [],
        "invalid TOML at line",
    ),
    (
        "unknown algorithm",
        {"bad.toml": SMALL + '[dispatch]\nalgorithm = "greedy"\n'},
        [],
        "dispatch.algorithm: must be one of 'insertion', 'nearest_idle' or 'batch', got 'greedy'",
    ),
    (
        "unknown street",
        {
            "bad.toml": SMALL_HEAD.replace(
                'area = { type = "stops", stops = ["Hauptbahnhof"], buffer_m = 1200.0 }',
                'area = { type = "streets", streets = ["Tripstadter Strasse"], buffer_m = 300.0 }',
            )
            + '[[demand.models]]\ntype = "osm"\ntrips_per_day = 5\nhubs = { "Hauptbahnhof" = 1.0 }\n'
        },
        [],
        "map.area.streets[0]: no street named 'Tripstadter Strasse' on the road network (did you mean 'Trippstadter Straße'",
    ),
    (
        "speed above top speed",
        {"bad.toml": SMALL + "[fleet.vehicle]\nmax_speed_kmh = 60.0\n"},
        [],
        "fleet.vehicle.max_speed_kmh: must be <= 40 (top speed of the EasyMile EZ10), got 60",
    ),
    (
        "line needs more vehicles",
        {
            "bad.toml": SMALL
            + '[service]\nmode = "line"\nstops = { type = "named", names = ["Hauptbahnhof", "Rathaus"] }\n[[service.lines]]\nname = "L"\nstops = ["Hauptbahnhof", "Rathaus"]\nheadway_s = 120.0\nvehicles = 1\n'
        },
        [],
        "service.lines[0].vehicles: the timetable needs",
    ),
    (
        "line mode without lines",
        {"bad.toml": SMALL + '[service]\nmode = "line"\n'},
        [],
        "service.lines: mode 'line' needs at least one [[service.lines]]",
    ),
    (
        "hub outside the area",
        {
            "bad.toml": SMALL_HEAD
            + '[[demand.models]]\ntype = "osm"\ntrips_per_day = 5\nhubs = { "Kaiserslautern West" = 1.0 }\n'
        },
        [],
        "demand.models[0].hubs: 'Kaiserslautern West' lies outside the service area",
    ),
    (
        "depot off the road",
        {
            "bad.toml": SMALL.replace(
                "vehicles = 3",
                f'vehicles = 3\ndepots = [{{ name = "Gleisfeld", lon = {OFF_ROAD[0]}, lat = {OFF_ROAD[1]} }}]',
            )
        },
        [],
        "fleet.depots[0]: depot 'Gleisfeld' lies",
    ),
    (
        "od_matrix zone outside the area",
        {
            "bad.toml": SMALL_HEAD
            + '[[demand.models]]\ntype = "od_matrix"\nplacement = "uniform"\nmatrix = [[0, 5], [5, 0]]\nzones = [{ name = "A", polygon = [[7.7660, 49.4350], [7.7700, 49.4350], [7.7700, 49.4380]] }, { name = "Far", polygon = [[7.790, 49.452], [7.795, 49.452], [7.795, 49.455]] }]\n'
        },
        [],
        "demand.models[0]: zone 'Far' lies outside the service area",
    ),
    (
        "bad --set value",
        {"bad.toml": SMALL},
        ["--set", "fleet.vehicles=0"],
        "--set: fleet.vehicles: must be >= 1, got 0",
    ),
    ("scenario file missing", {}, [], "bad.toml: scenario file not found"),
]


@pytest.mark.parametrize(("case", "files", "extra", "expected"), BROKEN, ids=[b[0] for b in BROKEN])
@pytest.mark.parametrize("command", ["validate", "demand"])
def test_broken_scenarios_fail_in_one_line(
    kl_env: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    command,
    case,
    files,
    extra,
    expected,
) -> None:
    folder = scenario_dir(tmp_path)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    monkeypatch.chdir(folder)
    out = folder / "requests.csv"
    args = [command, "bad.toml", *extra]
    if command == "demand":
        args += ["-o", str(out)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1, (result.exit_code, result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), lines[0]
    assert expected in lines[0], lines[0]
    assert "Traceback" not in result.output
    # no output written, no temp file left behind
    assert not out.exists()
    assert not [p for p in folder.iterdir() if p.name.startswith(".requests")]


def test_broken_table_is_large_and_distinct() -> None:
    assert len(BROKEN) >= 15
    assert len({b[3] for b in BROKEN}) == len(BROKEN)


@pytest.mark.parametrize("case", ["capacity 0", "CSV with bad rows", "unreachable stop"])
def test_real_entry_point_exits_1_without_traceback(
    kl_env: Path, tmp_path: Path, case: str
) -> None:
    _, files, extra, expected = next(b for b in BROKEN if b[0] == case)
    folder = scenario_dir(tmp_path)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "klshuttle", "validate", "bad.toml", *extra],
        capture_output=True,
        text=True,
        cwd=folder,
        env=dict(os.environ),
        timeout=300,
    )
    assert proc.returncode == 1
    assert proc.stderr.count("\n") == 1 and expected in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""


def test_demand_writes_csv_and_summary(kl_env: Path, tmp_path: Path) -> None:
    folder = scenario_dir(tmp_path)
    path = write(folder, "s.toml", SMALL)
    out = tmp_path / "out" / "req.csv"
    result = _invoke("demand", str(path), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert out.is_file()
    lines = out.read_text().splitlines()
    assert lines[0].startswith("request_id,time_s,time,origin_lon")
    assert len(lines) == 201
    assert "Trips per hour" in result.stdout and "mean direct distance" in result.stdout
    assert "wrote 200 requests" in result.stdout
    # never overwrite silently
    again = CliRunner().invoke(cli, ["demand", str(path), "-o", str(out), "--seed", "5"])
    assert again.exit_code == 1 and "exists; pass --overwrite" in again.stderr
    before = out.read_bytes()
    forced = _invoke("demand", str(path), "-o", str(out), "--seed", "5", "--overwrite")
    assert forced.exit_code == 0
    assert out.read_bytes() != before


def test_demand_default_output_path(
    kl_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = scenario_dir(tmp_path)
    write(folder, "small.toml", SMALL)
    monkeypatch.chdir(folder)
    result = _invoke("demand", "small.toml")
    assert result.exit_code == 0, result.output
    assert (folder / "small-requests.csv").is_file()


def test_allow_personal_columns_flag(kl_env: Path, tmp_path: Path, monkeypatch) -> None:
    folder = scenario_dir(tmp_path)
    (folder / "bookings.csv").write_text(
        "time,origin_lon,origin_lat,dest_lon,dest_lat,phone\n"
        "08:00,7.7650,49.4400,7.7700,49.4370,0631 1234567\n"
    )
    head = SMALL.split("[[demand.models]]")[0]
    write(folder, "p.toml", head + '[[demand.models]]\ntype = "csv"\nfile = "bookings.csv"\n')
    monkeypatch.chdir(folder)
    refused = CliRunner().invoke(cli, ["validate", "p.toml"])
    assert refused.exit_code == 1
    assert refused.stderr.strip().splitlines() == [
        "error: bookings.csv: line 1: column 'phone' looks like personal data (phone numbers); "
        "remove the column or pass --allow-personal-columns (it is then read past and written "
        "nowhere)"
    ]
    allowed = CliRunner().invoke(cli, ["validate", "p.toml", "--allow-personal-columns"])
    assert allowed.exit_code == 0, allowed.output
