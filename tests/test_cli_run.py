"""`klshuttle run` from the command line: files, summary, one-line errors."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from grid_scenario import klshuttle

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


def _run(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return klshuttle(*args, cwd=cwd, env=env, timeout=900)


@pytest.mark.kaiserslautern
def test_run_writes_results_and_refuses_to_overwrite(
    kl_osm, kl_cache, kl_graph, tmp_path: Path
) -> None:
    env = {"KLSHUTTLE_OSM": str(kl_osm), "KLSHUTTLE_CACHE_DIR": str(kl_cache)}
    scenario = str(SCENARIOS / "campus-on-demand.toml")
    proc = _run("run", scenario, "--out", "day", "--no-progress", env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "served" in proc.stdout and "wrote day/" in proc.stdout
    out = tmp_path / "day"
    for name in (
        "private/trips.csv",
        "private/vehicles.csv",
        "private/events.csv",
        "public/link_loads.geojson",
        "public/kpis.json",
        "private/scenario.toml",
        "public/report.html",
        "public/landuse.json",
        "public/layers.gpkg",
    ):
        assert (out / name).is_file(), name
    before = (out / "public" / "kpis.json").read_bytes()
    again = _run("run", scenario, "--out", "day", "--no-progress", env=env, cwd=tmp_path)
    assert again.returncode == 1
    assert again.stderr.strip().splitlines() == [again.stderr.strip()]
    assert "--overwrite" in again.stderr and "Traceback" not in again.stderr
    assert (out / "public" / "kpis.json").read_bytes() == before
    third = _run(
        "run", scenario, "--out", "day", "--no-progress", "--overwrite", env=env, cwd=tmp_path
    )
    assert third.returncode == 0 and (out / "public" / "kpis.json").read_bytes() == before


def test_run_bad_scenario_is_one_line_and_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    base = (SCENARIOS / "base.toml").as_posix()
    bad.write_text(f'extends = "{base}"\n[fleet]\nvehicles = 0\n')
    proc = _run("run", str(bad), "--out", "x", env={}, cwd=tmp_path)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "fleet.vehicles" in lines[0] and "Traceback" not in proc.stderr
    assert not (tmp_path / "x").exists()


def test_run_missing_scenario_file(tmp_path: Path) -> None:
    proc = _run("run", "nope.toml", env={}, cwd=tmp_path)
    assert proc.returncode != 0 and "nope.toml" in proc.stderr and "Traceback" not in proc.stderr
