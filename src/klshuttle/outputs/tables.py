"""Table and summary files of a run: CSV, Parquet, JSON, the resolved scenario.

Each writer takes the :class:`~klshuttle.result.Result` and the path of the
one file it writes; :mod:`klshuttle.outputs.registry` says which file each
output kind holds.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._version import __version__
from ._io import rounded, write_csv, write_json, write_text
from .privacy import public_stops

if TYPE_CHECKING:
    from ..result import Result

__all__ = [
    "run_info",
    "write_events_csv",
    "write_events_parquet",
    "write_kpis",
    "write_requests",
    "write_run_json",
    "write_scenario_toml",
    "write_stops_csv",
    "write_trips",
    "write_vehicles",
]


def run_info(result: Result) -> dict[str, Any]:
    """What run.json says: scenario, run id, seed, mode, version, map, sizes."""
    sc = result.scenario
    graph = result.resolved.graph
    return {
        "scenario": sc.name,
        "description": sc.description,
        "run_id": result.run_id,
        "seed": result.seed,
        "mode": sc.service.mode,
        "klshuttle_version": __version__,
        "map": {
            "source_sha256": graph.meta.get("content_sha256"),
            "nodes": graph.n_nodes,
            "edges": graph.n_edges,
        },
        "requests": len(result.trips),
        "vehicles": len(result.vehicles),
    }


def write_scenario_toml(result: Result, path: Path) -> None:
    """The resolved scenario (every default filled in) as TOML."""
    write_text(result.scenario.resolved_toml(), path)


def write_run_json(result: Result, path: Path) -> None:
    """run.json: :func:`run_info`."""
    write_json(run_info(result), path)


def write_requests(result: Result, path: Path) -> None:
    """The day's requests as the demand models made them."""
    requests = result.resolved.requests
    if requests is None:
        raise ValueError("the result holds no requests (resolved without demand)")
    requests.to_csv(path)


def write_events_csv(result: Result, path: Path) -> None:
    """Every event in time order."""
    write_csv(result.events, path)


def write_events_parquet(result: Result, path: Path) -> None:
    """The events as Parquet (skipped when pyarrow is not installed)."""
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return
    rounded(result.events).to_parquet(path, index=False)


def write_trips(result: Result, path: Path) -> None:
    """One row per request."""
    write_csv(result.trips, path)


def write_vehicles(result: Result, path: Path) -> None:
    """One row per vehicle."""
    write_csv(result.vehicles, path)


def write_kpis(result: Result, path: Path) -> None:
    """The KPIs as JSON."""
    write_json(result.kpis, path)


def write_stops_csv(result: Result, path: Path) -> None:
    """The stops with boardings and alightings, small counts merged (:func:`.privacy.public_stops`)."""
    write_csv(public_stops(result)[0], path)
