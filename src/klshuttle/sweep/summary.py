"""Sweep tables: one row per run, and per grid point the mean and 95 % interval.

``sweep.csv``: grid point, replication, seed, run id, the swept values, every
KPI and the land-use totals of the run (read from its folder, so a restarted
sweep gives the same table). ``summary.csv``: per grid point and KPI the
number of runs, mean, standard deviation (n - 1) and the 95 % confidence
interval of the mean, ``mean -/+ t(0.975, n - 1) * std / sqrt(n)`` (Student t).
``sweep.png``: the main KPIs against the first swept parameter with the
intervals.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .runfiles import read_run

if TYPE_CHECKING:
    from .plan import SweepPlan

__all__ = [
    "MAIN_KPIS",
    "SUMMARY_CSV",
    "SWEEP_CSV",
    "SWEEP_PNG",
    "confidence_interval",
    "plot_sweep",
    "summarize",
    "sweep_table",
    "write_tables",
]

SWEEP_CSV = "sweep.csv"
SUMMARY_CSV = "summary.csv"
SWEEP_PNG = "sweep.png"

#: KPIs plotted against the swept parameter: column -> axis label.
MAIN_KPIS: dict[str, str] = {
    "wait_mean_s": "mean wait (s)",
    "served_share": "share of requests served",
    "passengers_per_vehicle_hour": "passengers per vehicle-hour",
    "vehicle_km_per_passenger_km": "vehicle-km per passenger-km",
    "empty_share": "empty share of vehicle-km",
    "landuse_area_freed_m2": "parking area freed (m²)",
}

#: Up to this many swept values, the plot's x ticks sit at the values themselves.
MAX_XTICKS = 8

#: Columns of sweep.csv that identify a run rather than measure it.
ID_COLUMNS = ("point", "replication", "seed", "run_id")
_TEXT = ("scenario", "mode")


def sweep_table(plan: SweepPlan, folder_of: Callable[[str], Path]) -> pd.DataFrame:
    """One row per run of the plan (grid order, then replication), read from the run folders."""
    rows = []
    for t in plan.tasks:
        figures = read_run(folder_of(t.run_id))
        row: dict[str, Any] = {
            "point": t.point,
            "replication": t.replication,
            "seed": t.seed,
            "run_id": t.run_id,
            **t.params,
        }
        row.update({k: v for k, v in figures.items() if k not in (*ID_COLUMNS, *_TEXT)})
        rows.append(row)
    return pd.DataFrame(rows)


def kpi_columns(table: pd.DataFrame, params: list[str]) -> list[str]:
    """The measured columns of a sweep table (not ids, not swept values)."""
    skip = set(ID_COLUMNS) | set(params)
    return [c for c in table.columns if c not in skip and pd.api.types.is_numeric_dtype(table[c])]


def confidence_interval(values: Any, level: float = 0.95) -> tuple[int, float, float, float, float]:
    """(n, mean, std, low, high) of the values that are not NaN.

    ``std`` has n - 1 degrees of freedom; the interval is Student t's. With
    fewer than two values std and the interval are NaN (one value has no
    spread to estimate); with std 0 the interval is the mean.
    """
    from scipy import stats

    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    n = len(x)
    if n == 0:
        return 0, np.nan, np.nan, np.nan, np.nan
    mean = float(x.mean())
    if n < 2:
        return n, mean, np.nan, np.nan, np.nan
    std = float(x.std(ddof=1))
    half = float(stats.t.ppf(0.5 + level / 2, n - 1)) * std / np.sqrt(n)
    return n, mean, std, mean - half, mean + half


def summarize(table: pd.DataFrame, params: list[str]) -> pd.DataFrame:
    """Per grid point and KPI: n, mean, std, ci95_low, ci95_high (long format)."""
    rows = []
    for point, group in table.groupby("point", sort=True):
        first = group.iloc[0]
        for kpi in kpi_columns(table, params):
            n, mean, std, low, high = confidence_interval(group[kpi].to_numpy(dtype=float))
            rows.append(
                {
                    "point": point,
                    **{p: first[p] for p in params},
                    "kpi": kpi,
                    "n": n,
                    "mean": mean,
                    "std": std,
                    "ci95_low": low,
                    "ci95_high": high,
                }
            )
    return pd.DataFrame(rows)


def _is_number(values: list[Any]) -> bool:
    return all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)


def plot_sweep(summary: pd.DataFrame, grid: dict[str, list[Any]], path: Path, title: str) -> bool:
    """Plot the main KPIs against the first numeric swept key, with the 95 % intervals.

    Other swept keys draw one line per combination. Returns False (and writes
    nothing) when no swept key is numeric.
    """
    from matplotlib.figure import Figure

    xkey = next((k for k, v in grid.items() if _is_number(v)), None)
    if xkey is None:
        return False
    others = [k for k in grid if k != xkey]
    kpis = [k for k in MAIN_KPIS if k in set(summary["kpi"])]
    ncols = 3 if len(kpis) > 4 else 2
    nrows = max(1, -(-len(kpis) // ncols))
    # ticks at the swept values (fleet sizes 5 and 6, not 5.2 and 5.4); a tick
    # costs matplotlib more to lay out than anything else in this figure
    swept = {float(v): str(v) for v in grid[xkey]}  # labelled as the grid gives them
    xticks = sorted(swept) if len(swept) <= MAX_XTICKS else None
    fig = Figure(figsize=(4.2 * ncols, 3.2 * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax, kpi in zip(axes, kpis, strict=False):
        sub = summary[summary["kpi"] == kpi]
        groups = sub.groupby(others, sort=False) if others else [((), sub)]
        for label, g in groups:
            g = g.sort_values(xkey)
            x = g[xkey].to_numpy(dtype=float)
            mean = g["mean"].to_numpy(dtype=float)
            low = np.nan_to_num(mean - g["ci95_low"].to_numpy(dtype=float))
            high = np.nan_to_num(g["ci95_high"].to_numpy(dtype=float) - mean)
            values = label if isinstance(label, tuple) else (label,)
            name = ", ".join(f"{k}={v}" for k, v in zip(others, values, strict=True)) or None
            ax.errorbar(x, mean, yerr=[low, high], marker="o", capsize=3, label=name)
        if xticks is not None:
            ax.set_xticks(xticks, labels=[swept[v] for v in xticks])
        ax.set_xlabel(xkey)
        ax.set_ylabel(MAIN_KPIS[kpi])
        ax.grid(alpha=0.3)
        if others:
            ax.legend(fontsize="small")
    for ax in axes[len(kpis) :]:
        ax.set_visible(False)
    n = int(summary["n"].max()) if len(summary) else 0
    fig.suptitle(f"{title}: mean and 95 % confidence interval of {n} replications")
    fig.savefig(path, format="png", dpi=90, metadata={"Software": None})
    return True


def _atomic(path: Path, write: Callable[[Path], Any]) -> Any:
    tmp = path.with_name(f".{path.stem}.{os.getpid()}{path.suffix}")
    try:
        out = write(tmp)
        if tmp.exists():
            os.replace(tmp, path)
        return out
    finally:
        tmp.unlink(missing_ok=True)


def write_tables(plan: SweepPlan, folder: Path, folder_of: Callable[[str], Path]) -> pd.DataFrame:
    """Write sweep.csv, summary.csv and (with a numeric swept key) sweep.png; return the summary."""
    from ..outputs._io import write_csv

    params = list(plan.grid)
    table = sweep_table(plan, folder_of)
    summary = summarize(table, params)
    _atomic(folder / SWEEP_CSV, lambda p: write_csv(table, p))
    _atomic(folder / SUMMARY_CSV, lambda p: write_csv(summary, p))
    if plan.replications >= 1 and len(summary):
        _atomic(folder / SWEEP_PNG, lambda p: plot_sweep(summary, plan.grid, p, plan.name))
    return summary
