"""A one-file HTML report of a run, for planners and the urban-development office.

The page holds the KPIs, rejections by reason, hourly demand, the waiting-time
distribution, fleet occupancy over the day, a map of shuttle passages per
road segment, residents reaching key places before and after, and the
land-use chain with its low, central and high cases. Plots are drawn with matplotlib (Agg)
and embedded as PNG, so the page needs nothing else and opens offline.

The report is public: its counts follow :mod:`.privacy` (no bar, bin or
segment with 1 to k - 1 trips; occupancy on a grid of
``[privacy].time_rounding_s``), and its "Privacy" section says what was
left out or merged, and where.
"""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..landuse import CASES
from ._io import write_text
from .landuse_files import streets_by_name
from .privacy import (
    Suppression,
    blank_small,
    hourly_counts,
    privacy_of,
    public_link_loads,
    public_stops,
    public_streets,
)

if TYPE_CHECKING:
    from ..result import Result

__all__ = ["render_html", "write_html"]

_CSS = """
body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222}
h1{font-size:1.6em}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #ccc}
table{border-collapse:collapse}td,th{padding:.25em .8em;text-align:right;border-bottom:1px solid #eee}
th{text-align:left;font-weight:600}.grid{display:flex;flex-wrap:wrap;gap:1em}
img{max-width:100%}.note{color:#555;font-size:.9em}
"""


def _png(fig: Any) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    # no timestamps in the PNG, so the same run gives the same bytes
    fig.savefig(buf, format="png", dpi=96, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.3g}" if abs(value) < 10 else f"{value:,.0f}"
    return html.escape(f"{value:,}" if isinstance(value, int) else str(value))


def _table(rows: list[tuple[str, Any]]) -> str:
    body = "".join(f"<tr><th>{html.escape(k)}</th><td>{_fmt(v)}</td></tr>" for k, v in rows)
    return f"<table>{body}</table>"


def _plots(result: Result, notes: list[Suppression]) -> dict[str, str]:
    """The figures as PNG data URLs; counts blanked by :mod:`.privacy`, noted in ``notes``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    p = privacy_of(result)
    k = p.min_trips
    trips = result.trips
    served = trips["status"] == "served"
    out: dict[str, str] = {}
    # hourly demand: counts of 1 to k - 1 are not drawn
    hourly, hour_notes = hourly_counts(result)
    notes.extend(hour_notes)
    width_h = float(hourly["start_s"].diff().iloc[-1]) / 3600 if len(hourly) > 1 else 1.0
    x_h = hourly["start_s"].to_numpy() / 3600
    n_served = np.nan_to_num(hourly["served"].to_numpy())
    n_rejected = np.nan_to_num(hourly["rejected"].to_numpy())
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.bar(x_h, n_served, width=width_h, align="edge", color="#2b7bba", label="served")
    ax.bar(
        x_h,
        n_rejected,
        width=width_h,
        bottom=n_served,
        align="edge",
        color="#d95f02",
        label="rejected",
    )
    ax.set_xlim(0, max(24.0, float(x_h[-1] + width_h)) if len(x_h) else 24.0)
    ax.set_xlabel("hour of day")
    ax.set_ylabel("requests")
    ax.legend(frameon=False)
    out["hourly"] = _png(fig)
    # waits: one-minute bins, bins of 1 to k - 1 trips not drawn
    fig, ax = plt.subplots(figsize=(6, 3))
    waits = trips.loc[served, "wait_s"].to_numpy(dtype=float) / 60
    waits = waits[np.isfinite(waits)]
    edges = np.arange(0.0, float(np.ceil(waits.max(initial=0.0))) + 2.0, 1.0)
    counts, _ = np.histogram(waits, bins=edges)
    shown = blank_small(counts, k)
    ax.bar(edges[:-1], np.nan_to_num(shown), width=1.0, align="edge", color="#2b7bba")
    ax.set_xlabel("wait at the stop (min)")
    ax.set_ylabel("trips")
    out["waits"] = _png(fig)
    if np.isnan(shown).any():
        notes.append(
            Suppression(
                "report: waits",
                "one-minute bins",
                int(np.isnan(shown).sum()),
                int((counts > 0).sum()),
                f"with 1 to {k - 1} trips not drawn",
            )
        )
    # occupancy over the day from the legs, on the privacy time grid
    legs = result.log.legs
    fig, ax = plt.subplots(figsize=(6, 3))
    if len(legs["t0_s"]):
        step_s = float(p.time_rounding_s)
        start_s = np.floor(result.log.start_s / step_s) * step_s
        grid = np.arange(start_s, max(result.log.end_s, legs["t1_s"].max()) + step_s, step_s)
        # a leg counts at every grid time in [t0, t1): +1 where it starts, -1 where it ends
        a = np.searchsorted(grid, legs["t0_s"], side="left")
        b = np.searchsorted(grid, legs["t1_s"], side="left")
        n = len(grid) + 1
        driving = np.cumsum(np.bincount(a, minlength=n) - np.bincount(b, minlength=n))[:-1]
        load = legs["load"].astype(float)
        pax = np.cumsum(np.bincount(a, load, n) - np.bincount(b, load, n))[:-1]
        pax_shown = blank_small(np.round(pax), k)
        ax.plot(grid / 3600, driving, label="vehicles driving", color="#555")
        ax.plot(grid / 3600, pax_shown, label="passengers on board", color="#2b7bba")
        if np.isnan(pax_shown).any():
            notes.append(
                Suppression(
                    "report: passengers on board",
                    f"times of the {step_s / 60:g}-minute grid",
                    int(np.isnan(pax_shown).sum()),
                    int((pax > 0).sum()),
                    f"with 1 to {k - 1} passengers on board not drawn",
                )
            )
    ax.set_xlabel("hour of day")
    ax.legend(frameon=False)
    out["occupancy"] = _png(fig)
    # map of passages
    from matplotlib.collections import LineCollection

    graph = result.resolved.graph
    loads, load_notes = public_link_loads(result)
    notes.extend(load_notes)

    def polylines(edges: Any) -> list[Any]:
        ptr = graph.geom_indptr
        return [
            np.column_stack(
                [graph.geom_lon[ptr[k] : ptr[k + 1]], graph.geom_lat[ptr[k] : ptr[k + 1]]]
            )
            for k in edges
        ]

    fig, ax = plt.subplots(figsize=(7, 6))
    ax.add_collection(
        LineCollection(polylines(range(graph.n_edges)), colors="#ddd", linewidths=0.4)
    )
    if len(loads):
        widths = 0.6 + 4.0 * loads["passages"].to_numpy() / float(loads["passages"].max())
        ax.add_collection(
            LineCollection(polylines(loads["edge"]), colors="#2b7bba", linewidths=widths, alpha=0.8)
        )
    ax.autoscale()
    stops = result.resolved.stops
    if len(stops):
        ax.scatter(stops.lon, stops.lat, s=6, color="#d95f02", zorder=3, label="stops")
        ax.legend(frameon=False, loc="lower right")
    ax.set_aspect(1 / np.cos(np.radians(49.44)))
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title("shuttle passages per road segment (line width)")
    out["map"] = _png(fig)
    return out


def _cases_table(rows: list[tuple[str, Any, Any, Any, str]]) -> str:
    head = "<tr><th></th><th>low</th><th>central</th><th>high</th><th>parameters</th></tr>"
    body = "".join(
        f"<tr><th>{html.escape(k)}</th><td>{_fmt(lo)}</td><td>{_fmt(c)}</td><td>{_fmt(hi)}</td>"
        f'<td class="note" style="text-align:left">{html.escape(p)}</td></tr>'
        for k, lo, c, hi, p in rows
    )
    return f"<table>{head}{body}</table>"


def _params_text(params: dict[str, Any]) -> str:
    def one(v: Any) -> str:
        if isinstance(v, dict):
            return "/".join(f"{x:g}" for x in v.values())
        return f"{v:g}"

    return "; ".join(f"{k} {one(v)}" for k, v in params.items())


def _landuse_section(lu: dict[str, Any]) -> str:
    """The land-use chain, step by step, with its three cases and parameters."""
    cases = lu["cases"]
    rows: list[tuple[str, Any, Any, Any, str]] = [
        (
            "riders served",
            *(lu["riders_per_day"]["served"],) * 3,
            f"continuing by train: {lu['riders_per_day']['continuing_by_train']:,}",
        ),
    ]
    for st in lu["chain"]:
        fig = st["figure"]
        params = _params_text(st["parameters"])
        if fig in ("spaces_freed", "area_freed_m2"):
            total = "spaces_freed_total" if fig == "spaces_freed" else "area_freed_m2_total"
            rows.append((f"{st['step']}. {st['name']}", *(cases[c][total] for c in CASES), params))
            for kind in cases["central"][fig]:
                rows.append(
                    (f"   {kind.replace('_', ' ')}", *(cases[c][fig][kind] for c in CASES), "")
                )
        else:
            rows.append((f"{st['step']}. {st['name']}", *(st[c] for c in CASES), params))
    vk = lu["vehicle_km_per_day"]
    rows.append(("shuttle vehicle-km a day", *(vk["shuttles"],) * 3, ""))
    rows.append(("car vehicle-km avoided a day", *(vk["cars_avoided"][c] for c in CASES), ""))
    rows.append(("net vehicle-km a day", *(vk["net_change"][c] for c in CASES), "shuttle - car"))
    warn = "".join(
        f'<p class="note" style="color:#b00">warning: {html.escape(w)}</p>' for w in lu["warnings"]
    )
    pl = lu["placement_central_case"]
    placed = ", ".join(
        f"{k.replace('_', ' ')} {v['placed']} of {v['freed']}" for k, v in pl.items()
    )
    return f"""<h2>Land use: what the city could gain in parking</h2>
<p class="note">A chain of stated assumptions, each step with its parameters (sources in
landuse.json). Low and high take the ends of each range that free least and most.
Placed on the map (central case, landuse.geojson): {html.escape(placed)}.</p>
{_cases_table(rows)}
{warn}"""


def _accessibility_section(result: Result) -> str:
    """Residents reaching the key places within the thresholds, and a map of minutes."""
    acc = result.accessibility
    assert acc is not None
    summ = acc.summary
    thr = [f"{t:g}" for t in summ["thresholds_min"]]
    head = (
        "<tr><th>destination</th>"
        + "".join(f"<th>within {t} min: walking</th><th>with shuttle</th>" for t in thr)
        + "</tr>"
    )
    body = ""
    for d in summ["destinations"]:
        cells = "".join(
            f"<td>{d['residents_within'][t]['walk']:,}</td>"
            f"<td>{d['residents_within'][t]['walk_and_shuttle']:,}</td>"
            for t in thr
        )
        body += f"<tr><th>{html.escape(d['name'])}</th>{cells}</tr>"
    lvl = summ["service_level"]["day"]
    level = (
        "no shuttle level (too few requests served)"
        if lvl is None
        else f"wait {lvl['wait_s'] / 60:.1f} min, ride {lvl['detour']:.2f} x direct time"
    )
    img = _accessibility_map(result)
    return f"""<h2>Accessibility: residents reaching key places</h2>
<p class="note">Door to door, walking alone and with the shuttle (walk, wait, ride, walk;
{html.escape(level)} over the day); {summ["residents_total"]:,} residents from the map's
residential buildings. Per hour and per grid cell: accessibility.json,
accessibility_grid.geojson.</p>
<table>{head}{body}</table>
<img src="{img}" alt="minutes to the first destination, walking and with the shuttle">"""


def _accessibility_map(result: Result) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    acc = result.accessibility
    assert acc is not None
    grid = acc.grid
    name = acc.summary["destinations"][0]["name"]
    side = float(result.scenario.accessibility.grid_m)
    fig, axes = plt.subplots(1, 3, figsize=(12, 4.4))
    x = grid["x0_m"].to_numpy() + side / 2
    y = grid["y0_m"].to_numpy() + side / 2
    walk = grid[f"walk_min {name}"].to_numpy()
    best = grid[f"best_min {name}"].to_numpy()
    panels = [
        (walk, f"walking to {name} (min)", "viridis_r", 0, 40),
        (best, "walking or shuttle (min)", "viridis_r", 0, 40),
        (walk - best, "minutes saved", "Greens", 0, max(float(np.nanmax(walk - best)), 1.0)),
    ]
    for ax, (val, title, cmap, lo, hi) in zip(axes, panels, strict=True):
        sc = ax.scatter(x, y, c=val, cmap=cmap, vmin=lo, vmax=hi, marker="s", s=9)
        ax.set_aspect(1)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(title, fontsize=10)
        fig.colorbar(sc, ax=ax, shrink=0.8)
    return _png(fig)


def _privacy_section(result: Result, notes: list[Suppression]) -> str:
    """What the public outputs aggregate, and what was left out or merged, where."""
    p = privacy_of(result)
    items = "".join(f"<li>{html.escape(n.sentence())}</li>" for n in notes)
    listed = f"<ul>{items}</ul>" if notes else "<p>Nothing needed to be left out or merged.</p>"
    return f"""<h2>Privacy</h2>
<p class="note">This report and the files in public/ count trips only where at least
{p.min_trips} trips fall (per road segment, stop, street, hour or bin); smaller counts are
merged into the nearest stop or left out, as listed below. Times are shown on a
{p.time_rounding_s / 60:g}-minute grid. Per-trip tables stay in private/.</p>
{listed}"""


def render_html(result: Result, landuse: dict[str, Any] | None = None) -> str:
    """The report as one HTML string."""
    sc = result.scenario
    k = result.kpis
    notes: list[Suppression] = []
    plots = _plots(result, notes)
    notes.extend(public_stops(result)[1])
    if result.landuse is not None:
        streets = streets_by_name(result.landuse.streets)
        notes.extend(public_streets(streets, privacy_of(result).min_trips)[1])
    privacy = _privacy_section(result, notes)
    kpi_rows = [
        ("requests", k["requests"]),
        ("served", k["served"]),
        ("served share", k["served_share"]),
        ("passengers served", k["passengers_served"]),
        ("mean wait (s)", k["wait_mean_s"]),
        ("95th-percentile wait (s)", k["wait_p95_s"]),
        ("mean ride (s)", k["ride_mean_s"]),
        ("mean detour (ride / direct time)", k["detour_mean"]),
        ("pooling rate", k["pooling_rate"]),
        ("vehicles", k["vehicles"]),
        ("vehicle-km", k["vehicle_km"]),
        ("empty share of vehicle-km", k["empty_share"]),
        ("passenger-km", k["passenger_km"]),
        ("passengers per vehicle-hour", k["passengers_per_vehicle_hour"]),
        ("vehicle-km per passenger-km", k["vehicle_km_per_passenger_km"]),
    ]
    rejections = _table(list(k["rejections"].items())) if k["rejections"] else "<p>none</p>"
    lu = _landuse_section(landuse) if landuse is not None else ""
    acc = _accessibility_section(result) if result.accessibility is not None else ""
    title = html.escape(f"klshuttle: {sc.name}")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title><style>{_CSS}</style></head>
<body>
<h1>{title}</h1>
<p>{html.escape(sc.description)}</p>
<p class="note">run id {html.escape(result.run_id)}, seed {result.seed}, mode {html.escape(sc.service.mode)},
dispatcher {html.escape(sc.dispatch.algorithm)}, {len(result.vehicles)} vehicles of capacity {sc.fleet.vehicle.capacity}.
Map data © OpenStreetMap contributors (ODbL).</p>
<h2>Service</h2>
<div class="grid"><div>{_table(kpi_rows)}</div><div><h3>Rejected requests</h3>{rejections}</div></div>
<h2>Demand and waiting</h2>
<div class="grid"><img src="{plots["hourly"]}" alt="requests per hour"><img src="{plots["waits"]}" alt="waits"></div>
<h2>Fleet</h2>
<img src="{plots["occupancy"]}" alt="occupancy over the day">
<h2>Where the shuttles drive</h2>
<img src="{plots["map"]}" alt="map of passages">
{acc}
{lu}
{privacy}
</body></html>
"""


def write_html(result: Result, path: Path) -> None:
    """Write the report to ``path`` (with the land-use section when the result has one)."""
    landuse = result.landuse.summary if result.landuse is not None else None
    write_text(render_html(result, landuse), path)
