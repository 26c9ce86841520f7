"""Reading a finished run folder: its KPIs, land-use totals and accessibility.

Every reader of run folders (the sweep tables, ``klshuttle compare``) goes
through :func:`read_run`, and the file names live only here. A run's public
files may sit in the folder itself or in its ``public/`` subfolder; both are
accepted.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..errors import KlshuttleError
from ..events import REASON_NAMES

__all__ = [
    "KPI_FILE",
    "is_finished",
    "kpi_file",
    "read_run",
    "run_file",
]

#: The file whose presence marks a finished run (written last by the atomic writer).
KPI_FILE = "kpis.json"
LANDUSE_FILE = "landuse.json"
ACCESSIBILITY_FILE = "accessibility.json"
#: Where a run's public files may sit inside its folder, in the order tried.
PUBLIC_SUBFOLDERS = ("", "public")

#: kpis.json keys that name the run rather than measure it.
_ID_KEYS = ("scenario", "run_id", "seed", "mode")

#: Land-use totals of landuse.json (the four-step chain): column name -> key path.
LANDUSE_TOTALS: dict[str, tuple[str, ...]] = {
    "landuse_car_trips_avoided_per_day": ("cases", "central", "car_trips_avoided"),
    "landuse_cars_given_up": ("cases", "central", "cars_given_up"),
    "landuse_parking_spaces_freed": ("cases", "central", "spaces_freed_total"),
    "landuse_parking_spaces_freed_low": ("cases", "low", "spaces_freed_total"),
    "landuse_parking_spaces_freed_high": ("cases", "high", "spaces_freed_total"),
    "landuse_area_freed_m2": ("cases", "central", "area_freed_m2_total"),
    "landuse_vehicle_km_net_change": ("vehicle_km_per_day", "net_change", "central"),
}


def run_file(folder: Path, name: str) -> Path | None:
    """The path of file ``name`` of a run (``RUN/name`` or ``RUN/public/name``), or None."""
    for sub in PUBLIC_SUBFOLDERS:
        path = folder / sub / name if sub else folder / name
        if path.is_file():
            return path
    return None


def kpi_file(folder: Path) -> Path | None:
    """The run's kpis.json, or None when the folder holds no finished run."""
    return run_file(folder, KPI_FILE)


def is_finished(folder: Path) -> bool:
    """True if ``folder`` holds a finished run (written atomically, so complete)."""
    return folder.is_dir() and kpi_file(folder) is not None


def _load(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise KlshuttleError(f"{path}: cannot read ({exc})") from None
    if not isinstance(data, dict):
        raise KlshuttleError(f"{path}: expected a JSON object")
    return data


def _number(value: Any) -> float | int | None:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        return value
    return None


def _flatten(data: dict[str, Any], prefix: str) -> dict[str, float | int | None]:
    """Numeric leaves of nested JSON as ``prefix_key_subkey`` columns."""
    out: dict[str, float | int | None] = {}
    for key, value in data.items():
        name = f"{prefix}_{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, name))
        elif _number(value) is not None:
            out[name] = _number(value)
    return out


def read_run(folder: str | Path) -> dict[str, Any]:
    """The figures of one finished run as a flat row.

    Returns
    -------
    dict
        ``run_id``, ``seed``, ``scenario``, ``mode``; every numeric KPI of
        kpis.json; ``rejected_<reason>`` for every reject reason (0 if none);
        the land-use totals (:data:`LANDUSE_TOTALS`) when the run wrote
        landuse.json; the numeric figures of accessibility.json, prefixed
        ``accessibility_``, when the run has one.

    Raises
    ------
    KlshuttleError
        The folder holds no finished run or a file cannot be read.
    """
    folder = Path(folder)
    path = kpi_file(folder)
    if path is None:
        raise KlshuttleError(f"{folder}: not a finished run (no {KPI_FILE})")
    kpis = _load(path)
    row: dict[str, Any] = {k: kpis.get(k) for k in _ID_KEYS}
    rejections = kpis.get("rejections") or {}
    for key, value in kpis.items():
        if key in _ID_KEYS or key == "rejections":
            continue
        if value is None or _number(value) is not None:
            row[key] = _number(value)
    for reason in REASON_NAMES:
        if reason:
            row[f"rejected_{reason}"] = int(rejections.get(reason, 0))
    landuse = run_file(folder, LANDUSE_FILE)
    if landuse is not None:
        data = _load(landuse)
        for column, keys in LANDUSE_TOTALS.items():
            leaf: Any = data
            for k in keys:
                leaf = leaf.get(k) if isinstance(leaf, dict) else None
            row[column] = _number(leaf)
    access = run_file(folder, ACCESSIBILITY_FILE)
    if access is not None:
        row.update(_flatten(_load(access), "accessibility"))
    return row
