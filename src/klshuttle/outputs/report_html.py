"""A one-file HTML report of a run, for planners and the urban-development office.

The page holds the KPIs, rejections by reason, hourly demand, the waiting-time
distribution, fleet occupancy over the day, a map of shuttle passages per
road segment and the land-use impact. Plots are drawn with matplotlib (Agg)
and embedded as PNG, so the page needs nothing else and opens offline.
"""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ._io import write_text

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


def _plots(result: Result) -> dict[str, str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    trips = result.trips
    served = trips["status"] == "served"
    out: dict[str, str] = {}
    # hourly demand
    hours = np.arange(0, 25)
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.hist(
        [trips.loc[served, "request_s"] / 3600, trips.loc[~served, "request_s"] / 3600],
        bins=hours,
        stacked=True,
        label=["served", "rejected"],
        color=["#2b7bba", "#d95f02"],
    )
    ax.set_xlabel("hour of day")
    ax.set_ylabel("requests")
    ax.legend(frameon=False)
    out["hourly"] = _png(fig)
    # waits
    fig, ax = plt.subplots(figsize=(6, 3))
    waits = trips.loc[served, "wait_s"].to_numpy() / 60
    ax.hist(waits, bins=30, color="#2b7bba")
    ax.set_xlabel("wait at the stop (min)")
    ax.set_ylabel("trips")
    out["waits"] = _png(fig)
    # occupancy over the day from the legs
    legs = result.log.legs
    fig, ax = plt.subplots(figsize=(6, 3))
    if len(legs["t0_s"]):
        grid = np.arange(result.log.start_s, max(result.log.end_s, legs["t1_s"].max()) + 300, 300.0)
        # a leg counts at every grid time in [t0, t1): +1 where it starts, -1 where it ends
        a = np.searchsorted(grid, legs["t0_s"], side="left")
        b = np.searchsorted(grid, legs["t1_s"], side="left")
        n = len(grid) + 1
        driving = np.cumsum(np.bincount(a, minlength=n) - np.bincount(b, minlength=n))[:-1]
        load = legs["load"].astype(float)
        pax = np.cumsum(np.bincount(a, load, n) - np.bincount(b, load, n))[:-1]
        ax.plot(grid / 3600, driving, label="vehicles driving", color="#555")
        ax.plot(grid / 3600, pax, label="passengers on board", color="#2b7bba")
    ax.set_xlabel("hour of day")
    ax.legend(frameon=False)
    out["occupancy"] = _png(fig)
    # map of passages
    from matplotlib.collections import LineCollection

    graph = result.resolved.graph
    loads = result.link_loads

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


#: Report rows: label, KPI key, how to show it ("pct" for shares).
_KPI_ROWS: tuple[tuple[str, str, str], ...] = (
    ("requests", "requests", ""),
    ("served", "served", ""),
    ("served share", "served_share", "pct"),
    ("passengers served", "passengers_served", ""),
    ("mean wait (s)", "wait_mean_s", ""),
    ("95th-percentile wait (s)", "wait_p95_s", ""),
    ("mean ride (s)", "ride_mean_s", ""),
    ("mean ride / direct time", "detour_mean", ""),
    ("95th-percentile ride / direct time", "detour_p95", ""),
    ("walking the whole way would be faster", "walk_faster_share", "pct"),
    ("pooling rate (on demand)", "pooling_rate", "pct"),
    ("vehicles", "vehicles", ""),
    ("vehicles used", "vehicles_used", ""),
    ("vehicle-km", "vehicle_km", ""),
    ("empty share of vehicle-km", "empty_share", "pct"),
    ("passenger-km", "passenger_km", ""),
    ("passengers per vehicle-hour", "passengers_per_vehicle_hour", ""),
    ("vehicle-km per passenger-km", "vehicle_km_per_passenger_km", ""),
)


def _kpi_table(blocks: list[tuple[str, dict[str, Any]]]) -> str:
    """The KPIs, one column per block (all, and each service of a hybrid run)."""

    def cell(value: Any, how: str) -> str:
        if how == "pct" and value is not None:
            return f"{100 * value:.1f} %"
        return _fmt(value)

    head = ""
    if len(blocks) > 1:
        names = "".join(f"<th>{html.escape(n.replace('_', ' '))}</th>" for n, _ in blocks)
        head = f"<tr><th></th>{names}</tr>"
    body = "".join(
        f"<tr><th>{html.escape(label)}</th>"
        + "".join(f"<td>{cell(k.get(key), how)}</td>" for _, k in blocks)
        + "</tr>"
        for label, key, how in _KPI_ROWS
    )
    return f"<table>{head}{body}</table>"


def render_html(result: Result, landuse: dict[str, Any] | None = None) -> str:
    """The report as one HTML string."""
    sc = result.scenario
    k = result.kpis
    plots = _plots(result)
    blocks = [("all", k), *k.get("by_service", {}).items()]
    kpi_table = _kpi_table(blocks)
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
<div class="grid"><div>{kpi_table}</div><div><h3>Rejected requests</h3>{rejections}</div></div>
<p class="note">Wait: from being at the stop until the shuttle arrives. Ride: from leaving the
pickup stop until arriving at the drop-off stop (the dwell at the pickup stop is neither).
Pooling rate: share of served on-demand trips that shared the vehicle.</p>
<h2>Demand and waiting</h2>
<div class="grid"><img src="{plots["hourly"]}" alt="requests per hour"><img src="{plots["waits"]}" alt="waits"></div>
<h2>Fleet</h2>
<img src="{plots["occupancy"]}" alt="occupancy over the day">
<h2>Where the shuttles drive</h2>
<img src="{plots["map"]}" alt="map of passages">
{lu}
</body></html>
"""


def write_html(result: Result, path: Path) -> None:
    """Write the report to ``path`` (with the land-use section when the result has one)."""
    landuse = result.landuse.summary if result.landuse is not None else None
    write_text(render_html(result, landuse), path)
