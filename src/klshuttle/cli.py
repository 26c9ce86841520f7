"""The ``klshuttle`` command line: a thin layer over the Python API.

This is the only module that configures logging. User mistakes
(:class:`~klshuttle.errors.KlshuttleError`) are printed as one line on stderr
with exit code 1; usage errors exit with code 2 (click's convention).
"""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Iterator
from typing import Any

import click
import numpy as np
from rich.console import Console
from rich.table import Table

from ._version import __version__
from .errors import KlshuttleError

__all__ = ["cli", "main"]

console = Console(stderr=False, highlight=False)


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
    help=(
        "OSM extract (.osm, .osm.gz, .osm.bz2, .pbf). "
        "Default: $KLSHUTTLE_OSM, maps/, the bundled map."
    ),
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
    return out


def _scenario_options(func: Any) -> Any:
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


@contextlib.contextmanager
def _compile_notice() -> Iterator[None]:
    """Say when numba compiles kernels (the first run after installing) and how long it took."""
    from .jitwatch import watch_compiles

    def started() -> None:
        console.print(
            "compiling numba kernels: the first run after installing klshuttle takes "
            "longer; later runs load them from numba's cache ..."
        )

    with watch_compiles(on_start=started) as report:
        yield
    if report.compiled:
        console.print(
            f"compiled {report.kernels} numba kernels in {report.seconds:.1f} s "
            "(once: later runs load them from the cache)"
        )


def _load(scenario: str, osm_path: str | None, sets: tuple[str, ...], seed: int | None) -> Any:
    from .scenario import load_scenario

    overrides = _parse_sets(sets)
    if osm_path:
        overrides["map.osm"] = str(__import__("pathlib").Path(osm_path).resolve())
    if seed is not None:
        overrides["demand.seed"] = seed
    return load_scenario(scenario, overrides=overrides or None)


@cli.command("validate")
@_scenario_options
def validate(scenario: str, osm_path: str | None, sets: tuple[str, ...], seed: int | None) -> None:
    """Check a scenario and print what it resolved to on the road graph.

    Checks the schema, that the service area, stops and depots lie on the
    network, that line timetables fit the fleet and the operating hours, and
    that the demand models produce their trips. Writes no file.
    """
    from .demand import summarize_requests
    from .resolve import resolve

    sc = _load(scenario, osm_path, sets, seed)
    with _compile_notice():
        res = resolve(sc)
        summary = summarize_requests(res.requests, res.graph) if res.requests is not None else None
    print_resolved(res)
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
    output: str | None,
    overwrite: bool,
) -> None:
    """Generate the scenario's requests, write them as CSV and print a summary."""
    from pathlib import Path

    from .demand import summarize_requests
    from .errors import OutputExistsError
    from .resolve import resolve
    from .scenario import display_path

    sc = _load(scenario, osm_path, sets, seed)
    target = Path(output) if output else Path(f"{sc.name}-requests.csv")
    if target.exists() and not overwrite:
        raise OutputExistsError(
            f"{display_path(target)} exists; pass --overwrite or choose another path with -o"
        )
    if target.exists() and target.is_dir():
        raise OutputExistsError(f"{display_path(target)} is a folder; give a file path with -o")
    with _compile_notice():
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
@click.option("--overwrite", is_flag=True, help="Replace an existing result folder.")
@click.option("--no-progress", is_flag=True, help="No progress bar (for logs and CI).")
def run(
    scenario: str,
    osm_path: str | None,
    sets: tuple[str, ...],
    seed: int | None,
    out: str | None,
    overwrite: bool,
    no_progress: bool,
) -> None:
    """Simulate a day of the scenario's service and write the results.

    Writes trips.csv, vehicles.csv, events.csv (and .parquet), link_loads.geojson,
    kpis.json, the resolved scenario, land-use impact and an HTML report, as the
    scenario's [outputs] table selects. Nothing is written if the run fails.
    """
    from pathlib import Path

    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from .outputs import check_output_folder, write_result
    from .runner import simulate
    from .scenario import display_path, format_time

    sc = _load(scenario, osm_path, sets, seed)
    target = Path(out) if out else sc.output_folder()
    check_output_folder(target, overwrite=overwrite)
    columns = (
        TextColumn("simulating {task.description}"),
        BarColumn(),
        TextColumn("{task.fields[clock]}"),
        TimeElapsedColumn(),
    )
    with (
        _compile_notice(),
        Progress(*columns, console=console, transient=True, disable=no_progress) as bar,
    ):
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
    console.print(f"wrote {display_path(folder)}/ (run id {result.run_id})")


def print_run_summary(result: Any) -> None:
    """The KPIs of a run as a table."""
    k = result.kpis

    def num(value: Any, fmt: str) -> str:
        return "-" if value is None else format(value, fmt)

    table = Table(
        title=f"Run {result.scenario.name} (seed {result.seed})",
        show_header=False,
        title_justify="left",
    )
    table.add_column("KPI")
    table.add_column("value", justify="right")
    rows = [
        ("requests", f"{k['requests']:,}"),
        ("served", f"{k['served']:,} ({num(k['served_share'], '.1%')})"),
        (
            "wait mean / 95th pct",
            f"{num(k['wait_mean_s'], '.0f')} s / {num(k['wait_p95_s'], '.0f')} s",
        ),
        ("ride mean", f"{num(k['ride_mean_s'], '.0f')} s"),
        ("detour (ride / direct)", num(k["detour_mean"], ".2f")),
        ("pooling rate", num(k["pooling_rate"], ".1%")),
        ("vehicles", f"{k['vehicles']}"),
        ("vehicle-km (empty share)", f"{k['vehicle_km']:,.0f} ({num(k['empty_share'], '.1%')})"),
        ("passenger-km", f"{k['passenger_km']:,.0f}"),
        ("passengers per vehicle-hour", num(k["passengers_per_vehicle_hour"], ".2f")),
        ("vehicle-km per passenger-km", num(k["vehicle_km_per_passenger_km"], ".2f")),
    ]
    for reason, n in k["rejections"].items():
        rows.append((f"  rejected: {reason}", f"{n:,}"))
    for name, value in rows:
        table.add_row(name, value)
    timings = ", ".join(f"{name} {sec:.2f} s" for name, sec in result.timings_s.items())
    console.print(table)
    console.print(f"[dim]{timings}[/dim]")


def print_resolved(res: Any) -> None:
    """Print the resolved scenario: map, area, fleet, stops, lines."""
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
    cli.main(args=argv, prog_name="klshuttle", standalone_mode=True)


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
