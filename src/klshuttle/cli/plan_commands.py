"""``klshuttle plan``: stops, today's line and fleet sizes, written as a scenario."""

from __future__ import annotations

from typing import Any

import click
from rich.table import Table

from ._app import _load, _out_option, _scenario_options, cli, console


@cli.command("plan")
@_scenario_options
@_out_option("Folder to write the plan to (must not exist; default: <scenario name>-plan).")
@click.option(
    "--from-osm-route",
    "osm_route",
    default=None,
    help="Plan today's bus line with this ref from its OSM route relations.",
)
@click.option(
    "--relations", default=None, help="With --from-osm-route: relation ids, forward[,backward]."
)
@click.option(
    "--headway-s",
    type=float,
    default=600.0,
    show_default=True,
    help="Headway of a line from --from-osm-route.",
)
@click.option(
    "--through-running",
    is_flag=True,
    help="With --from-osm-route: riders stay aboard through the far terminal.",
)
@click.option(
    "--timetable/--no-timetable",
    default=True,
    show_default=True,
    help="Lines: order the stops and plan the timetable and vehicles from the demand.",
)
@click.option(
    "--load-factor",
    type=click.FloatRange(0, 1, min_open=True),
    default=0.8,
    show_default=True,
    help="Lines: share of the seats planned for the peak hour.",
)
@click.option(
    "--policy-headway-s",
    type=click.FloatRange(60, 24 * 3600),
    default=1800.0,
    show_default=True,
    help="Lines: the longest headway (off-peak service).",
)
@click.option(
    "--stop-budget",
    type=int,
    default=None,
    help="Choose at most this many stops (most residents covered).",
)
@click.option(
    "--coverage",
    type=float,
    default=None,
    help="Choose the fewest stops covering this share of residents (0-1).",
)
@click.option(
    "--walk-m",
    type=float,
    default=None,
    help="Walking distance along streets (default: service.on_demand.max_walk_m).",
)
@click.option(
    "--size-fleet/--no-size-fleet",
    default=True,
    show_default=True,
    help="Size the on-demand fleet by simulation.",
)
@click.option(
    "--seeds",
    default="1,2,3",
    show_default=True,
    help="Replications (demand seeds) for fleet sizing.",
)
@click.option(
    "--served",
    type=click.FloatRange(0, 1),
    default=0.95,
    show_default=True,
    help="Target: share of servable requests served.",
)
@click.option(
    "--wait-p95-s", type=float, default=600.0, show_default=True, help="Target: p95 wait."
)
@click.option(
    "--ride-direct-p95",
    type=float,
    default=2.0,
    show_default=True,
    help="Target: p95 ride time / direct time.",
)
def plan(
    scenario: str,
    osm_path: str | None,
    sets: tuple[str, ...],
    seed: int | None,
    allow_personal: bool,
    out: str | None,
    osm_route: str | None,
    relations: str | None,
    headway_s: float,
    through_running: bool,
    timetable: bool,
    load_factor: float,
    policy_headway_s: float,
    stop_budget: int | None,
    coverage: float | None,
    walk_m: float | None,
    size_fleet: bool,
    seeds: str,
    served: float,
    wait_p95_s: float,
    ride_direct_p95: float,
) -> None:
    """Plan a service on a scenario's map and demand; write it as a scenario.

    With --from-osm-route REF: today's bus line REF as mapped (its route
    relations' stops and ways), sized by its timetable. A line scenario: each
    line's stops ordered by the shortest cycle time (via points kept), the
    timetable from the peak-hour load on the busiest segment (peak and
    off-peak headways, aligned to the trains of a feeder model) and the
    vehicles it needs. Otherwise, for an on-demand scenario: stops chosen to cover residents (--stop-budget or
    --coverage; exact MILP), then the smallest fleet meeting the target
    (default served >= 95 %, p95 wait <= 600 s, p95 ride/direct <= 2) on
    every seed. Writes the
    scenario TOML (runs with `klshuttle run` unchanged), stops.geojson,
    routes.geojson, plan.json and the fleet-sizing table and plot.
    """
    from pathlib import Path

    from ..errors import OutputExistsError
    from ..planning.fleet import ServiceTarget
    from ..planning.fleet import size_fleet as run_sizing
    from ..planning.plan import plan_osm_line, plan_stops, size_plan_fleet, write_plan
    from ..scenario import display_path

    sc = _load(scenario, osm_path, sets, seed, allow_personal)
    target = Path(out) if out else Path(f"{sc.name}-plan")
    if target.exists():
        raise OutputExistsError(f"{display_path(target)} exists; choose another folder with --out")
    try:
        seed_list = [int(x) for x in seeds.split(",") if x.strip()]
        rel_list = [int(x) for x in relations.split(",")] if relations else None
    except ValueError:
        raise click.BadParameter(
            "expected comma-separated integers", param_hint="--seeds/--relations"
        ) from None
    if osm_route is not None:
        if stop_budget is not None or coverage is not None:
            raise click.UsageError(
                "--from-osm-route plans today's line; it takes no --stop-budget or --coverage"
            )
        result = plan_osm_line(
            sc, osm_route, relations=rel_list, headway_s=headway_s, through_running=through_running
        )
    elif sc.service.mode == "line":
        if stop_budget is not None or coverage is not None:
            raise click.UsageError(
                f"{sc.name} runs lines (mode line): --stop-budget and --coverage plan the stops "
                "of an on-demand scenario"
            )
        if not timetable:
            raise click.UsageError(f"{sc.name} runs lines: nothing to plan with --no-timetable")
        from ..planning.lineplan import plan_lines

        with console.status("planning the lines ..."):
            result = plan_lines(sc, load_factor=load_factor, policy_headway_s=policy_headway_s)
    else:
        if stop_budget is not None or coverage is not None:
            result = plan_stops(sc, budget=stop_budget, target=coverage, walk_m=walk_m)
        else:
            from ..planning.plan import Plan
            from ..resolve import resolve

            result = Plan(sc, resolve(sc, demand=False), {"kind": "fleet"})
        if size_fleet:
            with console.status("sizing the fleet by simulation ...") as status:

                def progress(n: int, s: int, k: dict[str, float]) -> None:
                    status.update(
                        f"sizing the fleet: {n} vehicles, seed {s}: served {k['served_share']:.1%}, "
                        f"p95 wait {k['wait_p95_s']:.0f} s, p95 ride/direct {k['ride_direct_p95']:.2f}"
                    )

                goal = ServiceTarget(served, wait_p95_s, ride_direct_p95)
                sizing = run_sizing(
                    result.scenario, target=goal, seeds=seed_list, progress=progress
                )
            result = size_plan_fleet(result, sizing)
    folder = write_plan(result, target)
    print_plan(result)
    console.print(
        f"wrote {display_path(folder)}/ ({result.scenario.name}.toml; run it with klshuttle run)"
    )


def _hhmm(t: float) -> str:
    return f"{int(t // 3600):02d}:{int(t % 3600 // 60):02d}"


def print_plan(result: Any) -> None:
    """Print what the planner chose."""
    r = result.report
    table = Table(title=f"Plan {result.scenario.name}", show_header=False)
    if r.get("kind") == "osm_line":
        table.add_row("line", f"{r['ref']} (relations {', '.join(str(x) for x in r['relations'])})")
        for d, v in r["directions"].items():
            table.add_row(
                d,
                f"{len(v['stops'])} stops, {v['length_m'] / 1000:.2f} km, {v['run_time_s'] / 60:.1f} min"
                f", {v['off_route_m']:.0f} m off the relation",
            )
        table.add_row("vehicles", str(r["vehicles"]))
    if r.get("kind") == "lines":
        for ln in r["lines"]:
            route = ln.get("route")
            if route:
                how = "optimal" if route["exact"] else "2-opt"
                table.add_row(
                    f"{ln['name']}: stops",
                    f"{' - '.join(route['order'])} (cycle driving {route['cycle_driving_s'] / 60:.1f} min, "
                    f"{how}; as given {route['cycle_driving_s_before'] / 60:.1f} min)",
                )
            for p in ln["periods"]:
                table.add_row(
                    f"{ln['name']}: {_hhmm(p['start_s'])}-{_hhmm(p['end_s'])}",
                    f"every {p['headway_s'] / 60:g} min ({'peak' if p['peak'] else 'off-peak'}; "
                    f"busiest segment {p['busiest_load_pax_h']:.0f} riders/h)",
                )
            if ln.get("trains"):
                t = ln["trains"]
                table.add_row(
                    f"{ln['name']}: trains",
                    f"{t['trains']} at {t['hub']}: offset {t['offset_s'] / 60:.0f} min, "
                    f"{t['missed']} missed, mean wait {t['mean_wait_s'] / 60:.1f} min",
                )
            table.add_row(
                f"{ln['name']}: vehicles",
                f"{ln['vehicles']} (round trip {ln['round_trip_s'] / 60:.1f} min incl. dwell and "
                f"layover, {ln['departures']} departures)",
            )
        table.add_row("fleet", f"{r['vehicles']} vehicles")
    if r.get("kind") == "stops":
        gap = "optimal" if r["optimal"] and r["gap"] < 1e-6 else f"gap {r['gap']:.2%}"
        table.add_row(
            "stops",
            f"{r['stops']} of {r['candidates']['osm_stops']} OSM stops + "
            f"{r['candidates']['street_nodes']} street points ({gap})",
        )
        table.add_row(
            "coverage", f"{r['coverage']:.1%} of residential floor area within {r['walk_m']:g} m"
        )
    if result.fleet is not None:
        summ = result.fleet.summary()
        for row in summ.itertuples():
            mark = "meets" if row.meets else "fails"
            table.add_row(
                f"{row.vehicles} vehicles",
                f"{mark}: served >= {row.served_share_min:.1%}, p95 wait <= {row.wait_p95_s_max:.0f} s, "
                f"p95 ride/direct <= {row.ride_direct_p95_max:.2f}",
            )
        table.add_row("fleet", f"{result.fleet.vehicles} vehicles (smallest meeting the target)")
    console.print(table)
