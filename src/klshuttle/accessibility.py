"""Accessibility: residents who reach key places within 10, 15, 20 minutes, before and after.

Before: walking alone on the walking network (:mod:`klshuttle.walknet`). After:
the better of walking alone and walk + wait + ride + walk with the shuttle, so
the shuttle never makes anyone's best time worse.

- Residents: the residential buildings of the map, each holding a share of the
  population in proportion to its footprint (the weights of the ``osm`` demand
  model); the caller gives the population figure.
- Walking: straight line from the building (and the destination) to its
  nearest walking-network node, then the shortest path, at the walking speed.
- The shuttle, stop-based: walk to any stop within the walk limit, wait, ride
  to any stop the service connects with the boarding stop, walk on within the
  walk limit. Door-to-door: walk to the pickup point the simulation uses, wait,
  ride, walk from the drop-off point.
- Waits and rides come from the simulated day (:func:`service_levels`): the
  wait is the ``percentile`` of the waits of the hour's requests, a rejected
  request counting as never served; a ride takes the direct road time times the
  median detour (ride / direct time) of the hour's served trips. The headline
  figures use the whole day's levels; ``by_hour`` repeats them hour by hour.

Shortest paths are scipy's multi-source Dijkstra over the walking network, one
search per destination and per stop; the rest is array arithmetic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from .graph import to_lonlat, to_metric
from .walknet import WalkGraph

__all__ = [
    "Accessibility",
    "DoorService",
    "ServiceLevel",
    "StopService",
    "accessibility",
    "service_levels",
    "travel_times",
]


class ServiceLevel(NamedTuple):
    """The wait and the ride factor of the shuttle at one time of day."""

    wait_s: float
    detour: float


@dataclass(frozen=True)
class StopService:
    """A stop-based service.

    Attributes
    ----------
    lon, lat : float64 (S,)
        Stop positions.
    ride_direct_s : float64 (S, S)
        Direct road time from stop ``s`` to stop ``t`` where the service carries
        riders from ``s`` to ``t``; ``inf`` where it does not.
    max_walk_m : float
        Longest walk to and from a stop, along the walking network.
    """

    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    ride_direct_s: NDArray[np.float64]
    max_walk_m: float


@dataclass(frozen=True)
class DoorService:
    """A door-to-door service (pickup and drop-off at the nearest road node).

    Attributes
    ----------
    board_walk_m : float64 (B,)
        Walk from each resident building to its pickup point; ``inf`` where
        the service does not pick up.
    alight_walk_m : float64 (D,)
        Walk from the drop-off point to each destination; ``inf`` where unserved.
    ride_direct_s : float64 (B, D)
        Direct road time from each pickup point to each drop-off point.
    """

    board_walk_m: NDArray[np.float64]
    alight_walk_m: NDArray[np.float64]
    ride_direct_s: NDArray[np.float64]


class Accessibility(NamedTuple):
    """Residents reaching the destinations (:func:`accessibility`).

    Attributes
    ----------
    summary : dict
        What accessibility.json holds.
    grid : DataFrame
        Grid cells with residents: ``x0_m``, ``y0_m`` (south-west corner, UTM),
        ``residents``, and per destination ``walk_min <name>`` and
        ``best_min <name>`` (resident-weighted mean minutes).
    walk_s, best_s : ndarray (B, D)
        Each resident building's time to each destination, walking and best.
    """

    summary: dict[str, Any]
    grid: pd.DataFrame
    walk_s: NDArray[np.float64]
    best_s: NDArray[np.float64]


def _percentile_wait(waits: NDArray[np.float64], q: float) -> float:
    """The ``q``-th percentile by the inverted-CDF rule (inf counts: never served)."""
    if len(waits) == 0:
        return math.inf
    w = np.sort(waits)
    return float(w[max(math.ceil(q / 100.0 * len(w)) - 1, 0)])


def _level(sub: pd.DataFrame, q: float) -> ServiceLevel | None:
    served = (sub["status"] == "served").to_numpy()
    waits = np.where(served, sub["wait_s"].to_numpy(dtype=float), math.inf)
    wait = _percentile_wait(waits, q)
    det = sub["detour_factor"].to_numpy(dtype=float)[served]
    det = det[np.isfinite(det)]
    if not math.isfinite(wait) or len(det) == 0:
        return None
    return ServiceLevel(wait, float(np.median(det)))


def service_levels(
    trips: pd.DataFrame, *, percentile: float, start_s: float, end_s: float
) -> tuple[ServiceLevel | None, list[dict[str, Any]]]:
    """The shuttle's wait and ride factor over the day and hour by hour.

    Parameters
    ----------
    trips
        One row per request: ``request_s``, ``status``, ``wait_s``, ``detour_factor``.
    percentile
        Which percentile of the waits (a rejected request counts as never served).
    start_s, end_s
        Operating hours.

    Returns
    -------
    day : ServiceLevel or None
        Over all requests; None when the service serves too few to reach the
        percentile.
    hours : list of dict
        ``hour``, ``requests``, ``served_share``, ``level`` (ServiceLevel or None)
        for each hour of the operating day.
    """
    day = _level(trips, percentile)
    hour = (trips["request_s"].to_numpy(dtype=float) // 3600).astype(int)
    rows = []
    for h in range(int(start_s // 3600), math.ceil(end_s / 3600)):
        sub = trips[hour == h]
        n = len(sub)
        rows.append(
            {
                "hour": h,
                "requests": n,
                "served_share": float((sub["status"] == "served").mean()) if n else None,
                "level": _level(sub, percentile) if n else None,
            }
        )
    return day, rows


class _Prepared(NamedTuple):
    walk_s: NDArray[np.float64]  # (B, D)
    node: NDArray[np.int64]  # (B,) residents' walk nodes
    access_s: NDArray[np.float64]  # (B,) building -> node
    board_s: NDArray[np.float64] | None  # (S, R) node set R within reach of a stop
    reach: NDArray[np.int64] | None  # (R,) walk nodes within reach
    egress_s: NDArray[np.float64] | None  # (S, D)


def _prepare(
    walk: WalkGraph,
    res_lon: NDArray[np.float64],
    res_lat: NDArray[np.float64],
    dest_lon: NDArray[np.float64],
    dest_lat: NDArray[np.float64],
    service: StopService | DoorService | None,
    speed: float,
) -> _Prepared:
    from scipy.sparse.csgraph import dijkstra

    A = walk.matrix()
    bn, bd = walk.nearest(res_lon, res_lat)
    dn, dd = walk.nearest(dest_lon, dest_lat)
    Dd = dijkstra(A, directed=True, indices=dn)  # (D, N), symmetric graph
    walk_m = bd[:, None] + Dd[:, bn].T + dd[None, :]
    board_s = reach = egress_s = None
    if isinstance(service, StopService) and len(service.lon):
        sn, sd = walk.nearest(service.lon, service.lat)
        Ds = dijkstra(A, directed=True, indices=sn) + sd[:, None]  # (S, N)
        lim = service.max_walk_m
        reach = np.flatnonzero((Ds <= lim).any(axis=0))
        sub = Ds[:, reach]
        board_s = np.where(sub <= lim, sub / speed, np.inf)
        eg = Ds[:, dn] + dd[None, :]
        egress_s = np.where(eg <= lim, eg / speed, np.inf)
    return _Prepared(walk_m / speed, bn, bd / speed, board_s, reach, egress_s)


def _shuttle_s(
    prep: _Prepared,
    service: StopService | DoorService | None,
    level: ServiceLevel | None,
    n_nodes: int,
    speed: float,
) -> NDArray[np.float64]:
    """Each resident's walk + wait + ride + walk time to each destination (inf: none)."""
    b, d = prep.walk_s.shape
    if service is None or level is None:
        return np.full((b, d), np.inf)
    if isinstance(service, DoorService):
        return (
            (service.board_walk_m[:, None] + service.alight_walk_m[None, :]) / speed
            + level.wait_s
            + level.detour * service.ride_direct_s
        )
    if prep.board_s is None or prep.egress_s is None or prep.reach is None:
        return np.full((b, d), np.inf)
    ride = level.detour * service.ride_direct_s  # (S, S)
    # from boarding stop s to destination: wait + best ride and walk on
    stop_to_dest = level.wait_s + np.min(ride[:, :, None] + prep.egress_s[None, :, :], axis=1)
    out = np.full((b, d), np.inf)
    for k in range(d):
        node_t = np.full(n_nodes, np.inf)
        node_t[prep.reach] = np.min(prep.board_s + stop_to_dest[:, k][:, None], axis=0)
        out[:, k] = prep.access_s + node_t[prep.node]
    return out


def travel_times(
    walk: WalkGraph,
    *,
    res_lon: Any,
    res_lat: Any,
    dest_lon: Any,
    dest_lat: Any,
    service: StopService | DoorService | None,
    level: ServiceLevel | None,
    walk_speed_mps: float,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Door-to-door times (s) from each resident building to each destination.

    Returns
    -------
    walk_s, best_s : ndarray (B, D)
        Walking alone, and the better of walking and walk + wait + ride + walk.
    """
    prep = _prepare(
        walk,
        np.asarray(res_lon, float),
        np.asarray(res_lat, float),
        np.asarray(dest_lon, float),
        np.asarray(dest_lat, float),
        service,
        walk_speed_mps,
    )
    shuttle = _shuttle_s(prep, service, level, walk.n_nodes, walk_speed_mps)
    return prep.walk_s, np.minimum(prep.walk_s, shuttle)


def _reached(times_s: NDArray[np.float64], persons: NDArray[np.float64], thr: list[float]) -> Any:
    return {f"{t:g}": float(persons[times_s <= t * 60.0].sum()) for t in thr}


def _grid(
    res_lon: NDArray[np.float64],
    res_lat: NDArray[np.float64],
    persons: NDArray[np.float64],
    walk_s: NDArray[np.float64],
    best_s: NDArray[np.float64],
    names: list[str],
    grid_m: float,
) -> pd.DataFrame:
    x, y = to_metric(res_lon, res_lat)
    cx = np.floor(x / grid_m).astype(np.int64)
    cy = np.floor(y / grid_m).astype(np.int64)
    cells, inv = np.unique(np.column_stack([cx, cy]), axis=0, return_inverse=True)
    inv = inv.ravel()
    n = len(cells)
    pop = np.bincount(inv, persons, n)
    cols: dict[str, Any] = {
        "x0_m": cells[:, 0] * grid_m,
        "y0_m": cells[:, 1] * grid_m,
        "residents": pop,
    }
    for k, name in enumerate(names):
        for label, t in (("walk_min", walk_s[:, k]), ("best_min", best_s[:, k])):
            finite = np.isfinite(t)
            w = np.where(finite, persons, 0.0)
            num = np.bincount(inv, w * np.where(finite, t, 0.0), n)
            den = np.bincount(inv, w, n)
            with np.errstate(invalid="ignore", divide="ignore"):
                cols[f"{label} {name}"] = np.where(den > 0, num / den / 60.0, np.nan)
    frame = pd.DataFrame(cols)
    return frame[frame["residents"] > 0].reset_index(drop=True)


def grid_polygons(grid: pd.DataFrame, grid_m: float) -> list[list[list[float]]]:
    """The lon/lat ring of each grid cell (for GeoJSON)."""
    x0 = grid["x0_m"].to_numpy(dtype=float)
    y0 = grid["y0_m"].to_numpy(dtype=float)
    xs = np.stack([x0, x0 + grid_m, x0 + grid_m, x0, x0], axis=1)
    ys = np.stack([y0, y0, y0 + grid_m, y0 + grid_m, y0], axis=1)
    lon, lat = to_lonlat(xs.ravel(), ys.ravel())
    lon = lon.reshape(xs.shape)
    lat = lat.reshape(ys.shape)
    return [
        [[round(float(a), 7), round(float(b), 7)] for a, b in zip(lo, la, strict=True)]
        for lo, la in zip(lon, lat, strict=True)
    ]


def accessibility(
    *,
    walk: WalkGraph,
    res_lon: Any,
    res_lat: Any,
    persons: Any,
    destinations: list[tuple[str, float, float]],
    service: StopService | DoorService | None,
    day: ServiceLevel | None,
    hours: list[dict[str, Any]],
    walk_speed_mps: float,
    thresholds_min: list[float],
    grid_m: float,
    info: dict[str, Any] | None = None,
) -> Accessibility:
    """Residents within each threshold of each destination, walking and with the shuttle.

    Parameters
    ----------
    walk
        The walking network.
    res_lon, res_lat, persons
        Resident buildings and the residents each holds.
    destinations
        ``(name, lon, lat)`` of each destination.
    service
        The shuttle (:class:`StopService`, :class:`DoorService`) or None.
    day, hours
        Service levels over the day and by hour (:func:`service_levels`).
    walk_speed_mps
        Walking speed.
    thresholds_min
        Door-to-door time limits in minutes.
    grid_m
        Side of the grid cells.
    info
        Extra entries for the summary (scenario, run id, sources).

    Returns
    -------
    Accessibility
    """
    res_lon = np.asarray(res_lon, float)
    res_lat = np.asarray(res_lat, float)
    persons = np.asarray(persons, float)
    names = [d[0] for d in destinations]
    d_lon = np.array([d[1] for d in destinations], dtype=float)
    d_lat = np.array([d[2] for d in destinations], dtype=float)
    prep = _prepare(walk, res_lon, res_lat, d_lon, d_lat, service, walk_speed_mps)
    walk_s = prep.walk_s
    best_s = np.minimum(walk_s, _shuttle_s(prep, service, day, walk.n_nodes, walk_speed_mps))
    hourly = []
    for row in hours:
        lvl = row["level"]
        times = (
            np.minimum(walk_s, _shuttle_s(prep, service, lvl, walk.n_nodes, walk_speed_mps))
            if lvl is not None
            else walk_s
        )
        hourly.append((row, times))
    dests = []
    for k, (name, lon, lat) in enumerate(destinations):
        before = _reached(walk_s[:, k], persons, thresholds_min)
        after = _reached(best_s[:, k], persons, thresholds_min)
        faster = best_s[:, k] < walk_s[:, k] - 1e-9
        saved_min = (walk_s[faster, k] - best_s[faster, k]) / 60.0
        dests.append(
            {
                "name": name,
                "lon": float(lon),
                "lat": float(lat),
                "residents_within": {
                    t: {
                        "walk": round(before[t]),
                        "walk_and_shuttle": round(after[t]),
                        "gain": round(after[t]) - round(before[t]),
                    }
                    for t in before
                },
                "residents_faster_with_shuttle": round(float(persons[faster].sum())),
                "median_minutes_saved_by_them": (
                    round(float(np.median(saved_min)), 1) if faster.any() else None
                ),
                "by_hour": [
                    {
                        "hour": row["hour"],
                        "shuttle": row["level"] is not None,
                        **{
                            t: round(v)
                            for t, v in _reached(times[:, k], persons, thresholds_min).items()
                        },
                    }
                    for row, times in hourly
                ],
            }
        )
    summary: dict[str, Any] = {
        **(info or {}),
        "thresholds_min": list(thresholds_min),
        "residents_total": round(float(persons.sum())),
        "walk_network": {
            "nodes": walk.n_nodes,
            "edges": len(walk.indices) // 2,
            "walk_speed_mps": walk_speed_mps,
        },
        "service_level": {
            "day": None if day is None else {"wait_s": day.wait_s, "detour": day.detour},
            "hours": [
                {
                    "hour": r["hour"],
                    "requests": r["requests"],
                    "served_share": r["served_share"],
                    "wait_s": None if r["level"] is None else r["level"].wait_s,
                    "detour": None if r["level"] is None else r["level"].detour,
                }
                for r in hours
            ],
        },
        "destinations": dests,
    }
    grid = _grid(res_lon, res_lat, persons, walk_s, best_s, names, grid_m)
    return Accessibility(summary, grid, walk_s, best_s)
