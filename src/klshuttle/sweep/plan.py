"""The plan of a sweep: grid points, replications, seeds and run ids.

:func:`plan_sweep` reads the scenario once per grid point (``--set``
overrides, then the point's values), checks every point before anything runs,
and lists the runs: one per grid point and replication, named by the run id
(the hash of the resolved scenario and the seed).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ScenarioError
from ..mapconfig import resolve_map_source
from ..paths import file_sha256
from ..scenario import Scenario, load_scenario
from .seeds import replication_seeds

__all__ = ["RunTask", "SweepPlan", "parse_grid", "plan_sweep"]


@dataclass(frozen=True)
class RunTask:
    """One run of a sweep.

    Attributes
    ----------
    point
        Index of the grid point (0-based, in grid order).
    replication
        Index of the replication (0-based).
    params
        Swept key -> value at this grid point.
    seed
        The demand seed (:func:`~klshuttle.sweep.seeds.replication_seeds`).
    run_id
        Hash of the resolved scenario and the seed; the name of its folder.
    scenario
        The scenario of this run, with its seed set and no ``[sweep]`` table.
    """

    point: int
    replication: int
    params: dict[str, Any]
    seed: int
    run_id: str
    scenario: Scenario = field(repr=False, compare=False)


@dataclass(frozen=True)
class SweepPlan:
    """Every run of a sweep, in grid order then replication order.

    Attributes
    ----------
    name
        The scenario's name.
    grid
        Swept key -> values, in the order given.
    replications
        Runs per grid point.
    tasks
        The runs; two grid points that resolve to the same scenario share
        run ids (and run once).
    network_key
        Identifies the road graph (map content and build settings): workers
        keep one graph and routing table per key.
    """

    name: str
    grid: dict[str, list[Any]]
    replications: int
    tasks: tuple[RunTask, ...]
    network_keys: dict[str, str] = field(repr=False)

    @property
    def points(self) -> list[dict[str, Any]]:
        """The grid points: swept key -> value, in grid order."""
        return [dict(zip(self.grid, combo, strict=True)) for combo in _product(self.grid)]

    @property
    def run_ids(self) -> list[str]:
        """The distinct run ids, in plan order."""
        return list(dict.fromkeys(t.run_id for t in self.tasks))

    def describe(self) -> dict[str, Any]:
        """The plan as plain data (sweep.json): what a restart must match."""
        return {
            "scenario": self.name,
            "grid": self.grid,
            "replications": self.replications,
            "runs": [
                {"point": t.point, "replication": t.replication, "seed": t.seed, "run_id": t.run_id}
                for t in self.tasks
            ],
        }

    @property
    def plan_id(self) -> str:
        """A short hash of :meth:`describe` (the default folder name)."""
        text = json.dumps(self.describe(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:12]


def _product(grid: Mapping[str, Sequence[Any]]) -> list[tuple[Any, ...]]:
    return list(itertools.product(*grid.values()))


def parse_grid(items: Sequence[str]) -> dict[str, list[Any]]:
    """``KEY=V1,V2,...`` options as key -> values; values are TOML scalars.

    Raises
    ------
    ScenarioError
        An item is not ``KEY=V1,...``, or a value is empty, an array or a table.
    """
    grid: dict[str, list[Any]] = {}
    for item in items:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or not key or not text.strip():
            raise ScenarioError(f"--grid {item}: expected KEY=V1,V2,...")
        values = []
        for part in text.split(","):
            part = part.strip()
            if not part:
                raise ScenarioError(f"--grid {item}: empty value")
            try:
                value = tomllib.loads(f"v = {part}")["v"]
            except tomllib.TOMLDecodeError:
                value = part
            if isinstance(value, list | dict):
                raise ScenarioError(f"--grid {key}: {part} is not a single value")
            values.append(value)
        grid[key] = values
    return grid


def _value_at(data: Any, key: str) -> tuple[bool, Any]:
    """(found, value) of a dotted key in plain scenario data."""
    node = data
    for part in key.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return False, None
    return True, node


def _network_key(sc: Scenario) -> str:
    """Map content (or place) and build settings: what the road graph depends on."""
    src = resolve_map_source(sc.map.source)
    where = (
        "sha256:" + file_sha256(src.path)
        if src.kind == "file" and src.path is not None
        else f"{src.kind}:{src.place or src.bbox}"
    )
    settings = sc.build_settings.model_dump(mode="json")
    text = json.dumps({"map": where, "settings": settings}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _run_scenario(sc: Scenario, seed: int) -> Scenario:
    """The scenario a run writes: its seed, kpis among the outputs, no [sweep] table."""
    data = sc.model_dump(mode="python")
    data["demand"]["seed"] = int(seed)
    data["sweep"] = None
    which = list(data["outputs"]["which"])
    data["outputs"]["which"] = which if "kpis" in which else [*which, "kpis"]
    new = Scenario.model_validate(data)
    new._source_path, new._chain = sc.source_path, sc.extends_chain
    return new


def plan_sweep(
    path: str | os.PathLike[str],
    *,
    overrides: Mapping[str, Any] | None = None,
    grid: Mapping[str, Sequence[Any]] | None = None,
    replications: int | None = None,
) -> SweepPlan:
    """List the runs of a sweep and check every grid point.

    Parameters
    ----------
    path
        The scenario file; its ``[sweep]`` table gives the default grid and
        replications.
    overrides
        ``--set`` overrides applied to every run.
    grid
        Key -> values; merged over the scenario's ``[sweep].grid`` (a key
        given here replaces the file's values).
    replications
        Runs per grid point; default ``[sweep].replications``, else 1.

    Returns
    -------
    SweepPlan

    Raises
    ------
    ScenarioError
        The scenario, a grid key or a grid value is invalid (the message names
        the file, the key and the value).
    """
    overrides = dict(overrides or {})
    base = load_scenario(path, overrides=overrides or None)
    spec = base.sweep
    full: dict[str, list[Any]] = {k: list(v) for k, v in (spec.grid if spec else {}).items()}
    for key, values in (grid or {}).items():
        full[key] = list(values)
    reps = replications if replications is not None else (spec.replications if spec else 1)
    if reps < 1:
        raise ScenarioError(f"--replications: must be >= 1, got {reps}")
    if base.map.source is None:
        # pin the map the driver found, so every worker reads the same file
        src = resolve_map_source(None)
        if src.kind == "file" and src.path is not None:
            overrides["map.osm"] = str(Path(src.path).resolve())
    content = base.model_dump(mode="json")
    for key, values in full.items():
        found, value = _value_at(content, key)
        if found and isinstance(value, dict | list):
            kind = "a table" if isinstance(value, dict) else "an array"
            raise ScenarioError(f"--grid {key}: not a scalar key (it is {kind})")
        if len(set(map(repr, values))) != len(values):
            raise ScenarioError(f"--grid {key}: a value is given twice")
    tasks: list[RunTask] = []
    network_keys: dict[str, str] = {}
    for point, combo in enumerate(_product(full)):
        params = dict(zip(full, combo, strict=True))
        try:
            sc = load_scenario(path, overrides={**overrides, **params})
        except ScenarioError as exc:
            shown = ", ".join(f"{k}={v!r}" for k, v in params.items())
            raise ScenarioError(f"grid point {shown}: {exc}") from None
        key = _network_key(sc)
        for rep, seed in enumerate(replication_seeds(sc.seed, reps)):
            run_sc = _run_scenario(sc, seed)
            run_id = run_sc.run_id()
            network_keys[run_id] = key
            tasks.append(RunTask(point, rep, params, seed, run_id, run_sc))
    return SweepPlan(
        name=base.name,
        grid=full,
        replications=reps,
        tasks=tuple(tasks),
        network_keys=network_keys,
    )
