"""The report's Planning section: what ``klshuttle plan`` chose, when the run comes from a plan.

``klshuttle plan`` writes ``plan.json`` beside the scenario it plans, with the
scenario's run id. A run of that scenario, unchanged (same run id), gets a
section saying how its stops, lines, timetable and fleet were chosen; any
other run gets none.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .fmt import minutes, num, pct
from .i18n import tr
from .page import section

if TYPE_CHECKING:
    from ...result import Result

__all__ = ["plan_of", "planning_section"]


def plan_of(result: Result) -> dict[str, Any] | None:
    """The plan the run's scenario comes from, or None (no plan.json beside
    the scenario file, or one written for another scenario or run id)."""
    src = result.scenario.source_path
    if src is None:
        return None
    path = Path(src).parent / "plan.json"
    try:
        plan = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    me = plan.get("scenario") if isinstance(plan, dict) else None
    if not isinstance(me, dict) or me.get("run_id") != result.scenario.run_id():
        return None
    return plan


def _e(text: Any) -> str:
    return html.escape(str(text))


def _table(rows: list[list[str]], head: list[str] | None = None) -> str:
    h = "<tr>" + "".join(f"<th>{_e(c)}</th>" for c in head) + "</tr>" if head else ""
    body = "".join(
        "<tr>" + f"<th>{_e(r[0])}</th>" + "".join(f"<td>{_e(c)}</td>" for c in r[1:]) + "</tr>"
        for r in rows
    )
    return f"<table>{h}{body}</table>"


def _hhmm(t: float) -> str:
    return f"{int(t // 3600):02d}:{int(t % 3600 // 60):02d}"


def _lines(plan: dict[str, Any], lang: str) -> str:
    out = ""
    for ln in plan.get("lines", []):
        out += f"<h3>{_e(ln.get('name', ''))}</h3>"
        rows: list[list[str]] = []
        route = ln.get("route")
        if route:
            how = tr("pl.exact" if route["exact"] else "pl.two_opt", lang)
            rows.append([tr("pl.order", lang), " - ".join(route["order"])])
            rows.append(
                [
                    tr("pl.cycle", lang),
                    tr(
                        "pl.cycle_v",
                        lang,
                        cycle=minutes(route["cycle_driving_s"], lang),
                        before=minutes(route["cycle_driving_s_before"], lang),
                        how=how,
                    ),
                ]
            )
        if ln.get("through_running"):
            rows.append([tr("pl.through", lang), tr("pl.yes", lang)])
        rows.append(
            [
                tr("pl.rule", lang),
                tr(
                    "pl.rule_v",
                    lang,
                    cap=num(ln["capacity"], lang),
                    lf=pct(ln["load_factor"], lang),
                    policy=minutes(ln["policy_headway_s"], lang, 0),
                ),
            ]
        )
        t = ln.get("trains")
        if t:
            rows.append(
                [
                    tr("pl.trains", lang),
                    tr(
                        "pl.trains_v",
                        lang,
                        n=num(t["trains"], lang),
                        hub=t["hub"],
                        offset=minutes(t["offset_s"], lang, 0),
                        missed=num(t["missed"], lang),
                        wait=minutes(t["mean_wait_s"], lang),
                    ),
                ]
            )
        rows.append(
            [
                tr("pl.vehicles", lang),
                tr(
                    "pl.vehicles_v",
                    lang,
                    n=num(ln["vehicles"], lang),
                    cycle=minutes(ln["round_trip_s"], lang),
                    deps=num(ln["departures"], lang),
                ),
            ]
        )
        out += _table(rows)
        periods = [
            [
                f"{_hhmm(p['start_s'])}-{_hhmm(p['end_s'])}",
                tr("pl.peak" if p["peak"] else "pl.offpeak", lang),
                minutes(p["headway_s"], lang, 0),
                num(p["busiest_load_pax_h"], lang),
            ]
            for p in ln.get("periods", [])
        ]
        if periods:
            head = ["", tr("pl.period", lang), tr("pl.headway", lang), tr("pl.load", lang)]
            out += _table(periods, head)
    return out


def _osm_line(plan: dict[str, Any], lang: str) -> str:
    rows = [[tr("pl.relations", lang), ", ".join(str(r) for r in plan["relations"])]]
    for d, v in plan["directions"].items():
        rows.append(
            [
                tr(f"pl.{d}", lang),
                tr(
                    "pl.direction_v",
                    lang,
                    stops=num(len(v["stops"]), lang),
                    first=v["stops"][0],
                    last=v["stops"][-1],
                    run=minutes(v["run_time_s"], lang),
                    off=num(v["off_route_m"], lang),
                ),
            ]
        )
    rows.append([tr("pl.vehicles", lang), num(plan["vehicles"], lang)])
    return _table(rows)


def _stops(plan: dict[str, Any], lang: str) -> str:
    how = (
        tr("pl.exact", lang)
        if plan["optimal"] and plan["gap"] < 1e-6
        else tr("pl.gap", lang, gap=pct(plan["gap"], lang, 1))
    )
    rows = [
        [
            tr("pl.stops", lang),
            tr(
                "pl.stops_v",
                lang,
                n=num(plan["stops"], lang),
                osm=num(plan["candidates"]["osm_stops"], lang),
                street=num(plan["candidates"]["street_nodes"], lang),
                how=how,
            ),
        ],
        [
            tr("pl.coverage", lang),
            tr(
                "pl.coverage_v",
                lang,
                share=pct(plan["coverage"], lang, 1),
                walk=num(plan["walk_m"], lang),
            ),
        ],
    ]
    if plan.get("hubs_kept"):
        rows.append([tr("pl.hubs", lang), ", ".join(plan["hubs_kept"])])
    return _table(rows)


def planning_section(result: Result, lang: str) -> str:
    """How the service was planned (``klshuttle plan``), or ``""``."""
    plan = plan_of(result)
    if plan is None:
        return ""
    kind = plan.get("kind")
    body = {"lines": _lines, "osm_line": _osm_line, "stops": _stops}.get(str(kind))
    html_ = body(plan, lang) if body else ""
    fleet = plan.get("fleet")
    if fleet:
        t = fleet["target"]
        html_ += _table(
            [
                [
                    tr("pl.fleet", lang),
                    tr(
                        "pl.fleet_v",
                        lang,
                        n=num(fleet["vehicles"], lang),
                        seeds=num(len(fleet["seeds"]), lang),
                        served=pct(t["served_share"], lang),
                        wait=minutes(t["wait_p95_s"], lang, 0),
                        ratio=num(t["ride_direct_p95"], lang, 1),
                    ),
                ]
            ]
        )
    if not html_:
        return ""
    return section(tr("s.plan", lang), f"<p>{_e(tr('pl.intro', lang))}</p>{html_}")
