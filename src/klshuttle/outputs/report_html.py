"""A one-file HTML report of a run, for planners and the urban-development office.

The page holds the KPIs, rejections by reason, hourly demand, the waiting-time
distribution, fleet occupancy over the day, a map of shuttle passages per
road segment and the land-use impact. Plots are drawn with matplotlib (Agg)
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
    lu = ""
    if landuse is not None:
        sp, ar, veh_km = (
            landuse["parking_spaces_freed"],
            landuse["area_freed_m2"],
            landuse["vehicle_km_per_day"],
        )
        lu = f"""<h2>Land use</h2>
<p class="note">Estimate with the parameters of the scenario's [landuse] table; see landuse.json for the
parameters and their sources, landuse.geojson for the places.</p>
{
            _table(
                [
                    ("cars replaced", landuse["cars_replaced"]["estimate"]),
                    ("car trips avoided per day", landuse["car_trips_avoided_per_day"]),
                    ("parking spaces freed", sp["total"]),
                    ("  on the street", sp["on_street"]),
                    ("  in car parks", sp["off_street"]),
                    ("area freed (m²)", ar["total"]),
                    ("shuttle vehicle-km per day", veh_km["shuttles"]),
                    ("car vehicle-km avoided per day", veh_km["cars_avoided"]),
                ]
            )
        }"""
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
{lu}
{privacy}
</body></html>
"""


def write_html(result: Result, path: Path) -> None:
    """Write the report to ``path`` (with the land-use section when the result has one)."""
    landuse = result.landuse.summary if result.landuse is not None else None
    write_text(render_html(result, landuse), path)
