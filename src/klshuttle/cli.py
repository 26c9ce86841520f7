"""The ``klshuttle`` command line: a thin layer over the Python API.

This is the only module that configures logging. User mistakes
(:class:`~klshuttle.errors.KlshuttleError`) are printed as one line on stderr
with exit code 1; usage errors exit with code 2 (click's convention). Ctrl-C
(SIGINT) and SIGTERM print one line and exit with 130 and 143 after the
files being written are removed (:func:`main` installs the handlers).
"""

from __future__ import annotations

import logging
import signal
import sys
from types import FrameType
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from ._version import __version__
from .errors import KlshuttleError

__all__ = ["cli", "main"]

console = Console(stderr=False, highlight=False)


class Interrupted(BaseException):
    """SIGINT or SIGTERM arrived: unwinds the run so that cleanups run, then exits."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _on_signal(signum: int, frame: FrameType | None) -> None:
    # further signals would break the cleanup that this one starts
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise Interrupted(signum)


def install_signal_handlers() -> None:
    """Turn SIGINT and SIGTERM into :class:`Interrupted` (the command line only)."""
    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)


class _Group(click.Group):
    """A click group that turns klshuttle errors into one-line messages."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KlshuttleError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(1)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(130)
        except Interrupted as exc:
            click.echo("terminated" if exc.signum == signal.SIGTERM else "interrupted", err=True)
            ctx.exit(128 + exc.signum)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="klshuttle")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
def cli(verbose: int) -> None:
    """Plan and simulate automated last-mile shuttles on the Kaiserslautern road graph."""
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


# ------------------------------------------------------------------------ map
@cli.group(cls=_Group)
def map() -> None:
    """Build and inspect the road graph a shuttle may drive."""


@map.command("build")
@click.option(
    "--osm",
    "osm_path",
    type=click.Path(dir_okay=False, path_type=str),
    help="OSM extract (.osm, .osm.gz, .osm.bz2, .pbf). Default: $KLSHUTTLE_OSM, maps/, online.",
)
@click.option(
    "--place", help='Fetch a place through osmnx (internet), e.g. "Kaiserslautern, Germany".'
)
@click.option(
    "--road-classes",
    help="Comma-separated OSM highway values the shuttle may use (default: public streets).",
)
@click.option(
    "--max-speed-kmh",
    type=float,
    default=None,
    help="Vehicle speed cap in km/h (default 20, automated shuttles in German pilots).",
)
@click.option("--no-cache", is_flag=True, help="Rebuild even if a cached graph exists.")
def map_build(
    osm_path: str | None,
    place: str | None,
    road_classes: str | None,
    max_speed_kmh: float | None,
    no_cache: bool,
) -> None:
    """Build (or load from cache) the road graph and print a summary."""
    from .maps import load_map

    if osm_path and place:
        raise click.UsageError("give either --osm or --place, not both")
    source = osm_path if osm_path else (f"place:{place}" if place else None)
    settings: dict[str, Any] = {}
    if road_classes is not None:
        settings["road_classes"] = road_classes
    if max_speed_kmh is not None:
        settings["max_speed_kmh"] = max_speed_kmh
    graph = load_map(source, use_cache=not no_cache, **settings)
    print_graph_summary(graph)


def print_graph_summary(graph: Any) -> None:
    """Print nodes, edges, km by class, bounding box and build or load time."""
    meta = graph.meta
    west, south, east, north = graph.bbox
    table = Table(title="Road graph", show_header=False, title_justify="left")
    table.add_column("what")
    table.add_column("value", justify="right")
    table.add_row("source", str(meta.get("source", "?")))
    table.add_row("nodes", f"{graph.n_nodes:,}")
    table.add_row("edges (directed)", f"{graph.n_edges:,}")
    for road_class, km in graph.km_by_road_class().items():
        table.add_row(f"  km {road_class}", f"{km:,.1f}")
    table.add_row("km in all", f"{graph.length_m.sum() / 1000:,.1f}")
    table.add_row("bbox (S, W, N, E)", f"{south:.5f}, {west:.5f}, {north:.5f}, {east:.5f}")
    dropped = meta.get("dropped", {})
    if dropped:
        ways = dropped.get("ways_by_reason", {})
        ranked = sorted(ways.items(), key=lambda rn: -rn[1])
        top = ", ".join(f"{r} {n}" for r, n in ranked[:6])
        table.add_row("ways dropped", f"{sum(ways.values()):,} ({top})")
        table.add_row(
            "outside largest component",
            f"{dropped.get('nodes_outside_largest_component', 0):,} nodes, "
            f"{dropped.get('km_outside_largest_component', 0.0):.1f} km "
            f"({dropped.get('components', 1)} components)",
        )
    if meta.get("cache_hit"):
        table.add_row("loaded from cache", f"{meta.get('load_time_s', 0.0):.3f} s")
    else:
        table.add_row("build time", f"{meta.get('build_time_s', 0.0):.1f} s")
    if meta.get("cache_file"):
        table.add_row("cache file", str(meta["cache_file"]))
    console.print(table)


# ------------------------------------------------------------------ scenarios
def _parse_sets(values: tuple[str, ...]) -> dict[str, Any]:
    """``--set key.path=value`` pairs; values are TOML (numbers, strings, lists ...)."""
    import tomllib

    out: dict[str, Any] = {}
    for item in values:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise click.BadParameter(f"expected KEY=VALUE, got {item!r}", param_hint="--set")
        try:
            out[key] = tomllib.loads(f"v = {text.strip()}")["v"]
        except tomllib.TOMLDecodeError:
            out[key] = text.strip()
        except RecursionError:
            raise click.BadParameter(
                f"{key}: the value is nested too deeply", param_hint="--set"
            ) from None
    return out


def _scenario_options(func: Any) -> Any:
    func = click.option(
        "--allow-personal-columns",
        "allow_personal",
        is_flag=True,
        help="Read past CSV demand columns that look like personal data instead of refusing "
        "the file (they are written nowhere). Sets privacy.allow_personal_columns.",
    )(func)
    func = click.option(
        "--set",
        "sets",
        multiple=True,
        metavar="KEY=VALUE",
        help="Override a scenario key, e.g. --set fleet.vehicles=30 (repeatable).",
    )(func)
    func = click.option("--seed", type=int, default=None, help="Override demand.seed.")(func)
    func = click.option(
        "--osm",
        "osm_path",
        type=click.Path(dir_okay=False, path_type=str),
        help="OSM extract to use instead of the scenario's [map] source.",
    )(func)
    func = click.argument("scenario", type=click.Path(path_type=str))(func)
    return func


def _load(
    scenario: str,
    osm_path: str | None,
    sets: tuple[str, ...],
    seed: int | None,
    allow_personal: bool = False,
) -> Any:
    from .scenario import load_scenario

    overrides = _parse_sets(sets)
    if allow_personal:
        overrides["privacy.allow_personal_columns"] = True
    if osm_path:
        overrides["map.osm"] = __import__("os").path.realpath(osm_path)
    if seed is not None:
        overrides["demand.seed"] = seed
    return load_scenario(scenario, overrides=overrides or None)


def _dask_options(func: Any) -> Any:
    func = click.option(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="Run on an existing Dask cluster, e.g. tcp://10.0.0.5:8786.",
    )(func)
    func = click.option(
        "--workers",
        type=click.IntRange(min=1),
        default=None,
        help="Worker processes of the local Dask cluster (default: one per core; 1: serial).",
    )(func)
    return func


@cli.command("validate")
@_scenario_options
def validate(
    scenario: str,
    osm_path: str | None,
    sets: tuple[str, ...],
    seed: int | None,
    allow_personal: bool,
) -> None:
    """Check a scenario and print what it resolved to on the road graph.

    Checks the schema, that the service area, stops and depots lie on the
    network, that line timetables fit the fleet and the operating hours, and
    that the demand models produce their trips. Writes no file.
    """
    from .demand import summarize_requests
    from .resolve import resolve
    from .runner import check_memory

    sc = _load(scenario, osm_path, sets, seed, allow_personal)
    res = resolve(sc)
    check_memory(res)
    print_resolved(res)
    summary = summarize_requests(res.requests, res.graph) if res.requests is not None else None
    if summary is not None:
        print_demand_summary(summary, res, title="Demand")
    for w in res.warnings:
        console.print(f"[yellow]warning:[/yellow] {w}")
    console.print(
        f"[green]ok[/green]: {sc.name} is valid (run id {sc.run_id()}, "
        f"resolved in {res.timings_s.get('total', 0.0):.2f} s)"
    )


@cli.command("demand")
@_scenario_options
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=str),
    default=None,
    help="CSV file to write (default: <scenario name>-requests.csv here).",
)
@click.option("--overwrite", is_flag=True, help="Replace an existing output file.")
def demand(
    scenario: str,
    osm_path: str | None,
    sets: tuple[str, ...],
    seed: int | None,
    allow_personal: bool,
    output: str | None,
    overwrite: bool,
) -> None:
    """Generate the scenario's requests, write them as CSV and print a summary."""
    from pathlib import Path

    from .demand import summarize_requests
    from .outputs import check_output_file
    from .resolve import resolve
    from .scenario import display_path

    sc = _load(scenario, osm_path, sets, seed, allow_personal)
    target = Path(output) if output else Path(f"{sc.name}-requests.csv")
    check_output_file(target, overwrite=overwrite)
    res = resolve(sc)
    assert res.requests is not None
    res.requests.to_csv(target, overwrite=overwrite)
    summary = summarize_requests(res.requests, res.graph)
    print_demand_summary(summary, res, title=f"Demand of {sc.name} (seed {sc.seed})")
    for w in res.warnings:
        console.print(f"[yellow]warning:[/yellow] {w}")
    console.print(f"wrote {len(res.requests):,} requests to {display_path(target)}")


@cli.command("run")
@_scenario_options
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=str),
    default=None,
    help="Result folder (default: the scenario's [outputs].folder).",
)
@click.option(
    "--overwrite",
    is_flag=True,
    help="Replace an existing result folder (only one klshuttle wrote: its run.json and files).",
)
@click.option("--no-progress", is_flag=True, help="No progress bar (for logs and CI).")
@click.option(
    "--replications",
    type=click.IntRange(min=1),
    default=None,
    help="Run N seeded replications (a sweep with no grid) and print 95 % intervals.",
)
@_dask_options
@click.option(
    "--lang",
    type=click.Choice(["en", "de"]),
    default=None,
    help="Language of report.html and this summary (default: the scenario's [outputs].lang).",
)
def run(
    scenario: str,
    osm_path: str | None,
    sets: tuple[str, ...],
    seed: int | None,
    allow_personal: bool,
    out: str | None,
    overwrite: bool,
    no_progress: bool,
    replications: int | None,
    workers: int | None,
    scheduler: str | None,
    lang: str | None,
) -> None:
    """Simulate a day of the scenario's service and write the results.

    Writes the run folder as the scenario's [outputs] table selects: private/
    (trips.csv, vehicles.csv, events.csv and .parquet, requests.csv, the
    resolved scenario) and public/ (kpis.json, run.json, link_loads.geojson,
    stops, the land-use chain, accessibility before and after, layers.gpkg and
    the HTML report, aggregated as [privacy] says). Nothing is written if the
    run fails.
    With --replications N: N runs with seeds spawned from the scenario's seed,
    written like a sweep (runs/, sweep.csv, summary.csv) into --out.
    """
    from pathlib import Path

    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from .outputs import check_result_folder, write_result
    from .runner import simulate
    from .scenario import display_path, format_time

    if lang is not None:
        sets = (*sets, f'outputs.lang="{lang}"')
    if replications is not None:
        if allow_personal:
            sets = (*sets, "privacy.allow_personal_columns=true")
        _sweep(
            scenario, osm_path, sets, seed, (), replications, workers, scheduler, out, no_progress
        )
        return
    sc = _load(scenario, osm_path, sets, seed, allow_personal)
    target = Path(out) if out else sc.output_folder()
    check_result_folder(target, overwrite=overwrite)
    columns = (
        TextColumn("simulating {task.description}"),
        BarColumn(),
        TextColumn("{task.fields[clock]}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True, disable=no_progress) as bar:
        task = bar.add_task(sc.name, total=1.0, clock="")

        def progress(t: float, start: float, end: float) -> None:
            bar.update(
                task,
                completed=min(max((t - start) / max(end - start, 1.0), 0.0), 1.0),
                clock=format_time(t),
            )

        result = simulate(sc, progress=progress)
        folder = write_result(result, target, overwrite=overwrite)
    print_run_summary(result)
    for w in result.resolved.warnings:
        console.print(f"[yellow]warning:[/yellow] {w}")
    console.print(
        f"wrote {display_path(folder)}/ (run id {result.run_id}): public/ may be published "
        f"(klshuttle publish), private/ holds per-trip data"
    )


@cli.command("publish")
@click.argument("run_dir", type=click.Path(path_type=str))
@click.argument("dest", type=click.Path(path_type=str))
def publish(run_dir: str, dest: str) -> None:
    """Copy the public part of a run folder (RUN_DIR/public/) to the new folder DEST.

    Nothing from private/ is copied. DEST must not exist; it is written
    completely or not at all.
    """
    from pathlib import Path

    from .outputs import publish_run
    from .scenario import display_path

    files = publish_run(run_dir, dest)
    console.print(
        f"published {len(files)} files from {display_path(Path(run_dir))}/public/ "
        f"to {display_path(Path(dest))}/"
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

    from .scenario import display_path
    from .sweep import default_folder, parse_grid, plan_sweep, run_sweep

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

    from .sweep.summary import MAIN_KPIS, SUMMARY_CSV

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
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=str),
    default=None,
    help="Sweep folder (default results/<name>-sweep-<plan id>); rerun to resume.",
)
@click.option("--no-progress", is_flag=True, help="No progress bar (for logs and CI).")
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
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=str),
    default="comparison",
    show_default=True,
    help="Folder for compare.csv and compare.html.",
)
@click.option("--overwrite", is_flag=True, help="Replace an existing output folder.")
def compare_cmd(folders: tuple[str, ...], out: str, overwrite: bool) -> None:
    """Compare runs and sweeps side by side: KPIs, land use, accessibility.

    Each FOLDER is a run folder or a sweep folder (one column per grid point).
    Differences are against the first column; with replications on both sides,
    Welch's t-test says whether a difference is larger than the noise.
    """
    from pathlib import Path

    from .compare import compare, load_entries, write_compare_csv, write_compare_html
    from .outputs._io import write_folder
    from .scenario import display_path

    entries = [e for f in folders for e in load_entries(f)]
    table = compare(entries)
    print_comparison(table)

    def fill(tmp: Path) -> None:
        write_compare_csv(table, tmp / "compare.csv")
        write_compare_html(table, tmp / "compare.html")

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


def print_run_summary(result: Any, lang: str | None = None) -> None:
    """The KPIs of a run as a table, in ``lang`` (default: the scenario's ``[outputs].lang``).

    Times people feel in minutes, shares in %, numbers formatted as in the report;
    one column per service (line, on demand) beside the whole for a hybrid run.
    """
    from .outputs.report.fmt import km, minutes, num, pct
    from .outputs.report.i18n import reason, tr

    lang = lang or result.scenario.outputs.lang
    k = result.kpis
    blocks = [(tr("k.col_all", lang), k)]
    blocks += [(name.replace("_", " "), sub) for name, sub in k.get("by_service", {}).items()]
    table = Table(
        title=tr("t.run", lang, name=result.scenario.name, seed=result.seed),
        show_header=len(blocks) > 1,
        title_justify="left",
    )
    table.add_column("KPI")
    for name, _ in blocks:
        table.add_column(name, justify="right")

    def rows(s: dict[str, Any]) -> list[tuple[str, str]]:
        def opt(key: str, text: Any) -> str:
            return "-" if s.get(key) is None else text(s[key])

        return [
            (tr("k.requests", lang), num(s["requests"], lang)),
            (tr("k.served", lang), f"{num(s['served'], lang)} ({pct(s['served_share'], lang, 1)})"),
            (
                tr("t.wait", lang),
                f"{minutes(s['wait_mean_s'], lang)} / {minutes(s['wait_p95_s'], lang)}",
            ),
            (tr("k.ride_mean", lang), minutes(s["ride_mean_s"], lang)),
            (tr("k.detour", lang), num(s["detour_mean"], lang, 2)),
            (tr("k.detour_p95", lang), opt("detour_p95", lambda v: num(v, lang, 2))),
            (tr("k.walk_faster", lang), opt("walk_faster_share", lambda v: pct(v, lang, 1))),
            (tr("k.pooling", lang), opt("pooling_rate", lambda v: pct(v, lang, 1))),
            (tr("k.vehicles", lang), num(s["vehicles"], lang)),
            (tr("k.vehicles_used", lang), opt("vehicles_used", lambda v: num(v, lang))),
            (
                tr("t.vkm_empty", lang),
                f"{km(s['vehicle_km'], lang)} ({pct(s['empty_share'], lang, 1)})",
            ),
            (tr("k.pkm", lang), km(s["passenger_km"], lang)),
            (tr("k.pax_per_vh", lang), num(s["passengers_per_vehicle_hour"], lang, 2)),
            (tr("t.vkm_per_pkm", lang), num(s["vehicle_km_per_passenger_km"], lang, 2)),
        ]

    columns = [rows(sub) for _, sub in blocks]
    for i, (label, _) in enumerate(columns[0]):
        table.add_row(label, *(col[i][1] for col in columns))
    reasons = sorted({r for _, sub in blocks for r in sub.get("rejections", {})})
    for name in reasons:
        table.add_row(
            tr("t.rejected", lang, reason=reason(name, lang)),
            *(num(sub.get("rejections", {}).get(name, 0), lang) for _, sub in blocks),
        )
    if k.get("connections_made") is not None:
        made, missed = k["connections_made"], k["connections_missed"]
        value = tr(
            "t.connections_value",
            lang,
            made=num(made, lang),
            total=num(made + missed, lang),
            share=pct(k["connection_share"], lang, 1),
            mean=minutes(k["connection_slack_mean_s"], lang),
            p5=minutes(k["connection_slack_p5_s"], lang),
        )
        table.add_row(tr("t.connections", lang), value, *([""] * (len(blocks) - 1)))
    timings = ", ".join(f"{name} {sec:.2f} s" for name, sec in result.timings_s.items())
    console.print(table)
    print_benefit_summary(result, lang)
    console.print(f"[dim]{timings}[/dim]")


def print_benefit_summary(result: Any, lang: str = "en") -> None:
    """Residents reaching the key places (rounded to 100) and the land-use chain's figures."""
    from .outputs.report.fmt import num, signed
    from .outputs.report.i18n import tr

    if getattr(result, "accessibility", None) is not None:
        from .outputs.accessibility_files import headline

        for name, before, after, minutes in headline(result.accessibility.summary):
            console.print(
                tr(
                    "t.residents",
                    lang,
                    minutes=num(minutes, lang),
                    name=name,
                    before=num(round(before, -2), lang),
                    after=num(round(after, -2), lang),
                )
            )
    if getattr(result, "landuse", None) is not None:
        cases = result.landuse.summary["cases"]

        def rng(key: str, show: Any) -> str:
            lo, c, hi = (show(cases[k][key]) for k in ("low", "central", "high"))
            return tr("t.range", lang, c=c, lo=lo, hi=hi)

        console.print(
            tr(
                "t.landuse",
                lang,
                cars=rng("cars_given_up", lambda v: num(v, lang, 1)),
                spaces=rng("spaces_freed_total", lambda v: num(v, lang)),
                area=rng("area_freed_m2_total", lambda v: num(v, lang)),
                net=rng("net_vehicle_km", lambda v: signed(v, lang)),
            )
        )
        for w in result.landuse.summary["warnings"]:
            console.print(f"[yellow]warning:[/yellow] land use: {w}")


def print_resolved(res: Any) -> None:
    """Print the resolved scenario: map, area, fleet, stops, lines."""
    import numpy as np

    from .scenario import display_path, format_time

    sc = res.scenario
    graph = res.graph
    table = Table(title=f"Scenario {sc.name}", show_header=False, title_justify="left")
    table.add_column("what")
    table.add_column("value")
    if sc.source_path is not None:
        chain = " <- ".join(display_path(p) for p in reversed(sc.extends_chain))
        table.add_row("file", chain)
    if sc.description:
        table.add_row("description", sc.description)
    table.add_row("run id", f"{sc.run_id()} (seed {sc.seed})")
    table.add_row("map", str(graph.meta.get("source", "?")))
    table.add_row("road graph", f"{graph.n_nodes:,} nodes, {graph.n_edges:,} edges")
    table.add_row(
        "service area",
        f"{res.area.area_km2:.2f} km², {res.area.n_nodes:,} road nodes; {res.area.description}",
    )
    v = sc.fleet.vehicle
    hours = v.operating_hours
    table.add_row(
        "fleet",
        f"{sc.fleet.vehicles} x {v.label}: {v.capacity} passengers, {v.max_speed_kmh:g} km/h, "
        f"{format_time(hours.start)}-{format_time(hours.end)}",
    )
    table.add_row(
        "stop time", f"{v.dwell_time_s:g} s per stop + {v.boarding_time_s:g} s per passenger"
    )
    dep = res.depots.to_frame()
    table.add_row(
        "depots",
        "; ".join(
            f"{r.name} ({r.vehicles} vehicles, node {r.node}, {r.edge_m:.0f} m from road)"
            for r in dep.itertuples()
        ),
    )
    svc = sc.service
    table.add_row("service", svc.mode.replace("_", "-"))
    if svc.mode != "line":
        od = svc.on_demand
        kind = "stop-based" if od.stop_based else "door-to-door"
        table.add_row(
            "on-demand rules",
            f"{kind}, {'pooled' if od.pooling else 'not pooled'}, max wait {od.max_wait_s:g} s, "
            f"max ride {od.max_detour_factor:g} x direct + {od.max_detour_offset_s:g} s, "
            f"walk <= {od.max_walk_m:g} m",
        )
    stops = res.stops
    if len(stops):
        table.add_row(
            "stops",
            f"{len(stops)} ({svc.stops.type}); snap to node median {float(np.median(stops.snap_m)):.0f} m, "
            f"max {float(stops.snap_m.max()):.0f} m; to road max {float(stops.edge_m.max()):.1f} m",
        )
    console.print(table)
    for line in res.lines:
        lt = Table(title=f"Line {line.name}", title_justify="left")
        for col in ("direction", "stops", "run time", "departures", "first", "last"):
            lt.add_column(col)
        for d in line.directions:
            seq = line.stops[d]
            deps = line.departures_s[d]
            lt.add_row(
                d,
                f"{len(seq)}: {stops.name[seq[0]]} -> {stops.name[seq[-1]]}",
                f"{line.run_time_s[d] / 60:.1f} min",
                str(len(deps)),
                format_time(deps[0]) if len(deps) else "-",
                format_time(deps[-1]) if len(deps) else "-",
            )
        console.print(lt)
        console.print(
            f"  vehicles: {line.vehicles} (the timetable needs {line.vehicles_needed}); "
            f"layover {line.layover_s:g} s"
        )


def print_demand_summary(summary: Any, res: Any, *, title: str) -> None:
    """Print trips per hour and tag, direct distances and stop reach."""
    from .scenario import format_time

    table = Table(title=title, show_header=False, title_justify="left")
    table.add_column("what")
    table.add_column("value")
    table.add_row("requests", f"{summary.requests:,} ({summary.passengers:,} passengers)")
    w = res.scenario.demand.window
    table.add_row("window", f"{format_time(w.start)}-{format_time(w.end)}")
    for tag, n in summary.per_tag.items():
        table.add_row(f"  {tag}", f"{n:,}")
    table.add_row(
        "mean direct distance", f"{summary.mean_direct_distance_m / 1000:.2f} km (road network)"
    )
    table.add_row(
        "mean direct time",
        f"{summary.mean_direct_time_s / 60:.1f} min (median {summary.median_direct_time_s / 60:.1f} min, shuttle speeds)",
    )
    if res.assignment is not None:
        counts = res.assignment.counts()
        table.add_row(
            "stops in reach",
            ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in counts.items()),
        )
    console.print(table)
    if summary.per_hour:
        ht = Table(title="Trips per hour", title_justify="left")
        ht.add_column("hour")
        ht.add_column("trips", justify="right")
        ht.add_column("")
        peak = max(summary.per_hour.values())
        for h, n in summary.per_hour.items():
            ht.add_row(f"{h:02d}:00", f"{n:,}", "█" * max(1, round(30 * n / peak)) if n else "")
        console.print(ht)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``klshuttle`` command."""
    install_signal_handlers()
    try:
        cli.main(args=argv, prog_name="klshuttle", standalone_mode=True)
    except Interrupted as exc:  # outside a command (parsing the arguments)
        click.echo("terminated" if exc.signum == signal.SIGTERM else "interrupted", err=True)
        sys.exit(128 + exc.signum)


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
