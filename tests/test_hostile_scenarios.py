"""Hostile scenario values: unsafe names, bad folder templates, tiny intervals, huge sizes, inf.

Each case runs the command line on the small grid scenario and asserts a
non-zero exit, one line naming the key, no traceback, and that nothing was
written anywhere (issue 10, defects 2, 5, 6, 7 and 11).
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from grid_scenario import fails_cleanly, grid_scenario
from klshuttle.cli import cli
from klshuttle.errors import ScenarioError
from klshuttle.scenario import load_scenario, scenario_from_dict
from scenario_files import SHIPPED


@pytest.fixture
def grid(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The grid scenario in tmp_path/work, which is also the working folder."""
    work = tmp_path / "work"
    path = grid_scenario(work)
    monkeypatch.chdir(work)
    return path


# ----------------------------------------------------------------- defect 2
@pytest.mark.parametrize(
    "name",
    ["../escape", "../../x", "a/b", "a\\b", "..", ".", ".hidden", "tab\there", "x" * 101],
)
@pytest.mark.parametrize("command", ["demand", "run", "validate"])
def test_unsafe_scenario_names_are_refused(
    grid: Path, tmp_path: Path, command: str, name: str
) -> None:
    # a TOML basic string (JSON's escapes are TOML's): the tab is a real tab
    line = fails_cleanly(
        tmp_path, [command, str(grid), "--set", f"name={json.dumps(name)}"], "name"
    )
    assert line.startswith("error: --set: name:")


def test_unsafe_name_in_the_file_names_the_file(grid: Path, tmp_path: Path) -> None:
    text = grid.read_text().replace('name = "grid"', 'name = "../../x"')
    grid.write_text(text)
    fails_cleanly(tmp_path, ["run", str(grid)], "grid.toml: name:", "'/'")


def test_safe_unusual_names_pass(grid: Path) -> None:
    for name in ("Hbf feeder (v2)", "a..b", "Kaiserslautern-Süd_2026"):
        sc = load_scenario(grid, overrides={"name": name})
        assert sc.output_folder().parent == Path("results")


# ---------------------------------------------------------------- defect 11
@pytest.mark.parametrize(
    ("folder", "what"),
    [
        ("results/{", "unmatched"),
        ("results/}", "unmatched"),
        ("results/{name", "unmatched"),
        ("results/{nme}", "unknown placeholder {nme}"),
        ("results/{name.__class__}", "unknown placeholder"),
        ("results/{name!r}", "unknown placeholder"),
        ("results/{seed:>9}", "unknown placeholder"),
        ("results/{}", "unknown placeholder {}"),
    ],
)
def test_bad_folder_templates_fail_at_load(
    grid: Path, tmp_path: Path, folder: str, what: str
) -> None:
    fails_cleanly(
        tmp_path, ["validate", str(grid), "--set", f"outputs.folder={folder!r}"], "outputs.folder"
    )
    with pytest.raises(ScenarioError, match=r"outputs\.folder") as info:
        load_scenario(grid, overrides={"outputs.folder": folder})
    assert what in str(info.value)


def test_escaped_braces_are_kept(grid: Path) -> None:
    sc = load_scenario(grid, overrides={"outputs.folder": "out/{{x}}-{name}-{seed}"})
    assert sc.output_folder() == Path("out/{x}-grid-1")


# ----------------------------------------------------------------- defect 5
@pytest.mark.parametrize(
    ("key", "value", "bound"),
    [
        ("dispatch.rebalancing_interval_s", "1e-300", ">= 60"),
        ("dispatch.rebalancing_interval_s", "0.01", ">= 60"),
        ("dispatch.batch_window_s", "1e-300", ">= 1"),
        ("dispatch.batch_window_s", "0.01", ">= 1"),
        ("service.on_demand.walk_speed_mps", "1e-300", ">= 0.3"),
        ("fleet.vehicle.max_speed_kmh", "1e-300", ">= 1"),
        ("map.speeds_kmh", "{ residential = 1e-300 }", ">= 1"),
    ],
)
def test_tiny_intervals_and_speeds_are_refused(
    grid: Path, tmp_path: Path, key: str, value: str, bound: str
) -> None:
    fails_cleanly(tmp_path, ["run", str(grid), "--set", f"{key}={value}"], key, bound)


# ----------------------------------------------------------------- defect 6
@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("fleet.vehicle.capacity", "1000000000"),
        ("fleet.vehicles", "1000000000"),
        ("fleet.vehicle.dwell_time_s", "1e300"),
    ],
)
def test_absurd_sizes_are_refused_by_the_schema(
    grid: Path, tmp_path: Path, key: str, value: str
) -> None:
    fails_cleanly(tmp_path, ["run", str(grid), "--set", f"{key}={value}"], key, "must be <=")


def test_absurd_demand_sizes_are_refused(tmp_path: Path) -> None:
    base = load_scenario(SHIPPED[2]).content()  # hbf-feeder-on-demand: feeder + osm models
    assert [m["type"] for m in base["demand"]["models"]] == ["feeder", "osm"]
    for index, key in ((1, "trips_per_day"), (0, "riders_per_departure")):
        data = copy.deepcopy(base)
        data["demand"]["models"][index][key] = 10**12
        with pytest.raises(ScenarioError, match=rf"demand.models\[{index}\].{key}: must be <="):
            scenario_from_dict(data)
    data = copy.deepcopy(base)
    data["demand"]["models"][1]["hubs"] = {"Hauptbahnhof": 1e308, "Rathaus": 1e308}
    with pytest.raises(ScenarioError, match="hubs"):
        scenario_from_dict(data)


# ----------------------------------------------------------------- defect 7
#: Keys where inf means "no limit" (README, scenario reference); every other
#: number of a scenario must be finite.
NO_LIMIT = {
    ("service", "on_demand", "max_wait_s"),
    ("service", "on_demand", "max_detour_offset_s"),
}


def _leaves(data: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    if isinstance(data, dict):
        for k, v in data.items():
            yield from _leaves(v, (*path, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from _leaves(v, (*path, i))
    else:
        yield path, data


def _with(data: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    out = copy.deepcopy(data)
    node = out
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return out


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_inf_and_nan_are_refused_except_where_they_mean_no_limit(path: Path) -> None:
    data = load_scenario(path).content()
    numbers = [(p, v) for p, v in _leaves(data) if isinstance(v, float) and not isinstance(v, bool)]
    assert len(numbers) > 30
    for p, _ in numbers:
        shown = ".".join(str(x) for x in p if isinstance(x, str))
        with pytest.raises(ScenarioError, match=r"nan|must be|time"):
            scenario_from_dict(_with(data, p, math.nan))
        if p in NO_LIMIT:
            sc = scenario_from_dict(_with(data, p, math.inf))
            assert math.isinf(sc.service.on_demand.model_dump()[p[-1]])
        else:
            with pytest.raises(ScenarioError) as info:
                scenario_from_dict(_with(data, p, math.inf))
            assert shown.split(".")[-1] in str(info.value), (shown, str(info.value))


def test_inf_dwell_time_fails_in_one_line(grid: Path, tmp_path: Path) -> None:
    fails_cleanly(
        tmp_path,
        ["run", str(grid), "--set", "fleet.vehicle.dwell_time_s=inf"],
        "fleet.vehicle.dwell_time_s",
    )


def test_infinite_demand_weight_fails_in_one_line(tmp_path: Path) -> None:
    base = load_scenario(SHIPPED[1]).content()  # campus-on-demand: one osm model
    for key, value in (
        ("hubs", {"University campus": math.inf}),
        ("destination_shares", {"hubs": math.inf}),
        ("time_profile", [1.0] * 23 + [math.inf]),
        ("passengers", {"1": math.inf}),
    ):
        data = copy.deepcopy(base)
        data["demand"]["models"][0][key] = value
        with pytest.raises(ScenarioError, match=rf"demand.models\[0\].{key}") as info:
            scenario_from_dict(data)
        assert "\n" not in str(info.value)


def test_no_limit_wait_runs(grid: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "run",
            str(grid),
            "--out",
            "nolimit",
            "--no-progress",
            "--set",
            "service.on_demand.max_wait_s=inf",
            "--set",
            "service.on_demand.max_detour_offset_s=inf",
        ],
    )
    assert result.exit_code == 0, result.output
    assert (grid.parent / "nolimit" / "public" / "run.json").is_file()
    assert "10 (100.0%)" in result.stdout
