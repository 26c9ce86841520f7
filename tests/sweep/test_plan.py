"""Sweep planning with no map: seeds, grid parsing, --set array indices, intervals."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from klshuttle.errors import KlshuttleError, ScenarioError
from klshuttle.scenario import load_scenario
from klshuttle.sweep import (
    confidence_interval,
    parse_grid,
    plan_sweep,
    read_run,
    replication_seeds,
)
from klshuttle.sweep.execute import prepare_folder
from scenario_files import SMALL, scenario_dir, write


@pytest.fixture
def small(tmp_path: Path) -> Path:
    folder = scenario_dir(tmp_path)
    # planning reads the map file only for its hash: any file will do
    (folder / "map.osm").write_text("<osm/>", encoding="utf-8")
    return write(folder, "small.toml", SMALL)


def _plan(path: Path, **kw):  # type: ignore[no-untyped-def]
    return plan_sweep(path, overrides={"map.osm": str(path.parent / "map.osm")}, **kw)


def test_replication_k_has_the_same_seed_whatever_the_number_of_replications() -> None:
    five, forty = replication_seeds(7, 5), replication_seeds(7, 40)
    assert five == forty[:5]
    assert len(set(forty)) == 40  # independent streams, no repeats
    # oracle: the k-th child of SeedSequence(7), built directly from its spawn key
    for k in (0, 3, 39):
        child = np.random.SeedSequence(7, spawn_key=(k,))
        assert forty[k] == int(child.generate_state(1, dtype=np.uint32)[0])
    assert replication_seeds(8, 3) != replication_seeds(7, 3)
    with pytest.raises(ValueError, match="replications must be >= 1"):
        replication_seeds(7, 0)


def test_parse_grid_reads_toml_scalars() -> None:
    grid = parse_grid(["fleet.vehicles=2, 4,6", "dispatch.rebalancing=none,demand", "x.y=1.5,true"])
    assert grid == {
        "fleet.vehicles": [2, 4, 6],
        "dispatch.rebalancing": ["none", "demand"],
        "x.y": [1.5, True],
    }
    for bad in ("fleet.vehicles", "fleet.vehicles=", "=1,2", "fleet.vehicles=1,,2"):
        with pytest.raises(ScenarioError, match="--grid"):
            parse_grid([bad])
    with pytest.raises(ScenarioError, match="not a single value"):
        parse_grid(["fleet.vehicles=[1]"])


def test_set_indexes_arrays(small: Path) -> None:
    sc = load_scenario(small, overrides={"demand.models.0.trips_per_day": 77})
    assert sc.demand.models[0].trips_per_day == 77
    with pytest.raises(
        ScenarioError, match=r"--set demand\.models\.3\.trips_per_day: 3 is not an index"
    ):
        load_scenario(small, overrides={"demand.models.3.trips_per_day": 77})


def test_plan_lists_grid_times_replications_with_run_ids(small: Path) -> None:
    plan = _plan(
        small,
        grid={"fleet.vehicles": [2, 3], "dispatch.batch_window_s": [10.0, 30.0]},
        replications=3,
    )
    assert len(plan.tasks) == 12
    assert plan.points[1] == {"fleet.vehicles": 2, "dispatch.batch_window_s": 30.0}
    assert [(t.point, t.replication) for t in plan.tasks[:4]] == [(0, 0), (0, 1), (0, 2), (1, 0)]
    seeds = replication_seeds(load_scenario(small).seed, 3)
    for t in plan.tasks:
        assert t.seed == seeds[t.replication]
        assert t.scenario.seed == t.seed
        assert t.scenario.fleet.vehicles == t.params["fleet.vehicles"]
        assert t.scenario.dispatch.batch_window_s == t.params["dispatch.batch_window_s"]
        assert t.run_id == t.scenario.run_id()
        assert "kpis" in t.scenario.outputs.which and t.scenario.sweep is None
    assert len(set(plan.run_ids)) == 12
    # the same command plans the same runs; more replications keep the first ones
    again = _plan(
        small,
        grid={"fleet.vehicles": [2, 3], "dispatch.batch_window_s": [10.0, 30.0]},
        replications=5,
    )
    assert [t.run_id for t in again.tasks if t.replication < 3] == [t.run_id for t in plan.tasks]


def test_sweep_table_of_the_scenario_is_the_default_and_not_in_the_run_id(small: Path) -> None:
    text = (
        small.read_text() + '\n[sweep]\nreplications = 2\n[sweep.grid]\n"fleet.vehicles" = [2, 5]\n'
    )
    with_table = write(small.parent, "with_sweep.toml", text)
    plan = _plan(with_table)
    assert plan.grid == {"fleet.vehicles": [2, 5]} and plan.replications == 2
    assert load_scenario(with_table).run_id() == load_scenario(small).run_id()
    # --grid replaces a key's values, --replications the count
    plan = _plan(with_table, grid={"fleet.vehicles": [4]}, replications=1)
    assert [t.params for t in plan.tasks] == [{"fleet.vehicles": 4}]


def test_bad_grid_is_one_line_naming_key_and_value(small: Path) -> None:
    with pytest.raises(
        ScenarioError, match=r"fleet\.vehicles=0: .*fleet\.vehicles: must be >= 1, got 0"
    ):
        _plan(small, grid={"fleet.vehicles": [2, 0]})
    with pytest.raises(ScenarioError, match="not a scalar key"):
        _plan(small, grid={"fleet": [1]})
    with pytest.raises(ScenarioError, match="given twice"):
        _plan(small, grid={"fleet.vehicles": [2, 2]})
    with pytest.raises(ScenarioError, match="flet"):
        _plan(small, grid={"flet.vehicles": [2]})


def test_folder_of_another_sweep_or_user_files_is_refused(small: Path, tmp_path: Path) -> None:
    plan = _plan(small, grid={"fleet.vehicles": [2]})
    other = _plan(small, grid={"fleet.vehicles": [3]})
    folder = tmp_path / "sw"
    prepare_folder(folder, plan)
    assert json.loads((folder / "sweep.json").read_text())["grid"] == {"fleet.vehicles": [2]}
    prepare_folder(folder, plan)  # the same plan resumes
    with pytest.raises(KlshuttleError, match="holds another sweep"):
        prepare_folder(folder, other)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep")
    with pytest.raises(KlshuttleError, match="not a sweep folder"):
        prepare_folder(mine, plan)
    assert sorted(p.name for p in mine.iterdir()) == ["notes.txt"]


@pytest.mark.parametrize("n", [2, 3, 5, 12])
def test_confidence_interval_agrees_with_scipy(n: int) -> None:
    x = np.random.default_rng(n).normal(10.0, 3.0, n)
    got_n, mean, std, low, high = confidence_interval(np.append(x, np.nan))
    oracle = stats.ttest_1samp(x, 0.0).confidence_interval(0.95)
    assert got_n == n
    assert mean == pytest.approx(float(np.mean(x)))
    assert std == pytest.approx(float(np.std(x, ddof=1)))
    assert (low, high) == pytest.approx((oracle.low, oracle.high))


def test_confidence_interval_degenerate_cases() -> None:
    assert confidence_interval([4.0])[:2] == (1, 4.0)
    assert np.isnan(confidence_interval([4.0])[3])
    assert confidence_interval([2.0, 2.0, 2.0])[1:] == (2.0, 0.0, 2.0, 2.0)
    assert confidence_interval([np.nan])[0] == 0


def test_read_run_accepts_public_subfolder(tmp_path: Path) -> None:
    kpis = {
        "scenario": "s",
        "run_id": "r",
        "seed": 1,
        "mode": "on_demand",
        "wait_mean_s": 60.0,
        "served_share": None,
        "rejections": {"max_wait": 2},
    }
    flat, public = tmp_path / "flat", tmp_path / "pub"
    flat.mkdir()
    (public / "public").mkdir(parents=True)
    (flat / "kpis.json").write_text(json.dumps(kpis))
    (public / "public" / "kpis.json").write_text(json.dumps(kpis))
    (public / "public" / "accessibility.json").write_text(
        json.dumps({"residents": {"within_10_min": 120}})
    )
    a, b = read_run(flat), read_run(public)
    assert a["wait_mean_s"] == 60.0 and a["served_share"] is None
    assert a["rejected_max_wait"] == 2 and a["rejected_capacity"] == 0
    assert b["accessibility_residents_within_10_min"] == 120
    with pytest.raises(KlshuttleError, match="not a finished run"):
        read_run(tmp_path)


def test_sweep_command_bad_grid_is_one_line_and_writes_nothing(small: Path, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from klshuttle.cli import cli

    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli,
        [
            "sweep",
            str(small),
            "--osm",
            str(small.parent / "map.osm"),
            "--grid",
            "fleet.vehicles=2,0",
            "--workers",
            "1",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1].startswith("error: grid point fleet.vehicles=0")
    assert not out.exists()
