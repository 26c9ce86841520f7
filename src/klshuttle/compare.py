"""Side by side: the KPIs, land-use and accessibility figures of runs and sweeps.

Each argument of ``klshuttle compare`` is a run folder (one column) or a sweep
folder (one column per grid point, holding its replications). Every column
after the first is compared with the first: the difference of the means and,
when both sides have replications, Welch's t-test (unequal variances,
:func:`scipy.stats.ttest_ind`): the difference is called larger than the
noise when p < 0.05.
"""

from __future__ import annotations

import html
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .errors import KlshuttleError
from .sweep.execute import PLAN_FILE, run_folder
from .sweep.runfiles import is_finished, read_run
from .sweep.summary import confidence_interval

__all__ = ["ALPHA", "Entry", "compare", "load_entries", "write_compare_csv", "write_compare_html"]

#: Significance level of the Welch test.
ALPHA = 0.05

_SKIP = ("run_id", "seed", "scenario", "mode", "point", "replication")


@dataclass(frozen=True)
class Entry:
    """One column of the comparison: a run, or a grid point of a sweep.

    Attributes
    ----------
    label
        Column heading.
    runs
        One row per run (replication) with its figures (:func:`read_run`).
    """

    label: str
    runs: pd.DataFrame


def load_entries(path: str | os.PathLike[str]) -> list[Entry]:
    """The columns a run folder or a sweep folder contributes.

    Raises
    ------
    KlshuttleError
        ``path`` is neither a finished run nor a finished sweep.
    """
    folder = Path(path)
    plan_file = folder / PLAN_FILE
    if plan_file.is_file():
        try:
            plan = json.loads(plan_file.read_text(encoding="utf-8"))
            grid: dict[str, list[Any]] = plan["grid"]
            runs = plan["runs"]
        except (OSError, ValueError, KeyError) as exc:
            raise KlshuttleError(f"{plan_file}: cannot read the sweep plan ({exc})") from None
        by_point: dict[int, list[dict[str, Any]]] = {}
        for r in runs:
            run = run_folder(folder, r["run_id"])
            if not is_finished(run):
                raise KlshuttleError(
                    f"{folder}: the sweep is not finished (run {r['run_id']} missing); "
                    "run the sweep again to complete it"
                )
            by_point.setdefault(int(r["point"]), []).append(read_run(run))
        import itertools

        combos = list(itertools.product(*grid.values()))
        entries = []
        for point, rows in sorted(by_point.items()):
            params = ", ".join(f"{k}={v}" for k, v in zip(grid, combos[point], strict=True))
            label = f"{folder.name} [{params}]" if params else folder.name
            entries.append(Entry(label, pd.DataFrame(rows)))
        return entries
    if is_finished(folder):
        return [Entry(folder.name, pd.DataFrame([read_run(folder)]))]
    raise KlshuttleError(f"{folder}: neither a finished run (kpis.json) nor a sweep ({PLAN_FILE})")


def _figures(entries: list[Entry]) -> list[str]:
    names: dict[str, None] = {}
    for e in entries:
        for c in e.runs.columns:
            if c not in _SKIP and pd.api.types.is_numeric_dtype(e.runs[c]):
                names.setdefault(c)
    return list(names)


def welch_p(a: Any, b: Any) -> float:
    """Two-sided p-value of Welch's t-test; NaN with fewer than two values a side
    or no spread on either side."""
    from scipy import stats

    x = np.asarray(a, dtype=float)
    y = np.asarray(b, dtype=float)
    x, y = x[~np.isnan(x)], y[~np.isnan(y)]
    if len(x) < 2 or len(y) < 2 or (x.std() == 0 and y.std() == 0):
        return float("nan")
    return float(stats.ttest_ind(x, y, equal_var=False).pvalue)


def compare(entries: list[Entry]) -> pd.DataFrame:
    """The comparison table, one row per figure and column (long format).

    Columns: ``figure``, ``entry``, ``n``, ``mean``, ``std``, ``ci95_low``,
    ``ci95_high`` and, against the first entry, ``diff``, ``diff_pct``,
    ``welch_p`` and ``beyond_noise`` (p < :data:`ALPHA`; empty when the test
    cannot be made).
    """
    if not entries:
        raise KlshuttleError("compare: give at least one run or sweep folder")
    rows = []
    base = entries[0]
    for fig in _figures(entries):
        base_vals = base.runs[fig].to_numpy(dtype=float) if fig in base.runs else np.array([])
        _, base_mean, *_ = confidence_interval(base_vals)
        for i, e in enumerate(entries):
            vals = e.runs[fig].to_numpy(dtype=float) if fig in e.runs else np.array([])
            n, mean, std, low, high = confidence_interval(vals)
            row: dict[str, Any] = {
                "figure": fig,
                "entry": e.label,
                "n": n,
                "mean": mean,
                "std": std,
                "ci95_low": low,
                "ci95_high": high,
                "diff": np.nan,
                "diff_pct": np.nan,
                "welch_p": np.nan,
                "beyond_noise": None,
            }
            if i > 0:
                row["diff"] = mean - base_mean
                row["diff_pct"] = (
                    100.0 * (mean - base_mean) / abs(base_mean)
                    if np.isfinite(base_mean) and base_mean != 0
                    else np.nan
                )
                p = welch_p(base_vals, vals)
                row["welch_p"] = p
                row["beyond_noise"] = bool(p < ALPHA) if np.isfinite(p) else None
            rows.append(row)
    return pd.DataFrame(rows)


def write_compare_csv(table: pd.DataFrame, path: Path) -> None:
    """Write the comparison as CSV (rounded floats, empty cells for missing values)."""
    from .outputs._io import write_csv

    write_csv(table, path)


def _cell(value: Any, fmt: str = ".4g") -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return ""
    return format(value, fmt) if isinstance(value, float) else str(value)


def write_compare_html(
    table: pd.DataFrame, path: Path, *, title: str = "klshuttle compare", lang: str = "en"
) -> None:
    """Write the comparison as a self-contained HTML page (one row per figure), in the
    page style of the run report (:func:`klshuttle.outputs.report.render_page`)."""
    from .outputs.report import render_page, section
    from .outputs.report.i18n import tr

    entries = list(dict.fromkeys(table["entry"]))
    diff_head = f"<th>{html.escape(tr('c.difference', lang))}</th>"
    head = "".join(
        f"<th>{html.escape(e)}</th>" + (diff_head if i else "") for i, e in enumerate(entries)
    )
    body = []
    for fig, group in table.groupby("figure", sort=False):
        cells = [f"<th>{html.escape(str(fig))}</th>"]
        for i, (_, r) in enumerate(group.iterrows()):
            value = _cell(r["mean"])
            if r["n"] > 1 and np.isfinite(r["ci95_low"]):
                value += f" <small>[{_cell(r['ci95_low'])}, {_cell(r['ci95_high'])}]</small>"
            cells.append(f"<td>{value}</td>")
            if i:
                diff = _cell(r["diff"], "+.4g")
                if r["beyond_noise"] is True:
                    diff = f"<b>{diff}</b> <small>p={r['welch_p']:.3g}</small>"
                elif r["beyond_noise"] is False:
                    within = html.escape(tr("c.within_noise", lang))
                    diff += f" <small>p={r['welch_p']:.3g}, {within}</small>"
                cells.append(f"<td>{diff}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    figure = html.escape(tr("c.figure", lang))
    rows = "\n".join(body)
    tbl = f"<table><thead><tr><th>{figure}</th>{head}</tr></thead><tbody>\n{rows}\n</tbody></table>"
    intro = f'<p class="note">{html.escape(tr("c.intro", lang, alpha=ALPHA))}</p>'
    doc = render_page(title, [section(tr("c.table", lang), tbl)], lang, intro=intro)
    path.write_text(doc, encoding="utf-8")
