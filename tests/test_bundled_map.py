"""The map bundled with the package: the default on a fresh machine, same graph as the extract.

The bundled ``klshuttle/data/kaiserslautern.osm.pbf`` is central Kaiserslautern
cut to what klshuttle reads (scripts/make_bundled_map.py). These tests check that
the README's main job runs with no map configured and no network, that the
script reproduces the file byte for byte from the full extract, and that the
road graph and the OSM features built from it equal those of the full extract.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from klshuttle import load_map
from klshuttle.graph import RoadGraph
from klshuttle.mapconfig import bundled_map_path, resolve_map_source
from klshuttle.osmfeatures import load_features

REPO = Path(__file__).resolve().parents[1]
BUNDLED = REPO / "src" / "klshuttle" / "data" / "kaiserslautern.osm.pbf"

#: Environment variables that name a map or a place to keep caches.
MAP_SETTINGS = ("KLSHUTTLE_OSM", "KLSHUTTLE_MAPS_DIR", "KLSHUTTLE_CACHE_DIR")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_bundled_map_is_package_data_of_at_most_2_5_mb() -> None:
    path = bundled_map_path()
    assert path is not None and path.resolve() == BUNDLED.resolve()
    assert 0 < path.stat().st_size <= 2_500_000
    notice = (path.parent / "NOTICE").read_text()
    assert "OpenStreetMap contributors" in notice and "ODbL" in notice


def test_main_job_runs_with_no_map_configured_and_no_network(tmp_path: Path) -> None:
    """The README's main job as on a fresh install: no map settings, nothing in
    maps/, no network, and no compiled kernels yet (an empty numba cache)."""
    maps = tmp_path / "maps"
    maps.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in MAP_SETTINGS}
    # the maps folder is empty (the checkout's maps/ may hold a user's files);
    # an online fetch would hit a closed port on the loopback and fail
    env["KLSHUTTLE_MAPS_DIR"] = str(maps)
    env["KLSHUTTLE_OVERPASS_URL"] = "http://127.0.0.1:9/api"
    env["NUMBA_CACHE_DIR"] = str(tmp_path / "numba")
    script = Path(sys.executable).with_name("klshuttle")
    cmd = [str(script)] if script.is_file() else [sys.executable, "-m", "klshuttle"]
    out = tmp_path / "out"
    proc = subprocess.run(
        [*cmd, "run", "scenarios/hbf-feeder-on-demand.toml", "--out", str(out)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    # the terminal says that kernels are compiled, before it happens, and how long it took
    lines = proc.stdout.splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith("compiling numba kernels"))
    done = next(i for i, ln in enumerate(lines) if re.match(r"compiled \d+ numba kernels in", ln))
    assert start < done
    seconds = float(re.search(r"in (\d+\.\d) s", lines[done]).group(1))  # type: ignore[union-attr]
    assert seconds > 1.0
    info = json.loads((out / "public" / "run.json").read_text())
    assert info["map"]["source_sha256"] == _sha256(BUNDLED)
    assert info["requests"] > 0
    kpis = json.loads((out / "public" / "kpis.json").read_text())
    assert kpis["served"] > 0
    # the compiled graph went to the (empty) maps folder's cache, nothing else
    assert [p.name for p in maps.iterdir()] == ["cache"]
    # a second run loads graph and kernels from the caches and says nothing of compiling
    again = subprocess.run(
        [*cmd, "run", "scenarios/hbf-feeder-on-demand.toml", "--out", str(out), "--overwrite"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert again.returncode == 0, again.stderr[-2000:]
    assert "compil" not in again.stdout
    assert json.loads((out / "public" / "kpis.json").read_text()) == kpis


@pytest.mark.kaiserslautern
def test_script_reproduces_the_bundled_map(kl_osm: Path, tmp_path: Path) -> None:
    dest = tmp_path / "kaiserslautern.osm.pbf"
    proc = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "make_bundled_map.py"), str(kl_osm), str(dest)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert _sha256(dest) == _sha256(BUNDLED)


@pytest.mark.kaiserslautern
def test_bundled_map_gives_the_graph_and_features_of_the_full_extract(
    kl_graph: RoadGraph, kl_osm: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KLSHUTTLE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("KLSHUTTLE_MAPS_DIR", str(tmp_path / "maps"))
    monkeypatch.delenv("KLSHUTTLE_OSM", raising=False)
    src = resolve_map_source()
    assert src.origin == "bundled"
    graph = load_map()
    assert graph.meta["cache_hit"] is False
    for f in dataclasses.fields(RoadGraph):
        if f.name == "meta":
            continue
        a, b = getattr(graph, f.name), getattr(kl_graph, f.name)
        if isinstance(a, np.ndarray):
            assert a.dtype == b.dtype and np.array_equal(a, b), f.name
        else:
            assert a == b, f.name
    assert graph.meta["dropped"] == kl_graph.meta["dropped"]
    # cached like any file: by content hash and settings, under the file's stem
    again = load_map()
    assert again.meta["cache_hit"] is True
    assert Path(again.meta["cache_file"]).name.startswith("kaiserslautern-")
    assert graph.meta["content_sha256"] == _sha256(BUNDLED)
    ours, full = load_features(), load_features(kl_osm)
    for f in dataclasses.fields(type(ours)):
        if f.name != "meta":
            a, b = getattr(ours, f.name), getattr(full, f.name)
            assert a.dtype == b.dtype and np.array_equal(a, b, equal_nan=a.dtype.kind == "f"), (
                f.name
            )
