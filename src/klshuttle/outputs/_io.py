"""The shared file writers of the outputs: CSV, JSON, GeoJSON, text; atomic folders.

Files carry no timestamps and fixed number formats, so the same scenario and
seed give byte-identical files. Result folders are written atomically by
:func:`write_folder` (:mod:`.folders`: checked before the run, replaced only
when klshuttle wrote them).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .csvtext import csv_bytes
from .folders import check_output_folder, write_folder

if TYPE_CHECKING:
    from ..graph import RoadGraph

__all__ = [
    "check_output_folder",
    "edge_coordinates",
    "plain",
    "rounded",
    "write_csv",
    "write_folder",
    "write_geojson",
    "write_json",
    "write_text",
]

# decimals per column kind, so that floats print the same everywhere
_DECIMALS = {"_s": 3, "_m": 2, "_km": 4, "_lon": 7, "_lat": 7, "lon": 7, "lat": 7}


def rounded(df: pd.DataFrame) -> pd.DataFrame:
    """A copy with float columns rounded by the unit of their name (``_s``, ``_m``, ...)."""
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


def write_csv(df: pd.DataFrame, path: Path) -> None:
    """Write a table as CSV: rounded floats, no index, ``\\n`` line ends, NaN empty.

    The bytes are pandas' ``to_csv``; :func:`.csvtext.csv_bytes` writes them
    faster where it can (large tables of numbers and plain strings).
    """
    table = rounded(df)
    fast = csv_bytes(table)
    if fast is None:
        table.to_csv(path, index=False, lineterminator="\n", na_rep="")
    else:
        path.write_bytes(fast)


def write_json(data: Any, path: Path) -> None:
    """Write ``data`` as indented JSON (through :func:`plain`)."""
    path.write_text(
        json.dumps(plain(data), indent=2, sort_keys=False, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )


def write_text(text: str, path: Path) -> None:
    """Write ``text`` as UTF-8."""
    path.write_text(text, encoding="utf-8")


def plain(value: Any) -> Any:
    """JSON-ready: numpy scalars to Python, floats rounded, NaN to None."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        f = float(value)
        return None if not np.isfinite(f) else round(f, 6)
    return value


def write_geojson(features: list[dict[str, Any]], path: Path) -> None:
    """Write a GeoJSON FeatureCollection of ``features`` (compact, one line)."""
    doc = {"type": "FeatureCollection", "features": features}
    path.write_text(
        json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8"
    )


def edge_coordinates(graph: RoadGraph, edge: int) -> list[list[float]]:
    """The lon/lat polyline of a road edge, rounded to 7 decimals (GeoJSON order)."""
    a, b = int(graph.geom_indptr[edge]), int(graph.geom_indptr[edge + 1])
    return [
        [round(float(x), 7), round(float(y), 7)]
        for x, y in zip(graph.geom_lon[a:b], graph.geom_lat[a:b], strict=True)
    ]
