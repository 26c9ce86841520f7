"""``klshuttle validate`` and ``klshuttle demand``, and what they print."""

from __future__ import annotations

from typing import Any

import click
from rich.table import Table

from ._app import _compile_notice, _load, _scenario_options, cli, console


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
    from ..demand import summarize_requests
    from ..resolve import resolve
    from ..runner import check_memory

    sc = _load(scenario, osm_path, sets, seed, allow_personal)
    with _compile_notice():
        res = resolve(sc)
        check_memory(res)
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
    allow_personal: bool,
    output: str | None,
    overwrite: bool,
) -> None:
    """Generate the scenario's requests, write them as CSV and print a summary."""
    from pathlib import Path

    from ..demand import summarize_requests
    from ..outputs import check_output_file
    from ..resolve import resolve
    from ..scenario import display_path

    sc = _load(scenario, osm_path, sets, seed, allow_personal)
    target = Path(output) if output else Path(f"{sc.name}-requests.csv")
    check_output_file(target, overwrite=overwrite)
    with _compile_notice():
        res = resolve(sc)
        assert res.requests is not None
        res.requests.to_csv(target, overwrite=overwrite)
        summary = summarize_requests(res.requests, res.graph)
    print_demand_summary(summary, res, title=f"Demand of {sc.name} (seed {sc.seed})")
    for w in res.warnings:
        console.print(f"[yellow]warning:[/yellow] {w}")
    console.print(f"wrote {len(res.requests):,} requests to {display_path(target)}")


def print_resolved(res: Any) -> None:
    """Print the resolved scenario: map, area, fleet, stops, lines."""
    import numpy as np

    from ..scenario import display_path, format_time

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
    from ..scenario import format_time

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
