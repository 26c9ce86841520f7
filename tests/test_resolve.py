"""resolve() on the real graph: depots, fleet, demand and the shipped scenarios."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from klshuttle import load_scenario
from klshuttle.resolve import resolve
from scenario_files import SCENARIOS, SMALL, scenario_dir, write


# ------------------------------------------------------------ depots, fleet
@pytest.mark.kaiserslautern
def test_depots_split_and_round_robin(kl_env: Path, tmp_path: Path) -> None:
    folder = scenario_dir(tmp_path)
    text = SMALL.replace("vehicles = 3", 'vehicles = 5\ndepots = ["Hauptbahnhof", "Pfaffwerk"]')
    res = resolve(load_scenario(write(folder, "a.toml", text)), demand=False)
    assert res.depots.vehicle_depot.tolist() == [0, 1, 0, 1, 0]
    assert res.depots.to_frame()["vehicles"].tolist() == [3, 2]
    assert np.all(res.depots.edge_m <= 50)
    split = text.replace("vehicles = 5\n", "vehicles = 5\nvehicles_per_depot = [1, 4]\n")
    res = resolve(load_scenario(write(folder, "b.toml", split)), demand=False)
    assert res.depots.vehicle_depot.tolist() == [0, 1, 1, 1, 1]
    assert res.depots.vehicle_node.tolist() == [res.depots.node[0]] + [res.depots.node[1]] * 4


@pytest.mark.kaiserslautern
def test_door_to_door_has_no_assignment(kl_env: Path, tmp_path: Path) -> None:
    folder = scenario_dir(tmp_path)
    res = resolve(
        load_scenario(write(folder, "s.toml", SMALL + "[service.on_demand]\nstop_based = false\n"))
    )
    assert res.assignment is None and res.requests is not None and len(res.requests) == 200


@pytest.mark.kaiserslautern
def test_fleet_speed_caps_the_graph(kl_env: Path, tmp_path: Path) -> None:
    folder = scenario_dir(tmp_path)
    res = resolve(
        load_scenario(write(folder, "s.toml", SMALL + "[fleet.vehicle]\nmax_speed_kmh = 15.0\n")),
        demand=False,
    )
    assert res.graph.speed_kmh.max() <= 15.0
    assert res.graph.meta["settings"]["max_speed_kmh"] == 15.0


@pytest.mark.kaiserslautern
def test_shipped_scenarios_resolve_to_sensible_days(kl_env: Path) -> None:
    for name in ("hbf-feeder-on-demand", "campus-on-demand", "pfaff-quarter", "trippstadter-line"):
        res = resolve(load_scenario(SCENARIOS / f"{name}.toml"))
        assert res.requests is not None and len(res.requests) > 500, name
        assert res.assignment is not None
        share_ok = res.assignment.servable.mean()
        assert share_ok > 0.9, (name, res.assignment.counts())
        assert not res.warnings, (name, res.warnings)
    feeder = resolve(load_scenario(SCENARIOS / "hbf-feeder-on-demand.toml"))
    assert feeder.scenario.fleet.vehicles >= 20 and len(feeder.requests) >= 2000
    assert feeder.scenario.fleet.vehicle.capacity == 12
