"""``klshuttle sweep`` and ``klshuttle compare``."""

from __future__ import annotations

from typing import Any

import click
from rich.table import Table

from ._app import (
    _dask_options,
    _out_option,
    _parse_sets,
    _scenario_options,
    cli,
    console,
    no_progress_option,
)


def _sweep(
    scenario: str,
    osm_path: str | None,
    sets: tuple[str, ...],
    seed: int | None,
    grids: tuple[str, ...],
    replications: int | None,
    workers: int | None,
    scheduler: str | None,
    out: str | None,
    no_progress: bool,
) -> None:
    """Plan, run and report a sweep (``klshuttle sweep`` and ``run --replications``)."""
    from pathlib import Path

    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from ..scenario import display_path
    from ..sweep import default_folder, parse_grid, plan_sweep, run_sweep

    overrides = _parse_sets(sets)
    if osm_path:
        overrides["map.osm"] = str(Path(osm_path).resolve())
    if seed is not None:
        overrides["demand.seed"] = seed
    plan = plan_sweep(
        scenario, overrides=overrides, grid=parse_grid(grids), replications=replications
    )
    folder = Path(out) if out else default_folder(plan)
    where = scheduler or ("this process" if workers == 1 else "a local Dask cluster")
    console.print(
        f"sweep {plan.name}: {len(plan.points)} grid point(s) x {plan.replications} "
        f"replication(s) = {len(plan.run_ids)} runs on {where}"
    )
    columns = (
        TextColumn("runs"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=True, disable=no_progress) as bar:
        task = bar.add_task("runs", total=len(plan.run_ids))
        outcome = run_sweep(
            plan,
            folder,
            workers=workers,
            scheduler=scheduler,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    console.print(
        f"{outcome.runs} runs: {outcome.skipped} finished before, {len(outcome.reports)} run now"
    )
    print_sweep_summary(folder, list(plan.grid))
    console.print(f"wrote {display_path(folder)}/ (sweep.csv, summary.csv)")


def print_sweep_summary(folder: Any, params: list[str]) -> None:
    """Main KPIs per grid point: mean and 95 % interval."""
    import pandas as pd

    from ..sweep.summary import MAIN_KPIS, SUMMARY_CSV

    summary = pd.read_csv(folder / SUMMARY_CSV)
    kpis = [k for k in MAIN_KPIS if k in set(summary["kpi"])]
    table = Table(title="Mean [95 % confidence interval]", title_justify="left")
    for p in params:
        table.add_column(p)
    table.add_column("n", justify="right")
    for k in kpis:
        table.add_column(k, justify="right")
    for _, group in summary.groupby("point", sort=True):
        first = group.iloc[0]
        by = group.set_index("kpi")
        cells = [str(first[p]) for p in params] + [str(int(by["n"].max()))]
        for k in kpis:
            r = by.loc[k]
            ci = f" [{r['ci95_low']:.3g}, {r['ci95_high']:.3g}]" if pd.notna(r["ci95_low"]) else ""
            cells.append(f"{r['mean']:.3g}{ci}" if pd.notna(r["mean"]) else "-")
        table.add_row(*cells)
    console.print(table)


@cli.command("sweep")
@_scenario_options
@click.option(
    "--grid",
    "grids",
    multiple=True,
    metavar="KEY=V1,V2,...",
    help="Values of a scenario key to sweep, e.g. --grid fleet.vehicles=4,6,8 (repeatable).",
)
@click.option(
    "--replications",
    type=click.IntRange(min=1),
    default=None,
    help="Seeded runs per grid point (default: [sweep].replications, else 1).",
)
@_dask_options
@_out_option("Sweep folder (default results/<name>-sweep-<plan id>); rerun to resume.")
@no_progress_option
def sweep(
    scenario: str,
    osm_path: str | None,
    sets: tuple[str, ...],
    seed: int | None,
    allow_personal: bool,
    grids: tuple[str, ...],
    replications: int | None,
    workers: int | None,
    scheduler: str | None,
    out: str | None,
    no_progress: bool,
) -> None:
    """Run a scenario over a grid of parameter values with seeded replications.

    Each run is named by the hash of its resolved scenario and seed and written
    into OUT/runs/<run id>/; a rerun skips finished runs. Writes sweep.csv (one
    row per run), summary.csv (mean, std and 95 % confidence interval per grid
    point) and sweep.png. The scenario's [sweep] table gives the default grid.
    """
    if allow_personal:
        sets = (*sets, "privacy.allow_personal_columns=true")
    _sweep(
        scenario, osm_path, sets, seed, grids, replications, workers, scheduler, out, no_progress
    )


@cli.command("compare")
@click.argument("folders", nargs=-1, required=True, type=click.Path(path_type=str))
@_out_option("Folder for compare.csv and compare.html.", default="comparison")
@click.option("--overwrite", is_flag=True, help="Replace an existing output folder.")
@click.option(
    "--lang",
    type=click.Choice(["en", "de"]),
    default="en",
    show_default=True,
    help="Language of compare.html.",
)
def compare_cmd(folders: tuple[str, ...], out: str, overwrite: bool, lang: str) -> None:
    """Compare runs and sweeps side by side: KPIs, land use, accessibility.

    Each FOLDER is a run folder or a sweep folder (one column per grid point).
    Differences are against the first column; with replications on both sides,
    Welch's t-test says whether a difference is larger than the noise.
    """
    from pathlib import Path

    from ..compare import compare, load_entries, write_compare_csv, write_compare_html
    from ..outputs._io import write_folder
    from ..scenario import display_path

    entries = [e for f in folders for e in load_entries(f)]
    table = compare(entries)
    print_comparison(table)

    def fill(tmp: Path) -> None:
        write_compare_csv(table, tmp / "compare.csv")
        write_compare_html(table, tmp / "compare.html", lang=lang)

    target = write_folder(Path(out), fill, overwrite=overwrite)
    console.print(f"wrote {display_path(target)}/ (compare.csv, compare.html)")


def print_comparison(table: Any) -> None:
    """The comparison as a table: one row per figure, mean and difference per column."""
    import pandas as pd

    entries = list(dict.fromkeys(table["entry"]))
    t = Table(title="Comparison (differences against the first column)", title_justify="left")
    t.add_column("figure")
    for i, e in enumerate(entries):
        t.add_column(e, justify="right")
        if i:
            t.add_column("diff", justify="right")
    for fig, group in table.groupby("figure", sort=False):
        cells = [str(fig)]
        for i, (_, r) in enumerate(group.iterrows()):
            cells.append("-" if pd.isna(r["mean"]) else f"{r['mean']:.4g}")
            if i:
                mark = {True: " *", False: " (noise)"}.get(r["beyond_noise"], "")
                cells.append("-" if pd.isna(r["diff"]) else f"{r['diff']:+.3g}{mark}")
        t.add_row(*cells)
    console.print(t)
    console.print(
        "[dim]*: Welch's t-test p < 0.05 (larger than the noise of the replications)[/dim]"
    )
