"""Maps of the service area: where the shuttles drive, and what the city gains.

Both maps are drawn in ETRS89 / UTM 32N metres, framed on the service area's
bounds plus a margin, with a scale bar and a north arrow (grid north; at
Kaiserslautern, 7.75° E, it is within 1° of true north).

1. :func:`service_map`: every road in grey, link loads as blue lines whose width
   is the passages a day (legend), the service area outline, stops as circles
   whose area is boardings + alightings, the busiest street names, the busiest
   stops, hubs and depots labelled. Loads and stop counts as the public files
   give them (:func:`..privacy.public_link_loads`, :func:`..privacy.public_stops`):
   segments with 1 to k - 1 riders are not drawn, small stop counts are merged.
2. :func:`benefit_map`: minutes saved to the first accessibility destination
   per grid cell (green), and where parking spaces are freed (central case:
   streets as red lines by spaces, car parks as red areas).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from ...graph import to_metric
from ...places import find_place
from ..privacy import public_link_loads, public_stops
from .figures import png, pyplot
from .fmt import num
from .i18n import tr

if TYPE_CHECKING:
    from ...result import Result

__all__ = ["benefit_map", "frame_m", "hubs", "nice_length_m", "service_map", "stop_activity"]

#: Street names labelled on the service map, at most.
N_STREET_LABELS = 6
#: Stops labelled by name (the busiest), at most.
N_STOP_LABELS = 5
_HALO: list[Any] = []


def _halo() -> list[Any]:
    if not _HALO:
        from matplotlib import patheffects

        _HALO.append(patheffects.withStroke(linewidth=2.5, foreground="white"))
    return _HALO


def frame_m(result: Result, margin: float = 0.08) -> tuple[float, float, float, float]:
    """The map frame: the service area's bounds (m) plus ``margin`` of its larger side (>= 250 m)."""
    x0, y0, x1, y1 = result.resolved.area.polygon_m.bounds
    pad = max(margin * max(x1 - x0, y1 - y0), 250.0)
    return x0 - pad, y0 - pad, x1 + pad, y1 + pad


def nice_length_m(width_m: float) -> float:
    """A round scale-bar length near a fifth of the frame width (1, 2, 2.5 or 5 x 10^k m)."""
    target = width_m / 5.0
    exp = 10.0 ** math.floor(math.log10(target))
    return max((f * exp for f in (1.0, 2.0, 2.5, 5.0) if f * exp <= target), default=exp)


def stop_activity(result: Result) -> np.ndarray:
    """Boardings + alightings per stop as a public file shows them, indexed by stop id.

    Passengers of served trips, from :func:`..privacy.public_stops`: a stop
    where 1 to k - 1 trips board (alight) has them merged into the nearest
    stop with riders. Door-to-door trips name no stop and count nowhere.
    """
    stops, _ = public_stops(result)
    return (stops["boardings"] + stops["alightings"]).to_numpy(dtype=np.int64)


def hubs(result: Result) -> list[tuple[str, float, float]]:
    """Named hubs of the scenario (feeder hubs, OSM-model hubs, accessibility
    destinations) as (name, lon, lat), each name once."""
    names: list[str] = []
    for model in result.scenario.demand.models:
        hub = getattr(model, "hub", None)
        if isinstance(hub, str):
            names.append(hub)
        names.extend(str(h) for h in (getattr(model, "hubs", None) or {}))
    found: dict[str, tuple[float, float]] = {}
    for name in names:
        place = find_place(name)
        if place is not None and name not in found:
            found[name] = (place.lon, place.lat)
    if result.accessibility is not None:
        for d in result.accessibility.summary["destinations"]:
            found.setdefault(d["name"], (float(d["lon"]), float(d["lat"])))
    return [(name, lon, lat) for name, (lon, lat) in found.items()]


def _edge_segments(result: Result, edges: np.ndarray) -> list[np.ndarray]:
    graph = result.resolved.graph
    ptr = graph.geom_indptr
    x, y = _geom_xy(result)
    return [np.column_stack([x[ptr[k] : ptr[k + 1]], y[ptr[k] : ptr[k + 1]]]) for k in edges]


_XY_CACHE: dict[int, tuple[np.ndarray, np.ndarray]] = {}


def _geom_xy(result: Result) -> tuple[np.ndarray, np.ndarray]:
    graph = result.resolved.graph
    key = id(graph)
    if key not in _XY_CACHE:
        _XY_CACHE.clear()
        _XY_CACHE[key] = to_metric(graph.geom_lon, graph.geom_lat)
    return _XY_CACHE[key]


def _base(
    result: Result, lang: str, figsize: tuple[float, float]
) -> tuple[Any, Any, tuple[float, ...]]:
    """Figure, axes, frame: grey roads in the frame, the area outline, scale bar, north arrow."""
    from matplotlib.collections import LineCollection
    from mpl_toolkits.axes_grid1.anchored_artists import (  # type: ignore[import-untyped]
        AnchoredSizeBar,
    )

    plt = pyplot(lang)
    graph = result.resolved.graph
    x0, y0, x1, y1 = frame = frame_m(result)
    nx_, ny_ = to_metric(graph.lon, graph.lat)
    src = graph.edge_source
    dst = graph.indices
    inside = (nx_ >= x0) & (nx_ <= x1) & (ny_ >= y0) & (ny_ <= y1)
    edges = np.flatnonzero(inside[src] | inside[dst])
    fig, ax = plt.subplots(figsize=figsize)
    ax.add_collection(
        LineCollection(_edge_segments(result, edges), colors="#cfcfcf", linewidths=0.5)
    )
    poly = result.resolved.area.polygon_m
    for part in getattr(poly, "geoms", [poly]):
        px, py = part.exterior.xy
        ax.plot(px, py, color="#777", lw=1.0, ls="--", label=tr("m.area", lang))
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    length = nice_length_m(x1 - x0)
    label = (
        f"{num(length / 1000, lang, 1 if length % 1000 else 0)} km"
        if length >= 1000
        else f"{length:g} m"
    )
    ax.add_artist(
        AnchoredSizeBar(
            ax.transData, length, label, "lower left", frameon=True, size_vertical=(y1 - y0) / 200
        )
    )
    ax.annotate(
        "N",
        xy=(0.965, 0.97),
        xytext=(0.965, 0.87),
        xycoords="axes fraction",
        ha="center",
        va="center",
        fontsize=11,
        fontweight="bold",
        arrowprops={"arrowstyle": "-|>", "color": "black", "lw": 1.5},
    )
    return fig, ax, frame


def _label(ax: Any, x: float, y: float, text: str, **kw: Any) -> None:
    ax.annotate(text, (x, y), fontsize=kw.pop("fontsize", 8), path_effects=_halo(), zorder=6, **kw)


def service_map(result: Result, lang: str) -> str:
    """The map of shuttle passages, stops, hubs and depots (PNG data URI)."""
    from matplotlib.collections import LineCollection
    from matplotlib.lines import Line2D

    fig, ax, (x0, y0, x1, y1) = _base(result, lang, (11.0, 8.6))
    # segments with fewer than k vehicles or 1 to k - 1 riders are not drawn
    loads, _ = public_link_loads(result)
    handles: list[Any] = [Line2D([], [], color="#777", lw=1.0, ls="--", label=tr("m.area", lang))]
    if len(loads):
        passages = loads["passages"].to_numpy(dtype=float)
        pmax = float(passages.max())

        def width(p: Any) -> Any:
            return 0.6 + 5.4 * np.asarray(p, dtype=float) / pmax

        ax.add_collection(
            LineCollection(
                _edge_segments(result, loads["edge"].to_numpy()),
                colors="#2b7bba",
                linewidths=width(passages),
                alpha=0.85,
                zorder=2,
            )
        )
        for frac in (1.0, 0.5, 0.1):
            v = float(f"{pmax * frac:.2g}")
            if v >= 1:
                handles.append(
                    Line2D(
                        [],
                        [],
                        color="#2b7bba",
                        lw=float(width(v)),
                        label=f"{num(v, lang)} {tr('m.passages', lang)}",
                    )
                )
        # the busiest streets by vehicle-km, one label each at its busiest segment
        named = loads[loads["name"].astype(str) != ""]
        if len(named):
            top = (
                named.groupby("name")["vehicle_km"]
                .sum()
                .sort_values(ascending=False, kind="stable")
            )
            xg, yg = _geom_xy(result)
            ptr = result.resolved.graph.geom_indptr
            for name in top.index[:N_STREET_LABELS]:
                rows = named[named["name"] == name]
                k = int(rows["edge"].to_numpy()[int(np.argmax(rows["passages"].to_numpy()))])
                a, b = int(ptr[k]), int(ptr[k + 1])
                mx, my = float(xg[a:b].mean()), float(yg[a:b].mean())
                dx, dy = float(xg[b - 1] - xg[a]), float(yg[b - 1] - yg[a])
                ang = math.degrees(math.atan2(dy, dx)) if (dx or dy) else 0.0
                ang = ang - 180 if ang > 90 else ang + 180 if ang < -90 else ang
                if x0 <= mx <= x1 and y0 <= my <= y1:
                    _label(
                        ax,
                        mx,
                        my,
                        str(name),
                        rotation=ang,
                        rotation_mode="anchor",
                        ha="center",
                        va="center",
                        fontsize=7.5,
                        style="italic",
                        color="#234",
                    )
    stops = result.resolved.stops
    if len(stops):
        act = stop_activity(result)
        sx, sy = to_metric(stops.lon, stops.lat)
        amax = max(int(act.max()), 1)
        size = 6 + 400 * act / amax
        ax.scatter(
            sx,
            sy,
            s=size,
            facecolor="#d95f02",
            edgecolor="white",
            linewidth=0.5,
            alpha=0.85,
            zorder=4,
        )
        handles.append(
            Line2D(
                [],
                [],
                marker="o",
                ls="",
                color="#d95f02",
                markersize=math.sqrt(6 + 400),
                label=tr("m.stop_size", lang, n=num(amax, lang)),
            )
        )
        hub_names = {name for name, _, _ in hubs(result)} | {
            str(n) for n in result.resolved.depots.name
        }
        for i in np.argsort(-act, kind="stable")[:N_STOP_LABELS]:
            if act[i] > 0 and str(stops.name[i]) not in hub_names:
                _label(
                    ax,
                    float(sx[i]),
                    float(sy[i]),
                    str(stops.name[i]),
                    xytext=(5, -9),
                    textcoords="offset points",
                    fontsize=7.5,
                    color="#8a3b00",
                )
    labelled: set[str] = set()
    for name, lon, lat in hubs(result):
        hx, hy = to_metric(lon, lat)
        if x0 <= float(hx) <= x1 and y0 <= float(hy) <= y1:
            ax.scatter(
                [hx],
                [hy],
                marker="*",
                s=160,
                color="#6a1b9a",
                edgecolor="white",
                linewidth=0.6,
                zorder=5,
            )
            _label(
                ax,
                float(hx),
                float(hy),
                name,
                xytext=(7, 5),
                textcoords="offset points",
                fontsize=9,
                fontweight="bold",
                color="#4a0f70",
            )
            labelled.add(name)
    handles.append(
        Line2D([], [], marker="*", ls="", color="#6a1b9a", markersize=12, label=tr("m.hub", lang))
    )
    dep = result.resolved.depots
    if len(dep):
        dx_, dy_ = to_metric(dep.lon, dep.lat)
        ax.scatter(dx_, dy_, marker="s", s=45, color="#333", edgecolor="white", zorder=5)
        for i in range(len(dep)):
            if str(dep.name[i]) not in labelled:
                _label(
                    ax,
                    float(dx_[i]),
                    float(dy_[i]),
                    str(dep.name[i]),
                    xytext=(6, -10),
                    textcoords="offset points",
                    fontsize=8,
                    color="#333",
                )
        handles.append(
            Line2D([], [], marker="s", ls="", color="#333", markersize=6, label=tr("m.depot", lang))
        )
    ax.legend(handles=handles, loc="upper left", fontsize=7.5, framealpha=0.9)
    return png(fig)


def benefit_map(result: Result, lang: str) -> str | None:
    """Minutes saved per grid cell and parking freed (PNG data URI); None without either."""
    from matplotlib.collections import LineCollection, PolyCollection
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    acc, lu = result.accessibility, result.landuse
    if acc is None and lu is None:
        return None
    fig, ax, _ = _base(result, lang, (11.0, 8.6))
    handles: list[Any] = [Line2D([], [], color="#777", lw=1.0, ls="--", label=tr("m.area", lang))]
    if acc is not None and len(acc.grid) and acc.summary["destinations"]:
        place = acc.summary["destinations"][0]["name"]
        g = acc.grid
        side = float(result.scenario.accessibility.grid_m)
        saved = (g[f"walk_min {place}"] - g[f"best_min {place}"]).to_numpy(dtype=float)
        x = g["x0_m"].to_numpy(dtype=float)
        y = g["y0_m"].to_numpy(dtype=float)
        squares = np.stack(
            [
                np.column_stack([x, y]),
                np.column_stack([x + side, y]),
                np.column_stack([x + side, y + side]),
                np.column_stack([x, y + side]),
            ],
            axis=1,
        )
        pc = PolyCollection(
            list(squares),
            array=np.nan_to_num(saved),
            cmap="Greens",
            edgecolors="none",
            alpha=0.75,
            zorder=1,
        )
        pc.set_clim(0, max(float(np.nanmax(saved)) if np.isfinite(saved).any() else 1.0, 1.0))
        ax.add_collection(pc)
        cb = fig.colorbar(pc, ax=ax, shrink=0.7, pad=0.01)
        cb.set_label(tr("m.saved", lang, place=place))
    if lu is not None:
        streets = lu.streets[lu.streets["spaces_freed"] > 0]
        if len(streets):
            sp = streets["spaces_freed"].to_numpy(dtype=float)
            ax.add_collection(
                LineCollection(
                    _edge_segments(result, streets["edge"].to_numpy()),
                    colors="#c62828",
                    linewidths=1.0 + 4.0 * sp / sp.max(),
                    zorder=3,
                )
            )
            handles.append(Line2D([], [], color="#c62828", lw=3, label=tr("m.freed", lang)))
        lots = lu.car_parks[lu.car_parks["spaces_freed"] > 0]
        polys = []
        for geom in lots["geometry"]:
            for part in getattr(geom, "geoms", [geom]):
                lon, lat = part.exterior.xy
                px, py = to_metric(np.asarray(lon), np.asarray(lat))
                polys.append(np.column_stack([px, py]))
        if polys:
            ax.add_collection(
                PolyCollection(polys, facecolors="#e57373", edgecolors="#c62828", zorder=3)
            )
            handles.append(
                Patch(facecolor="#e57373", edgecolor="#c62828", label=tr("m.car_park", lang))
            )
    ax.legend(handles=handles, loc="upper left", fontsize=7.5, framealpha=0.9)
    return png(fig)
