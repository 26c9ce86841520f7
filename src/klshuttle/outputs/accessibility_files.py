"""Accessibility files of a run: accessibility.json and accessibility_grid.geojson.

The numbers come from :func:`klshuttle.accessibility.accessibility`, which the
runner computes into :attr:`klshuttle.result.Result.accessibility`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..accessibility import grid_polygons
from ._io import plain, write_geojson, write_json

if TYPE_CHECKING:
    from ..accessibility import Accessibility
    from ..result import Result

__all__ = ["headline", "write_accessibility_grid", "write_accessibility_json"]


def _access(result: Result) -> Accessibility:
    if result.accessibility is None:
        raise ValueError(
            "the result holds no accessibility: simulate with 'accessibility' in [outputs].which"
        )
    return result.accessibility


def headline(summary: dict[str, Any]) -> list[tuple[str, int, int, float]]:
    """Per destination: (name, residents walking, residents with the shuttle, minutes).

    The minutes are the middle threshold (15 of 10/15/20).
    """
    thr = summary["thresholds_min"]
    mid = f"{thr[len(thr) // 2]:g}"
    return [
        (
            d["name"],
            d["residents_within"][mid]["walk"],
            d["residents_within"][mid]["walk_and_shuttle"],
            float(mid),
        )
        for d in summary["destinations"]
    ]


def write_accessibility_json(result: Result, path: Path) -> None:
    """Residents within each threshold of each destination, before and after, with sources."""
    write_json(_access(result).summary, path)


def write_accessibility_grid(result: Result, path: Path) -> None:
    """Grid cells with residents: minutes to each destination walking and with the shuttle."""
    acc = _access(result)
    grid = acc.grid
    grid_m = float(result.scenario.accessibility.grid_m)
    rings = grid_polygons(grid, grid_m)
    cols = [c for c in grid.columns if c not in ("x0_m", "y0_m")]
    features = []
    for ring, (_, row) in zip(rings, grid[cols].iterrows(), strict=True):
        props = {
            c: (
                round(float(row[c]), 1)
                if c != "residents" and np.isfinite(row[c])
                else round(float(row[c]))
                if c == "residents"
                else None
            )
            for c in cols
        }
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": [ring]},
                "properties": plain(props),
            }
        )
    write_geojson(features, path)
