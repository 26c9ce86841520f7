"""`klshuttle plan`: today's line from OSM, planned stops and fleet, run unchanged."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from grid_scenario import klshuttle
from scenario_files import SMALL, scenario_dir, write

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


def _run(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return klshuttle(*args, cwd=cwd, env=env, timeout=900)


@pytest.mark.kaiserslautern
def test_plan_from_osm_route_writes_a_runnable_scenario(
    kl_osm, kl_cache, kl_graph, tmp_path: Path
) -> None:
    env = {"KLSHUTTLE_OSM": str(kl_osm), "KLSHUTTLE_CACHE_DIR": str(kl_cache)}
    base = str(SCENARIOS / "line-116.toml")
    args = ("plan", base, "--from-osm-route", "116", "--relations", "2248116,2248115")
    proc = _run(*args, "--out", "p", env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "p"
    toml = out / "line-116-line-116.toml"
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["plan.json", "routes.geojson", "stops.geojson", toml.name]
    )
    report = json.loads((out / "plan.json").read_text())
    assert report["relations"] == [2248116, 2248115]
    assert report["directions"]["forward"]["stops"][0] == "Hauptbahnhof"
    routes = json.loads((out / "routes.geojson").read_text())["features"]
    assert [f["properties"]["direction"] for f in routes] == ["forward", "backward"]
    # the written scenario runs unchanged
    run = _run("run", str(toml), "--out", "day", "--no-progress", env=env, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    # never replaces a folder, and leaves nothing behind on refusal
    again = _run(*args, "--out", "p", env=env, cwd=tmp_path)
    assert again.returncode == 1 and again.stderr.startswith("error: p exists")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["day", "p"]


@pytest.mark.kaiserslautern
def test_plan_stops_and_fleet_for_on_demand(kl_osm, kl_cache, kl_graph, tmp_path: Path) -> None:
    env = {"KLSHUTTLE_OSM": str(kl_osm), "KLSHUTTLE_CACHE_DIR": str(kl_cache)}
    folder = scenario_dir(tmp_path)
    text = SMALL + "\n[service.on_demand]\nmax_detour_offset_s = 60.0\n"
    sc = write(folder, "s.toml", text)
    args = ("plan", str(sc), "--stop-budget", "12", "--seeds", "1", "--out", "p")
    proc = _run(*args, env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "p"
    report = json.loads((out / "plan.json").read_text())
    assert report["stops"] <= 12 and 0 < report["coverage"] <= 1
    assert report["hubs_kept"] == ["Hauptbahnhof"]
    stops = json.loads((out / "stops.geojson").read_text())["features"]
    assert len(stops) == report["stops"]
    assert (out / "fleet_sizing.png").read_bytes()[:4] == b"\x89PNG"
    run = _run(
        "run", str(out / "s-planned.toml"), "--out", "day", "--no-progress", env=env, cwd=tmp_path
    )
    assert run.returncode == 0, run.stderr


def test_plan_stops_of_a_line_scenario_is_a_usage_error(tmp_path: Path) -> None:
    scenario = str(SCENARIOS / "trippstadter-line.toml")
    proc = _run("plan", scenario, "--stop-budget", "5", env={}, cwd=tmp_path)
    assert proc.returncode == 2 and "on-demand scenario" in proc.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.kaiserslautern
def test_plan_lines_writes_timetable_and_fleet_that_run_unchanged(
    kl_osm, kl_cache, kl_graph, tmp_path: Path
) -> None:
    env = {"KLSHUTTLE_OSM": str(kl_osm), "KLSHUTTLE_CACHE_DIR": str(kl_cache)}
    proc = _run(
        "plan", str(SCENARIOS / "trippstadter-line.toml"), "--out", "p", env=env, cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "p"
    report = json.loads((out / "plan.json").read_text())
    (line,) = report["lines"]
    assert line["through_running"] and "route" not in line  # an OSM route keeps its order
    peak = min(p["headway_s"] for p in line["periods"])
    assert all(p["headway_s"] <= 1800.0 for p in line["periods"])
    # each period's headway carries its busiest hour at 80 % of the seats
    for p in line["periods"]:
        assert p["busiest_load_pax_h"] * p["headway_s"] <= 3600 * line["capacity"] * 0.8 + 1e-6
    # the vehicles the timetable needs: at least round trip / peak headway
    assert line["vehicles"] >= line["vehicles_by_headway"] == -(-line["round_trip_s"] // peak)
    toml = out / "trippstadter-line-planned.toml"
    from klshuttle import load_scenario

    sc = load_scenario(toml)
    assert sc.fleet.vehicles == line["vehicles"]
    assert len(sc.service.lines[0].departures or []) == line["departures"]
    run = _run("run", str(toml), "--out", "day", "--no-progress", env=env, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    # the report of a run of the plan, unchanged, says how it was planned
    page = (tmp_path / "day" / "public" / "report.html").read_text(encoding="utf-8")
    assert "How this service was planned" in page and "busiest segment" in page
    de = _run(
        "run",
        str(toml),
        "--out",
        "de",
        "--no-progress",
        "--set",
        'outputs.lang="de"',
        env=env,
        cwd=tmp_path,
    )
    assert de.returncode == 0, de.stderr
    page = (tmp_path / "de" / "public" / "report.html").read_text(encoding="utf-8")
    assert "Wie dieses Angebot geplant wurde" in page and "Spitze" in page
    # a changed scenario is no longer the plan: no planning section
    other = _run(
        "run",
        str(toml),
        "--out",
        "other",
        "--no-progress",
        "--set",
        "demand.seed=2",
        env=env,
        cwd=tmp_path,
    )
    assert other.returncode == 0, other.stderr
    page = (tmp_path / "other" / "public" / "report.html").read_text(encoding="utf-8")
    assert "How this service was planned" not in page
