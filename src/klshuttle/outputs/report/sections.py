"""The sections of the run report: each a function ``(result, lang) -> HTML or ""``.

A section whose data is absent returns ``""`` and the page leaves it out, so
optional KPIs (read with ``.get``) and parts added later slot in without
touching the others. Times people feel are in minutes, distances in km, shares
in %, areas in m².
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import numpy as np

from ...landuse import CASES
from ...scenario import format_time
from .figures import day_figures
from .fmt import DASH, km, m2, minutes, num, pct, signed
from .headline import door_to_door
from .i18n import reason, tr
from .maps import benefit_map, service_map
from .page import section

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from ...result import Result

__all__ = [
    "accessibility_section",
    "benefit_map_section",
    "day_section",
    "landuse_section",
    "map_section",
    "rules_section",
    "service_section",
]


def _e(text: Any) -> str:
    return html.escape(str(text))


def _rows(rows: list[tuple[str, str]], *, left: bool = False) -> str:
    cls = ' class="l"' if left else ""
    return (
        "<table>"
        + "".join(f"<tr><th>{_e(k)}</th><td{cls}>{_e(v)}</td></tr>" for k, v in rows)
        + "</table>"
    )


def _headway_s(departures: np.ndarray) -> float | None:
    d = np.diff(np.sort(np.asarray(departures, dtype=float)))
    return float(np.median(d)) if d.size else None


def rules_section(result: Result, lang: str) -> str:
    """The service rules (max wait, detour limits, headway) and the key scenario parameters."""
    sc = result.scenario
    res = result.resolved
    v = sc.fleet.vehicle
    svc = sc.service
    rows = [
        (tr("r.mode", lang), tr(f"mode.{svc.mode}", lang)),
        (
            tr("r.fleet", lang),
            tr(
                "r.fleet_v",
                lang,
                n=sc.fleet.vehicles,
                label=v.label,
                cap=v.capacity,
                speed=num(v.max_speed_kmh, lang),
            ),
        ),
        (
            tr("r.hours", lang),
            f"{format_time(v.operating_hours.start)}\u2013{format_time(v.operating_hours.end)}",
        ),
        (tr("r.area", lang), f"{num(res.area.area_km2, lang, 2)} km²; {res.area.description}"),
    ]
    if len(res.stops):
        kind = svc.stops.type
        kind_text = (
            tr("stops.virtual", lang, spacing=num(getattr(svc.stops, "spacing_m", 0), lang))
            if kind == "virtual"
            else tr(f"stops.{kind}", lang)
        )
        rows.append((tr("r.stops", lang), tr("r.stops_v", lang, n=len(res.stops), kind=kind_text)))
    if svc.mode != "line":
        od = svc.on_demand
        rows.append(
            (
                tr("r.od", lang),
                tr(
                    "r.od_v",
                    lang,
                    kind=tr("od.stop_based" if od.stop_based else "od.door", lang),
                    pool=tr("od.pooled" if od.pooling else "od.not_pooled", lang),
                    wait=minutes(od.max_wait_s, lang, 0),
                    factor=num(od.max_detour_factor, lang, 1),
                    offset=minutes(od.max_detour_offset_s, lang, 0),
                    walk=num(od.max_walk_m, lang),
                ),
            )
        )
    for line in res.lines:
        d0 = next(iter(line.departures_s))
        deps = line.departures_s[d0]
        head = _headway_s(deps)
        rows.append(
            (
                tr("r.line", lang, name=line.name),
                tr(
                    "r.line_v",
                    lang,
                    headway=minutes(head, lang, 0) if head is not None else DASH,
                    first=format_time(float(deps[0])) if len(deps) else DASH,
                    last=format_time(float(deps[-1])) if len(deps) else DASH,
                    stops=len(line.stops[d0]),
                    run=minutes(line.run_time_s[d0], lang, 0),
                    veh=line.vehicles,
                ),
            )
        )
    rows.append((tr("r.dispatch", lang), f"{sc.dispatch.algorithm}"))
    w = sc.demand.window
    rows.append(
        (
            tr("r.demand", lang),
            tr(
                "r.demand_v",
                lang,
                n=num(result.kpis["requests"], lang),
                start=format_time(w.start),
                end=format_time(w.end),
                seed=result.seed,
            ),
        )
    )
    return section(tr("s.rules", lang), _rows(rows, left=True))


#: KPI rows: message id, kpis key, formatter.
_KPI_ROWS: list[tuple[str, str, Callable[[Any, str], str]]] = [
    ("k.requests", "requests", lambda v, lg: num(v, lg)),
    ("k.served", "served", lambda v, lg: num(v, lg)),
    ("k.served_share", "served_share", lambda v, lg: pct(v, lg, 1)),
    ("k.passengers", "passengers_served", lambda v, lg: num(v, lg)),
    ("k.wait_mean", "wait_mean_s", lambda v, lg: minutes(v, lg)),
    ("k.wait_p95", "wait_p95_s", lambda v, lg: minutes(v, lg)),
    ("k.ride_mean", "ride_mean_s", lambda v, lg: minutes(v, lg)),
    ("k.walk_mean", "walk_mean_m", lambda v, lg: DASH if v is None else f"{num(v, lg)}\u00a0m"),
    ("k.detour", "detour_mean", lambda v, lg: num(v, lg, 2)),
    ("k.detour_p95", "detour_p95", lambda v, lg: num(v, lg, 2)),
    ("k.walk_faster", "walk_faster_share", lambda v, lg: pct(v, lg)),
    ("k.pooling", "pooling_rate", lambda v, lg: pct(v, lg)),
    ("k.vehicles", "vehicles", lambda v, lg: num(v, lg)),
    ("k.vehicles_used", "vehicles_used", lambda v, lg: num(v, lg)),
    ("k.vkm", "vehicle_km", lambda v, lg: km(v, lg)),
    ("k.empty", "empty_share", lambda v, lg: pct(v, lg)),
    ("k.pkm", "passenger_km", lambda v, lg: km(v, lg)),
    ("k.pax_per_vh", "passengers_per_vehicle_hour", lambda v, lg: num(v, lg, 1)),
    ("k.occupancy", "mean_occupancy", lambda v, lg: num(v, lg, 2)),
]


def _by_type(kpis: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """Per-service-type KPIs when the KPIs carry them (``by_service_type`` or ``by_service``:
    ``{"line": {...}, "on_demand": {...}}`` with the keys of the overall KPIs)."""
    for key in ("by_service_type", "by_service"):
        got = kpis.get(key)
        if isinstance(got, dict) and got:
            return {str(k): v for k, v in got.items() if isinstance(v, dict)}
    return {}


def service_section(result: Result, lang: str) -> str:
    """The KPI table (line and on-demand side by side when the KPIs carry them) and rejections."""
    k = result.kpis
    parts = _by_type(k)
    cols: list[tuple[str, Mapping[str, Any]]] = [(tr("k.col_all", lang), k)]
    cols += [
        (tr(f"svc.{name}", lang) if f"svc.{name}" in _known() else name, v)
        for name, v in parts.items()
    ]
    head = (
        "<tr><th></th>" + "".join(f"<th>{_e(c)}</th>" for c, _ in cols) + "</tr>" if parts else ""
    )
    body = ""
    d2d = door_to_door(result).shuttle_s
    for msg, key, fmt in _KPI_ROWS:
        if all(src.get(key) is None for _, src in cols) and key not in k:
            continue
        body += (
            f"<tr><th>{_e(tr(msg, lang))}</th>"
            + "".join(f"<td>{_e(fmt(src.get(key), lang))}</td>" for _, src in cols)
            + "</tr>"
        )
        if key == "ride_mean_s":
            body += (
                f"<tr><th>{_e(tr('k.d2d_median', lang))}</th><td>{_e(minutes(d2d, lang))}</td>"
                + "<td></td>" * (len(cols) - 1)
                + "</tr>"
            )
    rej = k.get("rejections") or {}
    rejected = (
        _rows([(reason(r, lang), num(n, lang)) for r, n in rej.items()])
        if rej
        else f"<p>{_e(tr('k.none', lang))}</p>"
    )
    return section(
        tr("s.service", lang),
        f'<div class="grid"><div><table>{head}{body}</table></div>'
        f"<div><h3>{_e(tr('k.rejected', lang))}</h3>{rejected}</div></div>",
    )


def _known() -> set[str]:
    from .i18n import MESSAGES

    return set(MESSAGES)


def day_section(result: Result, lang: str) -> str:
    """Requests per hour, waits in minutes, vehicles and passengers over the day."""
    f = day_figures(result, lang)
    return section(
        tr("s.day", lang),
        f'<div class="grid"><img src="{f["hourly"]}" alt="{_e(tr("f.requests", lang))}">'
        f'<img src="{f["waits"]}" alt="{_e(tr("f.wait", lang))}">'
        f'<img src="{f["fleet"]}" alt="{_e(tr("f.count", lang))}"></div>',
    )


def map_section(result: Result, lang: str) -> str:
    """The service map with its note (and why there is no interactive map)."""
    img = service_map(result, lang)
    return section(
        tr("s.map", lang),
        f'<p class="note">{_e(tr("m.note", lang))}</p><img class="map" src="{img}" alt="{_e(tr("s.map", lang))}">'
        f'<p class="note">{_e(tr("m.no_interactive", lang))}</p>',
    )


def benefit_map_section(result: Result, lang: str) -> str:
    """The map of freed parking and minutes saved, when the run has either."""
    img = benefit_map(result, lang)
    if img is None:
        return ""
    return section(
        tr("s.benefit_map", lang),
        f'<img class="map" src="{img}" alt="{_e(tr("s.benefit_map", lang))}">',
    )


def accessibility_section(result: Result, lang: str) -> str:
    """Residents within each threshold of each destination, on foot and with the shuttle."""
    acc = result.accessibility
    if acc is None:
        return ""
    summ = acc.summary
    thr = [f"{t:g}" for t in summ["thresholds_min"]]
    head = (
        f"<tr><th>{_e(tr('a.dest', lang))}</th>"
        + "".join(
            f"<th>{_e(tr('a.within', lang, t=t))}: {_e(tr('a.walk', lang))}</th><th>{_e(tr('a.shuttle', lang))}</th>"
            for t in thr
        )
        + "</tr>"
    )
    body = ""
    for d in summ["destinations"]:
        cells = "".join(
            f"<td>{num(d['residents_within'][t]['walk'], lang)}</td>"
            f"<td>{num(d['residents_within'][t]['walk_and_shuttle'], lang)}</td>"
            for t in thr
        )
        body += f"<tr><th>{_e(d['name'])}</th>{cells}</tr>"
    lvl = summ["service_level"]["day"]
    level = (
        tr("a.no_level", lang)
        if lvl is None
        else tr(
            "a.level", lang, wait=minutes(lvl["wait_s"], lang), detour=num(lvl["detour"], lang, 2)
        )
    )
    note = tr("a.note", lang, level=level, residents=num(summ["residents_total"], lang))
    return section(
        tr("s.access", lang), f'<p class="note">{_e(note)}</p><table>{head}{body}</table>'
    )


def _params_text(params: dict[str, Any], lang: str) -> str:
    def one(v: Any) -> str:
        if isinstance(v, dict):
            return "/".join(num(x, lang, 2).rstrip("0").rstrip(",.") for x in v.values())
        return num(v, lang, 2).rstrip("0").rstrip(",.")

    return "; ".join(f"{k} {one(v)}" for k, v in params.items())


def landuse_section(result: Result, lang: str) -> str:
    """The land-use chain step by step, its three cases, parameters and warnings."""
    if result.landuse is None:
        return ""
    lu = result.landuse.summary
    cases = lu["cases"]

    def fmt(fig: str, v: Any) -> str:
        if v is None:
            return DASH
        if fig.endswith("m2"):
            return m2(v, lang)
        return num(v, lang, 0 if float(v) == int(v) or abs(v) >= 100 else 1)

    rows: list[tuple[str, list[str], str]] = [
        (
            tr("l.riders", lang),
            [num(lu["riders_per_day"]["served"], lang)] * 3,
            tr("l.by_train", lang, n=num(lu["riders_per_day"]["continuing_by_train"], lang)),
        )
    ]
    for st in lu["chain"]:
        fig = st["figure"]
        params = _params_text(st["parameters"], lang)
        if fig in ("spaces_freed", "area_freed_m2"):
            total = "spaces_freed_total" if fig == "spaces_freed" else "area_freed_m2_total"
            rows.append(
                (f"{st['step']}. {st['name']}", [fmt(fig, cases[c][total]) for c in CASES], params)
            )
            for kind in cases["central"][fig]:
                rows.append(
                    (
                        f"\u2003{kind.replace('_', ' ')}",
                        [fmt(fig, cases[c][fig][kind]) for c in CASES],
                        "",
                    )
                )
        else:
            rows.append((f"{st['step']}. {st['name']}", [fmt(fig, st[c]) for c in CASES], params))
    vk = lu["vehicle_km_per_day"]
    rows.append((tr("l.shuttle_vkm", lang), [km(vk["shuttles"], lang)] * 3, ""))
    rows.append((tr("l.car_vkm", lang), [km(vk["cars_avoided"][c], lang) for c in CASES], ""))
    rows.append(
        (
            tr("l.net_vkm", lang),
            [f"{signed(vk['net_change'][c], lang)}\u00a0km" for c in CASES],
            tr("l.net_note", lang),
        )
    )
    head = (
        "<tr><th></th>"
        + "".join(f"<th>{_e(tr(f'l.{c}', lang))}</th>" for c in CASES)
        + f"<th>{_e(tr('l.params', lang))}</th></tr>"
    )
    body = "".join(
        f"<tr><th>{_e(name)}</th>"
        + "".join(f"<td>{_e(v)}</td>" for v in vals)
        + f'<td class="l note">{_e(p)}</td></tr>'
        for name, vals, p in rows
    )
    warn = "".join(
        f'<p class="note warn">{_e(tr("l.warning", lang, text=w))}</p>' for w in lu["warnings"]
    )
    placed = ", ".join(
        tr(
            "l.placed",
            lang,
            kind=k.replace("_", " "),
            placed=num(v["placed"], lang),
            freed=num(v["freed"], lang),
        )
        for k, v in lu["placement_central_case"].items()
    )
    note = tr("l.note", lang, placed=placed)
    return section(
        tr("s.landuse", lang), f'<p class="note">{_e(note)}</p><table>{head}{body}</table>{warn}'
    )
