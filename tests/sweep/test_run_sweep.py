"""Sweeps on the Kaiserslautern map: serial, a LocalCluster and a real Dask cluster.

The real cluster is ``dask scheduler`` and two ``dask worker`` processes started
here on 127.0.0.1 (random free ports). Every backend must give the same
sweep.csv, byte for byte; a sweep whose worker is killed or whose client is
interrupted, once restarted, gives that same sweep.csv with no run missing or
doubled.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner

from klshuttle.cli import cli
from klshuttle.sweep import plan_sweep, run_sweep
from klshuttle.sweep.execute import RUNS
from klshuttle.sweep.runfiles import is_finished
from scenario_files import scenario_dir, write

pytestmark = pytest.mark.kaiserslautern

#: A small day: 100 requests, 2 vehicles around the Hauptbahnhof.
TINY = """
extends = "base.toml"
[map]
area = { type = "stops", stops = ["Hauptbahnhof"], buffer_m = 1200.0 }
[fleet]
vehicles = 2
[[demand.models]]
type = "osm"
name = "residents"
trips_per_day = 100
hubs = { "Hauptbahnhof" = 1.0 }
[outputs]
which = ["scenario", "kpis", "landuse"]
"""
GRID = ["fleet.vehicles=2,3"]
REPLICATIONS = 4  # 8 runs


@pytest.fixture(scope="module")
def env(kl_osm: Path, kl_cache: Path) -> Iterator[dict[str, str]]:
    """The session's map and graph cache, also for the module-scoped fixtures."""
    mp = pytest.MonkeyPatch()
    mp.setenv("KLSHUTTLE_OSM", str(kl_osm))
    mp.setenv("KLSHUTTLE_CACHE_DIR", str(kl_cache))
    try:
        yield dict(os.environ)
    finally:
        mp.undo()


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory, env: dict[str, str]) -> Path:
    return write(scenario_dir(tmp_path_factory.mktemp("tiny")), "tiny.toml", TINY)


def _plan(tiny: Path, replications: int = REPLICATIONS) -> Any:
    return plan_sweep(tiny, grid={"fleet.vehicles": [2, 3]}, replications=replications)


@pytest.fixture(scope="module")
def serial(tiny: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reference: every run one after another in this process."""
    folder = tmp_path_factory.mktemp("serial") / "sweep"
    out = run_sweep(_plan(tiny), folder, workers=1)
    assert out.runs == 8 and out.skipped == 0 and len(out.reports) == 8
    return folder


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def dask_cluster(env: dict[str, str]) -> Iterator[str]:
    """A scheduler and two workers as subprocesses on localhost; torn down afterwards."""
    from distributed import Client

    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    dask = [str(Path(sys.executable).with_name("dask"))]
    procs = [
        subprocess.Popen(
            [
                *dask,
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--dashboard-address",
                f"127.0.0.1:{_free_port()}",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    ]
    try:
        for i in range(2):
            procs.append(
                subprocess.Popen(
                    [
                        *dask,
                        "worker",
                        address,
                        "--host",
                        "127.0.0.1",
                        "--nthreads",
                        "1",
                        "--nworkers",
                        "1",
                        "--name",
                        f"w{i}",
                        "--no-dashboard",
                    ],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    start_new_session=True,
                )
            )
        deadline = time.monotonic() + 120
        while True:
            try:
                with Client(address, timeout="5s") as client:
                    client.wait_for_workers(2, timeout=120)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        yield address
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()


def _no_run_missing_or_doubled(folder: Path) -> None:
    table = pd.read_csv(folder / "sweep.csv")
    assert len(table) == 8
    assert not table.duplicated(["point", "replication"]).any()
    runs = sorted(p.name for p in (folder / RUNS).iterdir())
    assert runs == sorted(table["run_id"]), "a run folder is missing, doubled or left over"
    assert all(is_finished(folder / RUNS / r) for r in runs)


def test_serial_sweep_tables(serial: Path, tiny: Path) -> None:
    table = pd.read_csv(serial / "sweep.csv")
    summary = pd.read_csv(serial / "summary.csv")
    assert (serial / "sweep.png").stat().st_size > 10_000
    _no_run_missing_or_doubled(serial)
    # the same demand (replication seeds) meets both fleet sizes
    assert (table.groupby("replication")["seed"].nunique() == 1).all()
    assert set(table["fleet.vehicles"]) == {2, 3}
    assert (table["vehicles"] == table["fleet.vehicles"]).all()
    # land-use totals are the central case of each run's own landuse.json
    for row in table.itertuples():
        lu = json.loads((serial / RUNS / row.run_id / "public" / "landuse.json").read_text())
        central = lu["cases"]["central"]
        assert row.landuse_area_freed_m2 == pytest.approx(central["area_freed_m2_total"])
        assert row.landuse_parking_spaces_freed == central["spaces_freed_total"]
        net = lu["vehicle_km_per_day"]["net_change"]["central"]
        assert row.landuse_vehicle_km_net_change == pytest.approx(net)
    # summary: one row per grid point and KPI, the mean of its 4 runs
    row = summary[(summary["point"] == 1) & (summary["kpi"] == "wait_mean_s")].iloc[0]
    runs = table.loc[table["point"] == 1, "wait_mean_s"]
    assert row["n"] == 4 and row["mean"] == pytest.approx(runs.mean(), abs=1e-3)
    assert row["ci95_low"] < row["mean"] < row["ci95_high"]
    # a rerun skips every run and writes the same table
    before = (serial / "sweep.csv").read_bytes()
    out = run_sweep(_plan(tiny), serial, workers=1)
    assert out.skipped == 8 and out.reports == ()
    assert (serial / "sweep.csv").read_bytes() == before


def test_local_cluster_equals_serial_and_builds_the_network_once_per_worker(
    serial: Path, tiny: Path, tmp_path: Path
) -> None:
    out = run_sweep(_plan(tiny), tmp_path / "local", workers=2)
    assert (tmp_path / "local" / "sweep.csv").read_bytes() == (serial / "sweep.csv").read_bytes()
    built = Counter(r.pid for r in out.reports if r.network_built)
    pids = {r.pid for r in out.reports}
    assert len(pids) == 2 and os.getpid() not in pids
    assert built == Counter(dict.fromkeys(pids, 1)), "graph and tables built once per worker"


def test_real_cluster_through_scheduler_option_equals_serial(
    serial: Path, tiny: Path, dask_cluster: str, tmp_path: Path
) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "sweep",
            str(tiny),
            "--grid",
            GRID[0],
            "--replications",
            str(REPLICATIONS),
            "--scheduler",
            dask_cluster,
            "--out",
            str(tmp_path / "cl"),
            "--no-progress",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "8 runs: 0 finished before, 8 run now" in result.output
    assert (tmp_path / "cl" / "sweep.csv").read_bytes() == (serial / "sweep.csv").read_bytes()
    _no_run_missing_or_doubled(tmp_path / "cl")


def _finished(folder: Path) -> dict[str, int]:
    runs = folder / RUNS
    if not runs.is_dir():
        return {}
    # a dot-folder is the temporary folder of a run being written (or killed while writing)
    return {
        p.name: p.stat().st_ino
        for p in runs.iterdir()
        if not p.name.startswith(".") and is_finished(p)
    }


def _wait_for(folder: Path, n: int, timeout_s: float = 180.0) -> dict[str, int]:
    deadline = time.monotonic() + timeout_s
    while len(done := _finished(folder)) < n:
        assert time.monotonic() < deadline, f"fewer than {n} runs finished in {timeout_s} s"
        time.sleep(0.02)
    return done


def test_killed_worker_then_restart_gives_the_same_sweep(
    serial: Path, tiny: Path, dask_cluster: str, tmp_path: Path
) -> None:
    from distributed import Client

    folder = tmp_path / "killed"
    plan = _plan(tiny)
    errors: list[BaseException] = []

    def sweep() -> None:
        try:
            run_sweep(plan, folder, scheduler=dask_cluster)
        except BaseException as exc:  # the sweep may fail or recover: both are allowed
            errors.append(exc)

    with Client(dask_cluster) as client:
        pids = sorted(client.run(os.getpid).values())
    thread = threading.Thread(target=sweep)
    thread.start()
    done = _wait_for(folder, 1)
    assert len(done) < 8, "the sweep finished before a worker could be killed"
    os.kill(pids[0], signal.SIGKILL)  # a worker process (its nanny starts a new one)
    thread.join(timeout=300)
    assert not thread.is_alive()
    before = _finished(folder)
    out = run_sweep(plan, folder, scheduler=dask_cluster)
    assert out.skipped == len(before) and out.skipped + len(out.reports) == 8
    assert {k: v for k, v in _finished(folder).items() if k in before} == before, "rerun"
    assert (folder / "sweep.csv").read_bytes() == (serial / "sweep.csv").read_bytes()
    _no_run_missing_or_doubled(folder)


def test_interrupted_client_then_restart_gives_the_same_sweep(
    serial: Path, tiny: Path, dask_cluster: str, tmp_path: Path, env: dict[str, str]
) -> None:
    folder = tmp_path / "interrupted"
    cmd = [
        sys.executable,
        "-m",
        "klshuttle",
        "sweep",
        str(tiny),
        "--grid",
        GRID[0],
        "--replications",
        str(REPLICATIONS),
        "--scheduler",
        dask_cluster,
        "--out",
        str(folder),
        "--no-progress",
    ]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        done = _wait_for(folder, 1)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert len(done) < 8
    assert proc.returncode == 130, err
    assert not (folder / "sweep.csv").exists(), "no sweep table from an unfinished sweep"
    before = _finished(folder)
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    # a run the cluster was executing when the client stopped may still land
    # before the restart looks: it then counts as finished, once
    counts = re.search(r"8 runs: (\d+) finished before, (\d+) run now", result.stdout)
    assert counts is not None, result.stdout
    skipped, ran = int(counts.group(1)), int(counts.group(2))
    assert skipped >= len(before) and skipped + ran == 8
    assert {k: v for k, v in _finished(folder).items() if k in before} == before, "rerun"
    assert (folder / "sweep.csv").read_bytes() == (serial / "sweep.csv").read_bytes()
    _no_run_missing_or_doubled(folder)


def test_interval_of_5_replications_contains_the_mean_of_40(tiny: Path, tmp_path: Path) -> None:
    forty = run_sweep(plan_sweep(tiny, replications=40), tmp_path / "40", workers=1)
    five = run_sweep(plan_sweep(tiny, replications=5), tmp_path / "5", workers=1)
    assert forty.runs == 40 and five.runs == 5
    runs40 = pd.read_csv(tmp_path / "40" / "sweep.csv")
    summary5 = pd.read_csv(tmp_path / "5" / "summary.csv").set_index("kpi")
    # replications 0-4 of the 40 are the 5 (same seeds, same results)
    runs5 = pd.read_csv(tmp_path / "5" / "sweep.csv")
    pd.testing.assert_frame_equal(runs5, runs40.iloc[:5])
    for kpi in ("wait_mean_s", "ride_mean_s", "vehicle_km", "pooling_rate", "passenger_km"):
        mean40 = runs40[kpi].mean()
        low, high = summary5.loc[kpi, ["ci95_low", "ci95_high"]]
        assert runs40[kpi].std() > 0, kpi
        assert low <= mean40 <= high, (kpi, low, mean40, high)


def test_run_with_replications_gives_intervals(tiny: Path, tmp_path: Path) -> None:
    from klshuttle.scenario import load_scenario
    from klshuttle.sweep import replication_seeds

    out = tmp_path / "reps"
    result = CliRunner().invoke(
        cli,
        [
            "run",
            str(tiny),
            "--replications",
            "3",
            "--workers",
            "1",
            "--out",
            str(out),
            "--no-progress",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Mean [95 % confidence interval]" in result.output
    runs = pd.read_csv(out / "sweep.csv")
    assert list(runs["seed"]) == replication_seeds(load_scenario(tiny).seed, 3)
    summary = pd.read_csv(out / "summary.csv").set_index("kpi")
    assert summary.loc["wait_mean_s", "n"] == 3
    assert summary.loc["wait_mean_s", "mean"] == pytest.approx(runs["wait_mean_s"].mean(), abs=1e-3)
    assert not (out / "sweep.png").exists()  # nothing swept: no curve to draw
