"""Output files of a run: CSV, Parquet, GeoJSON, JSON, the resolved scenario.

Everything is written into a temporary folder beside the target and renamed
into place when complete, so a failed run leaves no partial output, and an
existing result folder is replaced only when the caller says so. Files carry
no timestamps and fixed number formats: the same scenario and seed give
byte-identical files.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from . import __version__
from .errors import OutputExistsError

if TYPE_CHECKING:
    from .runner import Result

__all__ = ["OUTPUT_FILES", "check_output_folder", "write_result"]

#: Files each output kind of ``[outputs].which`` writes.
OUTPUT_FILES: dict[str, tuple[str, ...]] = {
    "scenario": ("scenario.toml", "run.json"),
    "requests": ("requests.csv",),
    "events": ("events.csv", "events.parquet"),
    "trips": ("trips.csv",),
    "vehicles": ("vehicles.csv",),
    "kpis": ("kpis.json",),
    "stops": ("stops.csv",),
    "geojson": ("link_loads.geojson", "stops.geojson"),
    "html": ("report.html",),
    "landuse": ("landuse.json", "landuse_streets.csv", "landuse.geojson"),
}

# decimals per column kind, so that floats print the same everywhere
_DECIMALS = {"_s": 3, "_m": 2, "_km": 4, "_lon": 7, "_lat": 7, "lon": 7, "lat": 7}


def check_output_folder(folder: Path, *, overwrite: bool) -> None:
    """Refuse early if ``folder`` exists and may not be replaced.

    Raises
    ------
    OutputExistsError
        The folder exists (and ``overwrite`` is False), or it is a file.
    """
    if folder.exists() and not folder.is_dir():
        raise OutputExistsError(f"{folder} exists and is not a folder")
    if folder.exists() and not overwrite:
        raise OutputExistsError(
            f"{folder} exists; pass --overwrite to replace it or --out to write elsewhere"
        )


def _rounded(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for col in out.columns:
        if not pd.api.types.is_float_dtype(out[col]):
            continue
        for suffix, dec in _DECIMALS.items():
            if col.endswith(suffix):
                out[col] = out[col].round(dec)
                break
        else:
            out[col] = out[col].round(6)
    return out


def _csv(df: pd.DataFrame, path: Path) -> None:
    _rounded(df).to_csv(path, index=False, lineterminator="\n", na_rep="")


def _json(data: Any, path: Path) -> None:
    path.write_text(
        json.dumps(_plain(data), indent=2, sort_keys=False, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )


def _plain(value: Any) -> Any:
    """JSON-ready: numpy scalars to Python, floats rounded, NaN to None."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        f = float(value)
        return None if not np.isfinite(f) else round(f, 6)
    return value


def _link_loads_geojson(result: Result, path: Path) -> None:
    graph = result.resolved.graph
    loads = _rounded(result.link_loads)
    features = []
    for row in loads.itertuples(index=False):
        k = int(row.edge)
        a, b = int(graph.geom_indptr[k]), int(graph.geom_indptr[k + 1])
        coords = [
            [round(float(x), 7), round(float(y), 7)]
            for x, y in zip(graph.geom_lon[a:b], graph.geom_lat[a:b], strict=True)
        ]
        props = {c: _plain(getattr(row, c)) for c in loads.columns}
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": coords},
                "properties": props,
            }
        )
    _geojson(features, path)


def _geojson(features: list[dict[str, Any]], path: Path) -> None:
    doc = {"type": "FeatureCollection", "features": features}
    path.write_text(
        json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8"
    )


def _stops_frame(result: Result) -> pd.DataFrame:
    stops = result.resolved.stops.to_frame()
    served = result.trips[result.trips["status"] == "served"]
    boardings = served.groupby("pickup_stop")["passengers"].sum()
    alightings = served.groupby("dropoff_stop")["passengers"].sum()
    names = stops["name"].astype(str)
    stops["boardings"] = names.map(boardings).fillna(0).astype(np.int64).to_numpy()
    stops["alightings"] = names.map(alightings).fillna(0).astype(np.int64).to_numpy()
    return stops


def _stops_geojson(result: Result, path: Path) -> None:
    df = _rounded(_stops_frame(result))
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [float(r["lon"]), float(r["lat"])]},
            "properties": {k: _plain(v) for k, v in r.items() if k not in ("lon", "lat")},
        }
        for r in df.to_dict(orient="records")
    ]
    _geojson(features, path)


def _run_info(result: Result) -> dict[str, Any]:
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


def _writers(result: Result) -> dict[str, Callable[[Path], None]]:
    """One writer per output kind; each writes its files into the folder given."""

    def scenario(folder: Path) -> None:
        (folder / "scenario.toml").write_text(result.scenario.resolved_toml(), encoding="utf-8")
        _json(_run_info(result), folder / "run.json")

    def requests(folder: Path) -> None:
        assert result.resolved.requests is not None
        result.resolved.requests.to_csv(folder / "requests.csv")

    def events(folder: Path) -> None:
        _csv(result.events, folder / "events.csv")
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            return
        _rounded(result.events).to_parquet(folder / "events.parquet", index=False)

    def geojson(folder: Path) -> None:
        _link_loads_geojson(result, folder / "link_loads.geojson")
        _stops_geojson(result, folder / "stops.geojson")

    def landuse(folder: Path) -> None:
        from .landuse import write_landuse

        write_landuse(result, folder)

    def html(folder: Path) -> None:
        from .htmlreport import write_html

        write_html(result, folder / "report.html")

    return {
        "scenario": scenario,
        "requests": requests,
        "events": events,
        "trips": lambda f: _csv(result.trips, f / "trips.csv"),
        "vehicles": lambda f: _csv(result.vehicles, f / "vehicles.csv"),
        "kpis": lambda f: _json(result.kpis, f / "kpis.json"),
        "stops": lambda f: _csv(_stops_frame(result), f / "stops.csv"),
        "geojson": geojson,
        "landuse": landuse,
        "html": html,
    }


def write_result(
    result: Result, folder: str | Path | None = None, *, overwrite: bool = False
) -> Path:
    """Write the files of ``result.scenario.outputs.which`` into ``folder``.

    Returns
    -------
    Path
        The folder written.

    Raises
    ------
    OutputExistsError
        ``folder`` exists and ``overwrite`` is False.
    """
    target = Path(folder) if folder is not None else result.scenario.output_folder(result.seed)
    check_output_folder(target, overwrite=overwrite)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        writers = _writers(result)
        for kind in result.scenario.outputs.which:
            writers[kind](tmp)
        os.chmod(tmp, 0o755)
        if target.exists():
            old = target.with_name(f".{target.name}.old-{os.getpid()}")
            target.rename(old)
            tmp.rename(target)
            shutil.rmtree(old)
        else:
            tmp.rename(target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target
