"""The demand-model registry: a model registered in a test generates requests.

No real map: a hand-made line graph and a toy model whose trips are worked
out by hand (the random draw is checked against numpy's documented stream
splitting, one SeedSequence child per model).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from graph_factory import LAT0, LON0, make_graph
from klshuttle import load_scenario
from klshuttle.demand import DemandContext, Trips, generate_requests, registry
from scenario_files import SMALL, scenario_dir, write


@dataclass
class ToySpec:
    """The spec a toy model would add to the scenario package."""

    type: str = "toy"
    name: str | None = None


def toy_trips(model: ToySpec, ctx: DemandContext, rng: np.random.Generator, where: str) -> Trips:
    """Two trips on the line 0 - 1 - 2: 2 -> 0 at 10:00 and 0 -> 2 at 09:00, plus 0-9 s."""
    lon_2 = LON0 + 2 * 0.0014
    return Trips(
        time_s=np.array([36000.0, 32400.0]) + np.floor(rng.random(2) * 10),
        o_lon=np.array([lon_2, LON0]),
        o_lat=np.full(2, LAT0),
        d_lon=np.array([LON0, lon_2]),
        d_lat=np.full(2, LAT0),
        passengers=np.array([1, 3]),
        tag=np.array([f"{model.name or model.type}:back", f"{model.name or model.type}:out"]),
    )


@pytest.fixture
def fresh_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """Registrations made in the test vanish after it (the shipped models stay)."""
    registry.registered_models()  # import the shipped models first
    monkeypatch.setattr(registry, "_MODELS", dict(registry._MODELS))


def _toy_scenario(tmp_path: Path, *specs: Any) -> Any:
    scenario = load_scenario(write(scenario_dir(tmp_path), "s.toml", SMALL))
    demand = scenario.demand.model_copy(update={"models": list(specs)})
    return scenario.model_copy(update={"demand": demand})


def test_a_model_registered_in_the_test_generates(tmp_path: Path, fresh_registry: None) -> None:
    registry.register_model("toy")(toy_trips)
    assert "toy" in registry.registered_models()
    graph = make_graph(3, [(0, 1, 10.0), (1, 0, 10.0), (1, 2, 10.0), (2, 1, 10.0)])

    def no_features() -> Any:
        raise AssertionError("the toy model needs no OSM features")

    req = generate_requests(
        _toy_scenario(tmp_path, ToySpec()),
        graph,
        None,  # type: ignore[arg-type]  # the toy model does not look at the area
        locate=lambda loc, where: (0.0, 0.0, ""),
        features=no_features,
        seed=7,
    )
    u = np.random.default_rng(np.random.SeedSequence(7).spawn(1)[0]).random(2)
    # sorted by time: the 09:00 trip first
    assert req.time_s.tolist() == [32400.0 + np.floor(u[1] * 10), 36000.0 + np.floor(u[0] * 10)]
    assert req.request_id.tolist() == [0, 1]
    assert req.origin_node.tolist() == [0, 2] and req.dest_node.tolist() == [2, 0]
    assert req.passengers.tolist() == [3, 1]
    assert req.tag.tolist() == ["toy:out", "toy:back"]
    assert req.origin_lon.tolist() == [LON0, round(LON0 + 0.0028, 7)]
    assert req.meta == {"seed": 7, "models": {"toy": {"requests": 2, "dropped": 0}}}


def test_the_features_provider_is_required(tmp_path: Path) -> None:
    graph = make_graph(2, [(0, 1, 10.0)])
    with pytest.raises(TypeError, match="features"):
        generate_requests(  # type: ignore[call-arg]
            _toy_scenario(tmp_path), graph, None, locate=lambda loc, where: (0.0, 0.0, "")
        )


def test_a_name_is_registered_once(fresh_registry: None) -> None:
    assert set(registry.registered_models()) >= {"osm", "feeder", "csv", "od_matrix"}
    with pytest.raises(ValueError, match="demand model 'osm' is already registered"):
        registry.register_model("osm")(toy_trips)
    registry.register_model("toy")(toy_trips)
    registry.register_model("toy")(toy_trips)  # the same function again (a reload) is fine


def test_a_new_module_in_the_package_is_found_without_a_list(tmp_path: Path) -> None:
    # a fresh interpreter: one more folder on the package's path holds one new module
    (tmp_path / "toy_model.py").write_text(
        textwrap.dedent(
            """
            from klshuttle.demand.registry import register_model

            @register_model("toy")
            def toy_trips(model, ctx, rng, where):
                raise NotImplementedError
            """
        )
    )
    code = (
        "import klshuttle.demand as d\n"
        f"d.__path__.append({str(tmp_path)!r})\n"
        "print(','.join(d.registered_models()))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "csv,feeder,od_matrix,osm,toy"
