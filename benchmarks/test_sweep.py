"""Sweep benchmark: 16 runs on a 2-worker Dask LocalCluster against the same runs serially.

Group ``sweep_16``: a sweep of 2 grid points x 8 replications (16 runs of a
6,000-request day with 20 or 24 vehicles around the Hauptbahnhof, writing kpis.json,
trips.csv, vehicles.csv and the land-use files) on a ``LocalCluster`` of two
worker processes (``[klshuttle]``) and the same 16 runs one after another in
this process (``[serial]``), measured in the same benchmark run. Both start
warm: the cluster is up and each worker (and this process) holds the road
graph and routing tables, as in a long sweep where that start-up is paid once.
The cluster is the one ``klshuttle sweep --workers 2`` starts
(:func:`~klshuttle.sweep.execute.local_cluster`, with its worker settings).
Each round writes into a fresh folder, so no run is skipped.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest

from klshuttle.sweep import plan_sweep, run_sweep
from klshuttle.sweep.execute import local_cluster
from klshuttle.sweep.worker import warm_network

REPO = Path(__file__).resolve().parents[1]

DAY = """
extends = "{base}"
[map]
area = {{ type = "stops", stops = ["Hauptbahnhof"], buffer_m = 2000.0 }}
[fleet]
vehicles = 20
[[demand.models]]
type = "osm"
name = "residents"
trips_per_day = 6000
hubs = {{ "Hauptbahnhof" = 2.0, "Rathaus" = 1.0 }}
[outputs]
which = ["kpis", "trips", "vehicles", "landuse"]
"""


@pytest.fixture(scope="module")
def sweep_env(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The plan, a warm 2-worker LocalCluster and a warm serial process."""
    from distributed import Client

    osm = Path(
        os.environ.get("KLSHUTTLE_OSM", REPO.parent / "shared" / "maps" / "kaiserslautern.osm.gz")
    )
    if not osm.is_file():
        pytest.fail(f"the Kaiserslautern OSM extract is missing ({osm}); set KLSHUTTLE_OSM")
    os.environ["KLSHUTTLE_OSM"] = str(osm)
    folder = tmp_path_factory.mktemp("sweep-bench")
    scenario = folder / "day.toml"
    scenario.write_text(DAY.format(base=(REPO / "scenarios" / "base.toml").as_posix()))
    plan = plan_sweep(scenario, grid={"fleet.vehicles": [20, 24]}, replications=8)
    assert len(plan.run_ids) == 16
    task = plan.tasks[0]
    key = plan.network_keys[task.run_id]
    warm_network(task.scenario, key)
    cluster = local_cluster(2)  # the LocalCluster `klshuttle sweep --workers 2` starts
    client = Client(cluster)
    workers = list(client.scheduler_info()["workers"])
    pids = client.gather(
        [client.submit(warm_network, task.scenario, key, workers=[w], pure=False) for w in workers]
    )
    assert len(set(pids)) == 2
    # one untimed sweep each way loads every kernel and library the runs use
    run_sweep(plan, folder / "warm-serial", workers=1)
    run_sweep(plan, folder / "warm-cluster", client=client)
    yield {"plan": plan, "client": client}
    client.close()
    cluster.close()


def _sweep(env: dict[str, Any], impl: str) -> Any:
    out = Path(tempfile.mkdtemp(prefix="klshuttle-sweep-bench-"))
    try:
        if impl == "klshuttle":
            outcome = run_sweep(env["plan"], out / "sweep", client=env["client"])
        else:
            outcome = run_sweep(env["plan"], out / "sweep", workers=1)
        assert outcome.skipped == 0 and len(outcome.reports) == 16
        return outcome
    finally:
        shutil.rmtree(out, ignore_errors=True)


@pytest.mark.benchmark(group="sweep_16")
@pytest.mark.parametrize("impl", ["klshuttle", "serial"])
def test_sweep_16(benchmark: Any, sweep_env: dict[str, Any], impl: str) -> None:
    outcome = benchmark.pedantic(lambda: _sweep(sweep_env, impl), rounds=3, iterations=1)
    pids = {r.pid for r in outcome.reports}
    benchmark.extra_info.update(
        {
            "measures": "16 runs (2 grid points x 8 replications), 6,000 requests, with files",
            "processes": len(pids),
            "run_s_mean": sum(r.seconds for r in outcome.reports) / 16,
        }
    )
    assert len(pids) == (2 if impl == "klshuttle" else 1)
