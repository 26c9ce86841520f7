"""Trips between homes and a rail hub, timed to the trains (``feeder``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import DemandError
from ..graph import to_lonlat, to_metric
from ..osmfeatures import BUILDING_RESIDENTIAL
from ..scenario import FeederDemand
from .gtfs import read_gtfs_train_times
from .registry import register_model
from .requests import format_clock
from .trips import (
    DemandContext,
    Pool,
    Trips,
    building_pool,
    check_trip_count,
    group_sizes,
    tag_array,
)

__all__ = ["feeder_trips"]


@register_model("feeder")
def feeder_trips(
    model: FeederDemand, ctx: DemandContext, rng: np.random.Generator, where: str
) -> Trips:
    """Trips of the ``feeder`` model: homes to the hub before departures, back after arrivals.

    Train times come from the scenario or a GTFS feed; trips outside the demand
    window are dropped (and counted).
    """
    name = model.name or model.type
    lon, lat, hub_label = ctx.locate(model.hub, f"{where}.hub")
    if not ctx.area.contains(lon, lat)[0]:
        raise DemandError(f"{ctx.label}: {where}.hub: {hub_label!r} lies outside the service area")
    if model.trains is not None:
        departures = np.array(sorted(model.trains.departures), dtype=np.float64)
        arrivals = np.array(sorted(model.trains.arrivals), dtype=np.float64)
    else:
        assert model.gtfs is not None  # the schema requires one of the two
        departures, arrivals = read_gtfs_train_times(
            Path(model.gtfs.feed),
            model.gtfs.stop_name,
            model.gtfs.date,
            tuple(model.gtfs.route_types),
            where=f"{ctx.label}: {where}.gtfs",
        )
    check_trip_count(
        len(departures) * model.riders_per_departure + len(arrivals) * model.riders_per_arrival,
        f"{ctx.label}: {where}.riders_per_departure",
        f"{model.riders_per_departure:,} x {len(departures):,} departures + "
        f"{model.riders_per_arrival:,} x {len(arrivals):,} arrivals",
    )
    homes = building_pool(ctx, BUILDING_RESIDENTIAL, where, "residential buildings")
    hx, hy = to_metric(lon, lat)
    far = np.hypot(homes.x - hx, homes.y - hy) >= model.min_distance_m
    if not far.any():
        raise DemandError(
            f"{ctx.label}: {where}.min_distance_m: no home in the service area lies "
            f"{model.min_distance_m:g} m or more from {hub_label}"
        )
    homes = Pool(homes.x[far], homes.y[far], homes.w[far])
    lo, hi = model.lead_time_s
    dep = np.repeat(departures, model.riders_per_departure)
    t_to = np.floor(dep - lo - rng.random(len(dep)) * (hi - lo))
    elo, ehi = model.egress_time_s
    arr = np.repeat(arrivals, model.riders_per_arrival)
    t_from = np.ceil(arr + elo + rng.random(len(arr)) * (ehi - elo))
    times = np.concatenate([t_to, t_from])
    to_hub = np.concatenate([np.ones(len(t_to), bool), np.zeros(len(t_from), bool)])
    train = np.concatenate(
        [[f"dep {format_clock(t)[:5]}" for t in dep], [f"arr {format_clock(t)[:5]}" for t in arr]]
    ).astype(np.str_)
    deadline = np.concatenate([dep - model.transfer_time_s, np.full(len(arr), np.nan)])
    keep = (times >= ctx.window.start) & (times < ctx.window.end)
    dropped = int((~keep).sum())
    times, to_hub = times[keep], to_hub[keep]
    train, deadline = train[keep], deadline[keep]
    n = len(times)
    k = homes.draw(rng, n)
    h_lon, h_lat = to_lonlat(homes.x[k], homes.y[k])
    hub_lon = np.full(n, lon)
    hub_lat = np.full(n, lat)
    o_lon = np.where(to_hub, h_lon, hub_lon)
    o_lat = np.where(to_hub, h_lat, hub_lat)
    d_lon = np.where(to_hub, hub_lon, h_lon)
    d_lat = np.where(to_hub, hub_lat, h_lat)
    purpose = np.where(to_hub, "to_train", "from_train")
    return Trips(
        times,
        o_lon,
        o_lat,
        d_lon,
        d_lat,
        group_sizes(model, rng, n),
        tag_array(name, purpose),
        dropped,
        train=train,
        latest_arrival_s=deadline,
    )
