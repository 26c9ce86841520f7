"""Zone-to-zone trip counts; points drawn in the zones (``od_matrix``)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray

from ..errors import DemandError
from ..graph import to_lonlat, to_metric
from ..scenario import MAX_TRIPS, OdMatrixDemand, display_path
from .profile import sample_times
from .registry import register_model
from .trips import DemandContext, Pool, Trips, check_trip_count, group_sizes, tag_array

__all__ = ["od_matrix_trips"]


def _read_zones(model: OdMatrixDemand, ctx: DemandContext, where: str) -> list[tuple[str, Any]]:
    if model.zones is not None:
        return [(z.name, shapely.Polygon(z.polygon)) for z in model.zones]
    path = Path(str(model.zones_file))
    shown = display_path(path)
    if not path.is_file():
        raise DemandError(f"{ctx.label}: {where}.zones_file: file not found: {shown}")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        features = data["features"] if data.get("type") == "FeatureCollection" else [data]
    except (json.JSONDecodeError, UnicodeDecodeError, AttributeError, KeyError) as exc:
        raise DemandError(f"{shown}: not a GeoJSON FeatureCollection ({exc})") from None
    except RecursionError:
        raise DemandError(f"{shown}: not a GeoJSON FeatureCollection (nested too deeply)") from None
    if not isinstance(features, list):
        raise DemandError(
            f"{shown}: features must be a list of GeoJSON features, got {type(features).__name__}"
        )
    zones = []
    for i, feat in enumerate(features):
        if not isinstance(feat, dict):
            raise DemandError(
                f"{shown}: feature {i}: expected a GeoJSON feature (an object), "
                f"got {type(feat).__name__}"
            )
        props = feat.get("properties") or {}
        if not isinstance(props, dict):
            raise DemandError(f"{shown}: feature {i}: properties must be an object")
        if model.zone_property not in props:
            raise DemandError(f"{shown}: feature {i} has no property {model.zone_property!r}")
        try:
            geom = shapely.geometry.shape(feat["geometry"])
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise DemandError(f"{shown}: feature {i}: unreadable geometry ({exc})") from None
        if geom.geom_type not in ("Polygon", "MultiPolygon") or geom.is_empty:
            raise DemandError(f"{shown}: feature {i}: expected a Polygon, got {geom.geom_type}")
        zones.append((str(props[model.zone_property]), geom))
    names = [z[0] for z in zones]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise DemandError(f"{shown}: zone {dup[0]!r} appears twice")
    return zones


def _read_matrix(
    model: OdMatrixDemand, names: list[str], ctx: DemandContext, where: str
) -> NDArray[np.int64]:
    n = len(names)
    if model.matrix is not None:
        m = np.array(model.matrix, dtype=np.int64)
        if m.shape != (n, n):
            raise DemandError(f"{ctx.label}: {where}.matrix: must be {n} x {n} for {n} zones")
        return m
    path = Path(str(model.matrix_file))
    shown = display_path(path)
    if not path.is_file():
        raise DemandError(f"{ctx.label}: {where}.matrix_file: file not found: {shown}")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DemandError(f"{shown}: not UTF-8 text (byte {exc.start})") from None
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or [h.strip() for h in rows[0]] != ["origin", "destination", "trips"]:
        raise DemandError(f"{shown}: line 1: expected the header origin,destination,trips")
    index = {z: i for i, z in enumerate(names)}
    m = np.zeros((n, n), dtype=np.int64)
    for line, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        if len(row) != 3:
            raise DemandError(f"{shown}: line {line}: expected 3 fields, got {len(row)}")
        o, d, t = (c.strip() for c in row)
        for column, z in (("origin", o), ("destination", d)):
            if z not in index:
                raise DemandError(f"{shown}: line {line}, column {column}: unknown zone {z!r}")
        if not (t.isascii() and t.isdigit()) or int(t) > MAX_TRIPS:
            raise DemandError(
                f"{shown}: line {line}, column trips: expected a whole number from 0 to "
                f"{MAX_TRIPS:,}, got {t[:30]!r}"
            )
        m[index[o], index[d]] += int(t)
        if m[index[o], index[d]] > MAX_TRIPS:
            raise DemandError(
                f"{shown}: line {line}: {o} -> {d} adds up to more than {MAX_TRIPS:,} trips"
            )
    if m.sum() == 0:
        raise DemandError(f"{shown}: the matrix holds no trips")
    return m


@register_model("od_matrix")
def od_matrix_trips(
    model: OdMatrixDemand, ctx: DemandContext, rng: np.random.Generator, where: str
) -> Trips:
    """Trips of the ``od_matrix`` model: zone-to-zone counts, points drawn in the zones.

    Points are uniform in each zone (clipped to the service area) or drawn
    from its homes and commercial buildings by footprint area.
    """
    name = model.name or model.type
    zones = _read_zones(model, ctx, where)
    names = [z for z, _ in zones]
    m = _read_matrix(model, names, ctx, where)
    key = "matrix_file" if model.matrix_file is not None else "matrix"
    check_trip_count(int(m.sum()), f"{ctx.label}: {where}.{key}", "the sum of the matrix")
    needed = np.flatnonzero((m.sum(axis=1) + m.sum(axis=0)) > 0)
    # each zone clipped to the service area, in metres
    clipped: dict[np.intp, Any] = {}
    for z in needed:
        poly_m = shapely.transform(
            shapely.make_valid(zones[z][1]),
            lambda xy: np.column_stack(to_metric(xy[:, 0], xy[:, 1])),
        )
        part = shapely.intersection(poly_m, ctx.area.polygon_m)
        if part.is_empty or part.area <= 0:
            raise DemandError(
                f"{ctx.label}: {where}: zone {names[z]!r} lies outside the service area"
            )
        clipped[z] = part
    pools: dict[np.intp, Pool] = {}
    if model.placement == "buildings":
        f = ctx.features()
        for z in needed:
            sel = np.asarray(
                shapely.contains_xy(clipped[z], f.building_x, f.building_y), dtype=np.bool_
            )
            sel &= f.building_use != 0
            if not sel.any():
                raise DemandError(
                    f"{ctx.label}: {where}: zone {names[z]!r} holds no homes or commercial "
                    'buildings in the service area; use placement = "uniform"'
                )
            pools[z] = Pool(f.building_x[sel], f.building_y[sel], f.building_area_m2[sel])
    total = int(m.sum())
    o_zone = np.repeat(np.repeat(np.arange(len(names)), len(names)), m.ravel())
    d_zone = np.repeat(np.tile(np.arange(len(names)), len(names)), m.ravel())
    times, _ = sample_times(
        rng, total, model.time_profile, ctx.window, f"{ctx.label}: {where}.time_profile"
    )
    times = rng.permutation(times)
    ox, oy = np.empty(total), np.empty(total)
    dx, dy = np.empty(total), np.empty(total)
    for zone_of, xs, ys in ((o_zone, ox, oy), (d_zone, dx, dy)):
        for z in np.unique(zone_of):
            idx = np.flatnonzero(zone_of == z)
            if model.placement == "buildings":
                k = pools[z].draw(rng, len(idx))
                xs[idx], ys[idx] = pools[z].x[k], pools[z].y[k]
            else:
                xs[idx], ys[idx] = _uniform_points(clipped[z], len(idx), rng)
    o_lon, o_lat = to_lonlat(ox, oy)
    d_lon, d_lat = to_lonlat(dx, dy)
    zn = np.array(names, dtype=str)
    purpose = np.char.add(np.char.add(zn[o_zone], ">"), zn[d_zone])
    return Trips(
        times, o_lon, o_lat, d_lon, d_lat, group_sizes(model, rng, total), tag_array(name, purpose)
    )


def _uniform_points(
    poly: Any, n: int, rng: np.random.Generator
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """``n`` points uniform in a metric polygon (rejection sampling in its bounds)."""
    minx, miny, maxx, maxy = poly.bounds
    xs: list[NDArray[np.float64]] = []
    ys: list[NDArray[np.float64]] = []
    got = 0
    shapely.prepare(poly)
    while got < n:
        k = max(16, int((n - got) * 1.5 * (maxx - minx) * (maxy - miny) / max(poly.area, 1e-9)))
        x = minx + rng.random(k) * (maxx - minx)
        y = miny + rng.random(k) * (maxy - miny)
        inside = shapely.contains_xy(poly, x, y)
        xs.append(x[inside])
        ys.append(y[inside])
        got += int(inside.sum())
    return np.concatenate(xs)[:n], np.concatenate(ys)[:n]
