"""The benchmark guard: ratios against floors, failures named."""

from __future__ import annotations

import importlib.util
import json
import tomllib
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
_spec = importlib.util.spec_from_file_location("guard", BENCH / "guard.py")
guard = importlib.util.module_from_spec(_spec)
assert _spec.loader is not None
_spec.loader.exec_module(guard)


def _run(entries: dict[tuple[str, str], float]) -> dict:
    return {
        "benchmarks": [
            {"group": g, "name": f"test_{g}[{impl}]", "stats": {"median": m}}
            for (g, impl), m in entries.items()
        ]
    }


FLOORS = [
    {
        "group": "single_source",
        "ours": "klshuttle",
        "reference": "networkx",
        "min_ratio": 20.0,
        "guards": "sssp",
    },
    {
        "group": "sim_day_10_1",
        "ours": "klshuttle",
        "reference": "scipy_all_pairs",
        "min_ratio": 0.5,
        "guards": "day",
    },
]


def test_ratios_above_floors_pass() -> None:
    run = _run(
        {
            ("single_source", "klshuttle"): 1.0,
            ("single_source", "networkx"): 30.0,
            ("sim_day_10_1", "klshuttle-10_1"): 1.0,
            ("sim_day_10_1", "scipy_all_pairs-10_1"): 0.6,
        }
    )
    lines, failures = guard.check(run, FLOORS)
    assert failures == [] and len(lines) == 2


def test_ratio_below_floor_names_benchmark_ratio_and_floor() -> None:
    run = _run(
        {
            ("single_source", "klshuttle"): 2.0,
            ("single_source", "networkx"): 30.0,
            ("sim_day_10_1", "klshuttle-10_1"): 1.0,
            ("sim_day_10_1", "scipy_all_pairs-10_1"): 0.6,
        }
    )
    _, failures = guard.check(run, FLOORS)
    assert failures == [
        "single_source: klshuttle vs networkx: ratio 15.00x is below its floor 20x (sssp)"
    ]


def test_missing_benchmark_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = _run({("single_source", "klshuttle"): 1.0, ("single_source", "networkx"): 30.0})
    path = tmp_path / "run.json"
    path.write_text(json.dumps(run))
    floors = tmp_path / "floors.toml"
    floors.write_text(
        '[[floor]]\ngroup = "sim_day_10_1"\nours = "klshuttle"\nreference = "scipy_all_pairs"\n'
        'min_ratio = 0.5\nguards = "day"\n'
    )
    assert guard.main([str(path), "--floors", str(floors)]) == 1
    assert "not in this benchmark run" in capsys.readouterr().err


def test_checked_in_floors_cover_every_benchmark_group() -> None:
    floors = tomllib.loads((BENCH / "floors.toml").read_text())["floor"]
    groups = {f["group"] for f in floors}
    assert {
        "single_source",
        "point_to_point",
        "router_lookup",
        "all_pairs",
        "insertion_decision",
        "map_load",
        "sim_day_1000_10",
        "sim_day_10000_50",
        "sim_day_50000_200",
    } <= groups
    for f in floors:
        assert f["min_ratio"] > 0 and f["guards"]
