"""``klshuttle run`` and ``klshuttle publish``, and the run's terminal summary."""

from __future__ import annotations

from typing import Any

import click
from rich.table import Table

from ._app import (
    _compile_notice,
    _dask_options,
    _load,
    _out_option,
    _scenario_options,
    cli,
    console,
    no_progress_option,
)
from .sweep_commands import _sweep


@cli.command("run")
@_scenario_options
@_out_option("Result folder (default: the scenario's [outputs].folder).")
@click.option(
    "--overwrite",
    is_flag=True,
    help="Replace an existing result folder (only one klshuttle wrote: its run.json and files).",
)
@no_progress_option
@click.option(
    "--replications",
    type=click.IntRange(min=1),
    default=None,
    help="Run N seeded replications (a sweep with no grid) and print 95 % intervals.",
)
@_dask_options
@click.option(
    "--threads",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Threads of the insertion search over vehicles; same results, "
    "faster from a few hundred vehicles on an otherwise idle machine.",
)
@click.option(
    "--routing",
    type=click.Choice(["auto", "tables", "hierarchy"]),
    default="auto",
    show_default=True,
    help="Travel times from all-pairs tables (fast, 20 bytes per node pair) or the "
    "road graph's contraction hierarchy (city-scale graphs); "
    "auto: the tables when they fit.",
)
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
    threads: int,
    routing: str,
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

    from ..outputs import check_result_folder, write_result
    from ..runner import simulate
    from ..scenario import display_path, format_time
    from ..sim import check_threads

    if lang is not None:
        sets = (*sets, f'outputs.lang="{lang}"')
    if replications is not None:
        if threads > 1:
            raise click.UsageError(
                "--threads is for one run; --replications runs its runs in parallel instead"
            )
        if routing != "auto":
            raise click.UsageError(
                "--routing is for one run; a sweep uses the tables where they fit, else the hierarchy"
            )
        if allow_personal:
            sets = (*sets, "privacy.allow_personal_columns=true")
        _sweep(
            scenario, osm_path, sets, seed, (), replications, workers, scheduler, out, no_progress
        )
        return
    sc = _load(scenario, osm_path, sets, seed, allow_personal)
    check_threads(threads)
    target = Path(out) if out else sc.output_folder()
    check_result_folder(target, overwrite=overwrite)
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

        result = simulate(sc, progress=progress, threads=threads, routing=routing)
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

    from ..outputs import publish_run
    from ..scenario import display_path

    files = publish_run(run_dir, dest)
    console.print(
        f"published {len(files)} files from {display_path(Path(run_dir))}/public/ "
        f"to {display_path(Path(dest))}/"
    )


def print_run_summary(result: Any, lang: str | None = None) -> None:
    """The KPIs of a run as a table, in ``lang`` (default: the scenario's ``[outputs].lang``).

    Times people feel in minutes, shares in %, numbers formatted as in the report;
    one column per service (line, on demand) beside the whole for a hybrid run.
    """
    from ..outputs.report.fmt import km, minutes, num, pct
    from ..outputs.report.i18n import reason, tr

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
    if k.get("by_booking"):
        pre, imm = k["by_booking"]["prebooked"], k["by_booking"]["immediate"]
        value = tr(
            "t.by_booking_value",
            lang,
            pre=pct(pre["served_share"], lang, 1),
            imm=pct(imm["served_share"], lang, 1),
            pre_wait=minutes(pre["wait_p50_s"], lang),
            imm_wait=minutes(imm["wait_p50_s"], lang),
        )
        table.add_row(tr("t.by_booking", lang), value, *([""] * (len(blocks) - 1)))
    timings = ", ".join(f"{name} {sec:.2f} s" for name, sec in result.timings_s.items())
    console.print(table)
    print_benefit_summary(result, lang)
    console.print(f"[dim]{timings}[/dim]")


def print_benefit_summary(result: Any, lang: str = "en") -> None:
    """Residents reaching the key places (rounded to 100) and the land-use chain's figures."""
    from ..outputs.report.fmt import num, signed
    from ..outputs.report.i18n import tr

    if getattr(result, "accessibility", None) is not None:
        from ..outputs.accessibility_files import headline

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
