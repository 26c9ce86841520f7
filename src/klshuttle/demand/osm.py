"""Trips per day from OSM buildings: homes to hubs, shops and other homes (``osm``)."""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import NDArray

from ..errors import DemandError
from ..graph import to_lonlat, to_metric
from ..osmfeatures import BUILDING_COMMERCIAL, BUILDING_RESIDENTIAL
from ..scenario import OsmDemand
from .profile import sample_times
from .registry import register_model
from .trips import (
    DemandContext,
    Pool,
    Trips,
    building_pool,
    check_trip_count,
    group_sizes,
    tag_array,
)

__all__ = ["osm_trips"]


@register_model("osm")
def osm_trips(model: OsmDemand, ctx: DemandContext, rng: np.random.Generator, where: str) -> Trips:
    """Trips of the ``osm`` model: homes weighted by footprint to hubs, shops and homes.

    The day's total is split over the hours by the time profile; each trip
    leaves home with the profile's outbound share of its hour.
    """
    name = model.name or model.type
    check_trip_count(model.trips_per_day, f"{ctx.label}: {where}.trips_per_day", "trips_per_day")
    homes = building_pool(ctx, BUILDING_RESIDENTIAL, where, "residential buildings")
    times, p_out = sample_times(
        rng,
        model.trips_per_day,
        model.time_profile,
        ctx.window,
        f"{ctx.label}: {where}.time_profile",
    )
    n = len(times)
    kinds: tuple[Literal["hubs", "commercial", "residential"], ...] = (
        "hubs",
        "commercial",
        "residential",
    )
    categories = [c for c in kinds if model.destination_shares.get(c, 0) > 0]
    pools: dict[str, Pool] = {}
    hub_labels: list[str] = []
    if "hubs" in categories:
        hx, hy, hw = [], [], []
        for hub, weight in model.hubs.items():
            lon, lat, label = ctx.locate(hub, f"{where}.hubs.{hub}")
            if not ctx.area.contains(lon, lat)[0]:
                raise DemandError(
                    f"{ctx.label}: {where}.hubs: {hub!r} lies outside the service area"
                )
            x, y = to_metric(lon, lat)
            hx.append(float(x))
            hy.append(float(y))
            hw.append(weight)
            hub_labels.append(label)
        if sum(hw) <= 0:
            raise DemandError(f"{ctx.label}: {where}.hubs: all hub weights are zero")
        pools["hubs"] = Pool(np.array(hx), np.array(hy), np.array(hw))
    if "commercial" in categories:
        pools["commercial"] = building_pool(
            ctx,
            BUILDING_COMMERCIAL,
            where,
            "commercial buildings (set destination_shares.commercial = 0)",
        )
    if "residential" in categories:
        pools["residential"] = homes
    shares = np.array([model.destination_shares[c] for c in categories])
    cat = rng.choice(len(categories), size=n, p=shares / shares.sum())
    outbound = rng.random(n) < p_out
    home_i = homes.draw(rng, n)
    dest_x = np.empty(n)
    dest_y = np.empty(n)

    def draw_dest(idx: NDArray[np.int64]) -> None:
        for ci, c in enumerate(categories):
            sel = idx[cat[idx] == ci]
            if len(sel):
                k = pools[c].draw(rng, len(sel))
                dest_x[sel], dest_y[sel] = pools[c].x[k], pools[c].y[k]

    draw_dest(np.arange(n))
    # trips shorter than min_trip_m are walked: draw again (home and destination)
    for _ in range(50):
        short = np.flatnonzero(
            np.hypot(homes.x[home_i] - dest_x, homes.y[home_i] - dest_y)
            < max(model.min_trip_m, 1.0)
        )
        if len(short) == 0:
            break
        home_i[short] = homes.draw(rng, len(short))
        draw_dest(short)
    else:
        raise DemandError(
            f"{ctx.label}: {where}.min_trip_m: {len(short)} trips find no destination at least "
            f"{model.min_trip_m:g} m from home in the service area; lower min_trip_m"
        )
    home_x, home_y = homes.x[home_i], homes.y[home_i]
    ox = np.where(outbound, home_x, dest_x)
    oy = np.where(outbound, home_y, dest_y)
    dx = np.where(outbound, dest_x, home_x)
    dy = np.where(outbound, dest_y, home_y)
    o_lon, o_lat = to_lonlat(ox, oy)
    d_lon, d_lat = to_lonlat(dx, dy)
    cat_names = np.array(["hub", "commercial", "home"])[
        [("hubs", "commercial", "residential").index(c) for c in categories]
    ][cat]
    purpose = np.where(outbound, np.char.add("home-", cat_names), np.char.add(cat_names, "-home"))
    return Trips(
        times, o_lon, o_lat, d_lon, d_lat, group_sizes(model, rng, n), tag_array(name, purpose)
    )
