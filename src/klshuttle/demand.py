"""Demand models: who wants to travel when, from where to where.

Every model of a scenario's ``[[demand.models]]`` produces trips; together
they form one :class:`Requests` table sorted by time. All randomness comes
from the scenario's seed: a :class:`numpy.random.SeedSequence` of
``demand.seed`` is split into one independent stream per model (numpy's
documented way to seed parallel streams), so adding a model never changes the
trips of the others, and the same scenario and seed give byte-identical CSV.

Models
------
``osm``
    Homes are residential buildings inside the service area, weighted by
    footprint area; destinations are hubs (named places or stops with
    weights), commercial buildings and other homes, mixed by
    ``destination_shares``. The daily total is split over the hours of the
    demand window by the time profile (largest-remainder rounding, so the
    total is exact); within an hour, trip times are uniform. A trip in hour
    ``h`` leaves home with the probability the profile gives for outbound
    trips in that hour (mornings mostly outbound, evenings mostly returning).
``feeder``
    Trips between homes and a rail hub, timed to train departures and arrivals
    (given in the scenario or read from a GTFS feed).
``csv``
    Prepared trips from a CSV file, validated row by row.
``od_matrix``
    Zone-to-zone counts with zone polygons; points drawn in the zones.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray

from .errors import DemandError, OutputExistsError
from .graph import RoadGraph, to_lonlat, to_metric
from .osmfeatures import BUILDING_COMMERCIAL, BUILDING_RESIDENTIAL, OsmFeatures
from .places import normalize_name
from .scenario import (
    CsvDemand,
    FeederDemand,
    OdMatrixDemand,
    OsmDemand,
    Scenario,
    TimeWindow,
    display_path,
    format_time,
    parse_time,
)

if TYPE_CHECKING:
    from .area import ServiceArea

__all__ = [
    "REQUEST_COLUMNS",
    "WEEKDAY_PROFILE",
    "DemandSummary",
    "Requests",
    "expected_hourly_counts",
    "generate_requests",
    "hourly_profile",
    "summarize_requests",
]

# ---------------------------------------------------------------- time profile
# Weekday hourly weights (hours 0-23) of trips leaving home (OUT) and trips
# returning home (RET). assumption: the shape, not a survey table. German
# weekday travel (MiD 2017) peaks 07-09 and 16-18; these weights approximate
# that shape. Replace them with a 24-value time_profile where counts are known.
_WEEKDAY_OUT = np.array(
    [0.0, 0.0, 0.0, 0.0, 0.2, 1.0, 3.5, 9.0, 7.5, 4.5, 3.5, 3.0,
     3.0, 2.5, 2.5, 2.5, 2.0, 1.5, 1.0, 0.8, 0.5, 0.3, 0.2, 0.1]
)  # fmt: skip
_WEEKDAY_RET = np.array(
    [0.2, 0.1, 0.0, 0.0, 0.0, 0.1, 0.3, 0.8, 1.2, 1.6, 2.2, 2.8,
     3.8, 3.6, 3.2, 4.5, 6.5, 7.0, 5.0, 3.2, 2.2, 1.6, 1.0, 0.6]
)  # fmt: skip

#: The weekday profile: hourly weights of all trips (hours 0-23).
WEEKDAY_PROFILE = _WEEKDAY_OUT + _WEEKDAY_RET


def hourly_profile(profile: str | list[float]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Return (weights, outbound share) per hour of the day for a time profile.

    ``"weekday"`` is the built-in double-peak profile; ``"flat"`` is even; a
    list gives 24 custom weights. The outbound share (the probability that a
    trip of that hour leaves home) follows the weekday shape for ``weekday``
    and custom profiles and is 0.5 for ``flat``.
    """
    share = np.where(WEEKDAY_PROFILE > 0, _WEEKDAY_OUT / np.maximum(WEEKDAY_PROFILE, 1e-12), 0.5)
    if profile == "weekday":
        return WEEKDAY_PROFILE.copy(), share
    if profile == "flat":
        return np.ones(24), np.full(24, 0.5)
    weights = np.asarray(profile, dtype=np.float64)
    return weights, share


def _slices(window: TimeWindow) -> list[tuple[float, float, int]]:
    """Split the window at full hours: (start, end, hour of day) per piece."""
    out = []
    t = window.start
    while t < window.end:
        nxt = min((math.floor(t / 3600.0) + 1) * 3600.0, window.end)
        out.append((t, nxt, int(t // 3600) % 24))
        t = nxt
    return out


def _largest_remainder(total: int, weights: NDArray[np.float64]) -> NDArray[np.int64]:
    """Split ``total`` into integer parts proportional to ``weights`` (exact sum)."""
    if total == 0 or weights.sum() <= 0:
        return np.zeros(len(weights), dtype=np.int64)
    exact = total * weights / weights.sum()
    base = np.floor(exact).astype(np.int64)
    rest = total - int(base.sum())
    order = np.argsort(-(exact - base), kind="stable")
    base[order[:rest]] += 1
    return base


def expected_hourly_counts(
    total: int, profile: str | list[float], window: TimeWindow
) -> list[tuple[float, float, int]]:
    """How many of ``total`` trips fall in each hour piece of the window.

    Returns (start_s, end_s, count) per piece; the counts add up to ``total``.
    This is the split the demand models use.
    """
    weights, _ = hourly_profile(profile)
    pieces = _slices(window)
    w = np.array([weights[h] * (b - a) / 3600.0 for a, b, h in pieces])
    if w.sum() <= 0:
        raise DemandError(
            f"the time profile gives no weight to the demand window "
            f"{format_time(window.start)}-{format_time(window.end)}"
        )
    counts = _largest_remainder(total, w)
    return [(a, b, int(c)) for (a, b, _), c in zip(pieces, counts, strict=True)]


def _sample_times(
    rng: np.random.Generator,
    total: int,
    profile: str | list[float],
    window: TimeWindow,
    where: str = "time_profile",
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Draw ``total`` trip times (whole seconds) and their outbound probability."""
    _, share = hourly_profile(profile)
    times, p_out = [], []
    try:
        pieces = expected_hourly_counts(total, profile, window)
    except DemandError as exc:
        raise DemandError(f"{where}: {exc}") from None
    for a, b, c in pieces:
        if c == 0:
            continue
        t = np.floor(a + rng.random(c) * (b - a))
        times.append(np.clip(t, math.ceil(a), max(math.ceil(a), math.ceil(b) - 1)))
        p_out.append(np.full(c, share[int(a // 3600) % 24]))
    if not times:
        return np.empty(0), np.empty(0)
    return np.concatenate(times), np.concatenate(p_out)


# ------------------------------------------------------------------- requests
#: Columns of the requests CSV, in order.
REQUEST_COLUMNS = (
    "request_id",
    "time_s",
    "time",
    "origin_lon",
    "origin_lat",
    "dest_lon",
    "dest_lat",
    "origin_node",
    "dest_node",
    "passengers",
    "tag",
)


def _frozen(a: Any, dtype: Any) -> NDArray[Any]:
    arr = np.ascontiguousarray(a, dtype=dtype)
    arr.flags.writeable = False
    return arr


@dataclass(frozen=True, eq=False)
class Requests:
    """Trip requests of one day, sorted by time (then id).

    Attributes
    ----------
    request_id : int64
        0..n-1 in time order.
    time_s : float64
        When the rider asks for the trip (desired pickup time), seconds since day start.
    origin_lon, origin_lat, dest_lon, dest_lat : float64
        Door-to-door end points, WGS84.
    origin_node, dest_node : int32
        Nearest road-graph node of each end point.
    passengers : int32
        Riders travelling together (>= 1).
    tag : str
        ``"<model>:<purpose>"``, e.g. ``"feeder:to_train"``.
    """

    request_id: NDArray[np.int64]
    time_s: NDArray[np.float64]
    origin_lon: NDArray[np.float64]
    origin_lat: NDArray[np.float64]
    dest_lon: NDArray[np.float64]
    dest_lat: NDArray[np.float64]
    origin_node: NDArray[np.int32]
    dest_node: NDArray[np.int32]
    passengers: NDArray[np.int32]
    tag: NDArray[np.str_]
    meta: dict[str, Any] = field(default_factory=dict)

    _DTYPES: ClassVar[dict[str, Any]] = {
        "request_id": np.int64,
        "time_s": np.float64,
        "origin_lon": np.float64,
        "origin_lat": np.float64,
        "dest_lon": np.float64,
        "dest_lat": np.float64,
        "origin_node": np.int32,
        "dest_node": np.int32,
        "passengers": np.int32,
        "tag": np.str_,
    }

    def __post_init__(self) -> None:
        for name, dtype in self._DTYPES.items():
            object.__setattr__(self, name, _frozen(getattr(self, name), dtype))
        n = len(self.request_id)
        bad = [k for k in self._DTYPES if getattr(self, k).shape != (n,)]
        if bad:
            raise ValueError(f"Requests arrays differ in length: {', '.join(bad)}")
        if n and (np.any(np.diff(self.time_s) < 0) or np.any(self.passengers < 1)):
            raise ValueError("Requests must be sorted by time and carry >= 1 passenger")

    def __len__(self) -> int:
        return int(self.request_id.shape[0])

    @classmethod
    def empty(cls) -> Requests:
        """A table with no requests."""
        return cls(**{k: np.empty(0, dtype=v) for k, v in cls._DTYPES.items()})

    def to_frame(self) -> pd.DataFrame:
        """The requests as a pandas DataFrame (one row per request, CSV column order)."""
        df = pd.DataFrame({k: getattr(self, k) for k in self._DTYPES})
        df.insert(2, "time", [format_clock(t) for t in self.time_s])
        df["tag"] = df["tag"].astype(str)
        return df[list(REQUEST_COLUMNS)]

    def to_csv(self, path: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
        """Write the requests as CSV, atomically (temp file, then rename).

        Byte-identical for the same requests: fixed float formats, ``\\n`` line ends.

        Raises
        ------
        OutputExistsError
            If ``path`` exists and ``overwrite`` is false.
        """
        target = Path(path)
        if target.exists() and not overwrite:
            raise OutputExistsError(
                f"{display_path(target)} exists; pass --overwrite or choose another path"
            )
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
        try:
            with tmp.open("w", encoding="utf-8", newline="") as fh:
                fh.write(",".join(REQUEST_COLUMNS) + "\n")
                w = csv.writer(fh, lineterminator="\n")
                for i in range(len(self)):
                    w.writerow(
                        (
                            int(self.request_id[i]),
                            f"{self.time_s[i]:.1f}",
                            format_clock(self.time_s[i]),
                            f"{self.origin_lon[i]:.7f}",
                            f"{self.origin_lat[i]:.7f}",
                            f"{self.dest_lon[i]:.7f}",
                            f"{self.dest_lat[i]:.7f}",
                            int(self.origin_node[i]),
                            int(self.dest_node[i]),
                            int(self.passengers[i]),
                            str(self.tag[i]),
                        )
                    )
            tmp.replace(target)
        finally:
            if tmp.exists():
                tmp.unlink()
        return target


def format_clock(seconds: float) -> str:
    """``HH:MM:SS`` of seconds since day start."""
    s = round(float(seconds))
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


@dataclass
class _Trips:
    """Trips of one model before snapping and sorting."""

    time_s: NDArray[np.float64]
    o_lon: NDArray[np.float64]
    o_lat: NDArray[np.float64]
    d_lon: NDArray[np.float64]
    d_lat: NDArray[np.float64]
    passengers: NDArray[np.int64]
    tag: NDArray[np.str_]
    dropped: int = 0


# ---------------------------------------------------------------- generation
@dataclass
class DemandContext:
    """What the demand models need besides their own settings."""

    graph: RoadGraph
    area: ServiceArea
    window: TimeWindow
    features: Callable[[], OsmFeatures]
    locate: Callable[[Any, str], tuple[float, float, str]]
    label: str = "scenario"


def generate_requests(
    scenario: Scenario,
    graph: RoadGraph,
    area: ServiceArea,
    *,
    locate: Callable[[Any, str], tuple[float, float, str]],
    features: Callable[[], OsmFeatures] | None = None,
    seed: int | None = None,
) -> Requests:
    """Run every demand model of a scenario and return one sorted Requests table.

    Parameters
    ----------
    scenario
        The validated scenario.
    graph
        Road graph for snapping end points to nodes.
    area
        Service area; every end point lies inside it.
    locate
        ``locate(location, key_path) -> (lon, lat, label)`` for named hubs.
    features
        Returns the OSM buildings/land use (loaded lazily: csv/od_matrix with
        ``placement = "uniform"`` never read them).
    seed
        Overrides ``scenario.demand.seed``.

    Raises
    ------
    DemandError
        A model cannot produce its trips (no homes in the area, bad CSV rows, ...).
    """
    from .osmfeatures import load_features

    label = display_path(scenario.source_path) if scenario.source_path else scenario.name
    cache: dict[str, OsmFeatures] = {}

    def feats() -> OsmFeatures:
        if "f" not in cache:
            cache["f"] = features() if features else load_features(scenario.map.source)
        return cache["f"]

    ctx = DemandContext(graph, area, scenario.demand.window, feats, locate, label)
    s = scenario.demand.seed if seed is None else int(seed)
    streams = np.random.SeedSequence(s).spawn(len(scenario.demand.models))
    parts: list[_Trips] = []
    per_model: dict[str, dict[str, int]] = {}
    for i, (model, stream) in enumerate(zip(scenario.demand.models, streams, strict=True)):
        rng = np.random.default_rng(stream)
        where = f"demand.models[{i}]"
        if isinstance(model, OsmDemand):
            trips = _osm_trips(model, ctx, rng, where)
        elif isinstance(model, FeederDemand):
            trips = _feeder_trips(model, ctx, rng, where)
        elif isinstance(model, CsvDemand):
            trips = _csv_trips(model, ctx, rng, where)
        elif isinstance(model, OdMatrixDemand):
            trips = _od_trips(model, ctx, rng, where)
        else:  # pragma: no cover - the schema admits no other type
            raise DemandError(f"{label}: {where}: unknown model type")
        parts.append(trips)
        per_model[model.name or model.type] = {
            "requests": len(trips.time_s),
            "dropped": trips.dropped,
        }
    return _assemble(parts, graph, meta={"seed": s, "models": per_model})


def _assemble(parts: list[_Trips], graph: RoadGraph, meta: dict[str, Any]) -> Requests:
    if not parts or sum(len(p.time_s) for p in parts) == 0:
        out = Requests.empty()
        object.__setattr__(out, "meta", meta)
        return out
    cat = {
        k: np.concatenate([getattr(p, k) for p in parts])
        for k in ("time_s", "o_lon", "o_lat", "d_lon", "d_lat", "passengers", "tag")
    }
    model_idx = np.concatenate([np.full(len(p.time_s), i) for i, p in enumerate(parts)])
    within = np.concatenate([np.arange(len(p.time_s)) for p in parts])
    order = np.lexsort((within, model_idx, cat["time_s"]))
    o_node, _ = graph.nearest_nodes(cat["o_lon"][order], cat["o_lat"][order])
    d_node, _ = graph.nearest_nodes(cat["d_lon"][order], cat["d_lat"][order])
    return Requests(
        request_id=np.arange(len(order), dtype=np.int64),
        time_s=cat["time_s"][order],
        origin_lon=np.round(cat["o_lon"][order], 7),
        origin_lat=np.round(cat["o_lat"][order], 7),
        dest_lon=np.round(cat["d_lon"][order], 7),
        dest_lat=np.round(cat["d_lat"][order], 7),
        origin_node=np.atleast_1d(o_node),
        dest_node=np.atleast_1d(d_node),
        passengers=cat["passengers"][order],
        tag=cat["tag"][order],
        meta=meta,
    )


def _group_sizes(model: Any, rng: np.random.Generator, n: int) -> NDArray[np.int64]:
    sizes = np.array([int(k) for k in model.passengers], dtype=np.int64)
    w = np.array(list(model.passengers.values()), dtype=np.float64)
    if len(sizes) == 1:
        return np.full(n, sizes[0], dtype=np.int64)
    return rng.choice(sizes, size=n, p=w / w.sum())


@dataclass
class _Pool:
    """Weighted candidate points (metric), e.g. homes by footprint area."""

    x: NDArray[np.float64]
    y: NDArray[np.float64]
    w: NDArray[np.float64]

    def __len__(self) -> int:
        return len(self.x)

    def draw(self, rng: np.random.Generator, n: int) -> NDArray[np.int64]:
        return rng.choice(len(self.x), size=n, p=self.w / self.w.sum())


def _buildings(ctx: DemandContext, use: int | None, where: str, what: str) -> _Pool:
    f = ctx.features()
    sel = np.ones(len(f.building_use), dtype=bool) if use is None else f.building_use == use
    sel &= ctx.area.contains_xy_m(f.building_x, f.building_y)
    if not sel.any():
        raise DemandError(f"{ctx.label}: {where}: no {what} inside the service area")
    return _Pool(f.building_x[sel], f.building_y[sel], f.building_area_m2[sel])


def _tags(name: str, purposes: NDArray[np.str_] | list[str]) -> NDArray[np.str_]:
    return np.char.add(f"{name}:", np.asarray(purposes, dtype=str))


# ------------------------------------------------------------------ osm model
def _osm_trips(
    model: OsmDemand, ctx: DemandContext, rng: np.random.Generator, where: str
) -> _Trips:
    name = model.name or model.type
    homes = _buildings(ctx, BUILDING_RESIDENTIAL, where, "residential buildings")
    times, p_out = _sample_times(
        rng,
        model.trips_per_day,
        model.time_profile,
        ctx.window,
        f"{ctx.label}: {where}.time_profile",
    )
    n = len(times)
    categories = [
        c for c in ("hubs", "commercial", "residential") if model.destination_shares.get(c, 0) > 0
    ]
    pools: dict[str, _Pool] = {}
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
        pools["hubs"] = _Pool(np.array(hx), np.array(hy), np.array(hw))
    if "commercial" in categories:
        pools["commercial"] = _buildings(
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
    hx, hy = homes.x[home_i], homes.y[home_i]
    ox = np.where(outbound, hx, dest_x)
    oy = np.where(outbound, hy, dest_y)
    dx = np.where(outbound, dest_x, hx)
    dy = np.where(outbound, dest_y, hy)
    o_lon, o_lat = to_lonlat(ox, oy)
    d_lon, d_lat = to_lonlat(dx, dy)
    cat_names = np.array(["hub", "commercial", "home"])[
        [("hubs", "commercial", "residential").index(c) for c in categories]
    ][cat]
    purpose = np.where(outbound, np.char.add("home-", cat_names), np.char.add(cat_names, "-home"))
    return _Trips(
        times, o_lon, o_lat, d_lon, d_lat, _group_sizes(model, rng, n), _tags(name, purpose)
    )


# --------------------------------------------------------------- feeder model
def _feeder_trips(
    model: FeederDemand, ctx: DemandContext, rng: np.random.Generator, where: str
) -> _Trips:
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
    homes = _buildings(ctx, BUILDING_RESIDENTIAL, where, "residential buildings")
    hx, hy = to_metric(lon, lat)
    far = np.hypot(homes.x - hx, homes.y - hy) >= model.min_distance_m
    if not far.any():
        raise DemandError(
            f"{ctx.label}: {where}.min_distance_m: no home in the service area lies "
            f"{model.min_distance_m:g} m or more from {hub_label}"
        )
    homes = _Pool(homes.x[far], homes.y[far], homes.w[far])
    lo, hi = model.lead_time_s
    t_to = np.repeat(departures, model.riders_per_departure)
    t_to = np.floor(t_to - lo - rng.random(len(t_to)) * (hi - lo))
    elo, ehi = model.egress_time_s
    t_from = np.repeat(arrivals, model.riders_per_arrival)
    t_from = np.ceil(t_from + elo + rng.random(len(t_from)) * (ehi - elo))
    times = np.concatenate([t_to, t_from])
    to_hub = np.concatenate([np.ones(len(t_to), bool), np.zeros(len(t_from), bool)])
    keep = (times >= ctx.window.start) & (times < ctx.window.end)
    dropped = int((~keep).sum())
    times, to_hub = times[keep], to_hub[keep]
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
    return _Trips(
        times,
        o_lon,
        o_lat,
        d_lon,
        d_lat,
        _group_sizes(model, rng, n),
        _tags(name, purpose),
        dropped,
    )


def _gtfs_table(feed: Path, name: str, where: str, required: bool = True) -> pd.DataFrame | None:
    try:
        if feed.is_dir():
            p = feed / name
            if not p.is_file():
                if required:
                    raise DemandError(f"{where}: {display_path(feed)} has no {name}")
                return None
            return pd.read_csv(p, dtype=str, keep_default_na=False)
        with zipfile.ZipFile(feed) as zf:
            names = {Path(n).name: n for n in zf.namelist()}
            if name not in names:
                if required:
                    raise DemandError(f"{where}: {display_path(feed)} has no {name}")
                return None
            with zf.open(names[name]) as fh:
                return pd.read_csv(
                    io.TextIOWrapper(fh, "utf-8-sig"), dtype=str, keep_default_na=False
                )
    except FileNotFoundError:
        raise DemandError(f"{where}: GTFS feed not found: {display_path(feed)}") from None
    except (zipfile.BadZipFile, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DemandError(f"{where}: cannot read {name} of {display_path(feed)} ({exc})") from None


def _gtfs_time(text: str) -> float:
    h, m, s = (int(p) for p in text.strip().split(":"))
    return h * 3600.0 + m * 60.0 + s


def read_gtfs_train_times(
    feed: Path,
    stop_name: str,
    day: date,
    route_types: tuple[int, ...],
    *,
    where: str = "gtfs",
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Train departures and arrivals at a station on one day, from a GTFS feed.

    The station's stops are those whose ``stop_name`` matches (case and
    "Kaiserslautern," prefix ignored), plus their child platforms. A trip's
    first stop has no arrival and its last no departure; ``pickup_type`` /
    ``drop_off_type`` 1 (none) are honoured. Services run on ``day`` per
    ``calendar.txt`` and ``calendar_dates.txt``.

    Returns
    -------
    departures, arrivals : ndarray of float64
        Sorted seconds since the day start (may exceed 86,400 after midnight).
    """
    for required in ("stops.txt", "stop_times.txt", "trips.txt", "routes.txt"):
        _gtfs_table(feed, required, where)  # fail early with the missing file's name
    stops = _gtfs_table(feed, "stops.txt", where)
    stop_times = _gtfs_table(feed, "stop_times.txt", where)
    trips = _gtfs_table(feed, "trips.txt", where)
    routes = _gtfs_table(feed, "routes.txt", where)
    calendar = _gtfs_table(feed, "calendar.txt", where, required=False)
    dates = _gtfs_table(feed, "calendar_dates.txt", where, required=False)
    assert stops is not None and stop_times is not None and trips is not None and routes is not None
    try:
        key = normalize_name(stop_name)
        hub = set(stops.loc[stops["stop_name"].map(normalize_name) == key, "stop_id"])
        if not hub:
            raise DemandError(
                f"{where}.stop_name: no stop named {stop_name!r} in {display_path(feed)}"
            )
        if "parent_station" in stops:
            hub |= set(stops.loc[stops["parent_station"].isin(hub), "stop_id"])
        active: set[str] = set()
        ymd = day.strftime("%Y%m%d")
        weekday = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")[
            day.weekday()
        ]
        if calendar is not None and len(calendar):
            on = (
                (calendar[weekday] == "1")
                & (calendar["start_date"] <= ymd)
                & (calendar["end_date"] >= ymd)
            )
            active |= set(calendar.loc[on, "service_id"])
        if dates is not None and len(dates):
            today = dates[dates["date"] == ymd]
            active |= set(today.loc[today["exception_type"] == "1", "service_id"])
            active -= set(today.loc[today["exception_type"] == "2", "service_id"])
        rail = set(routes.loc[routes["route_type"].astype(int).isin(route_types), "route_id"])
        ok_trips = set(
            trips.loc[trips["service_id"].isin(active) & trips["route_id"].isin(rail), "trip_id"]
        )
        st = stop_times[stop_times["trip_id"].isin(ok_trips)].copy()
        st["seq"] = st["stop_sequence"].astype(int)
        first = st.groupby("trip_id")["seq"].transform("min")
        last = st.groupby("trip_id")["seq"].transform("max")
        at = st[st["stop_id"].isin(hub)]
        f, l_ = first[at.index], last[at.index]
        pick = at.get("pickup_type", pd.Series("0", index=at.index)).replace("", "0")
        drop = at.get("drop_off_type", pd.Series("0", index=at.index)).replace("", "0")
        dep = at[(at["seq"] != l_) & (pick != "1")]["departure_time"]
        arr = at[(at["seq"] != f) & (drop != "1")]["arrival_time"]
        departures = np.sort(np.array([_gtfs_time(t) for t in dep], dtype=np.float64))
        arrivals = np.sort(np.array([_gtfs_time(t) for t in arr], dtype=np.float64))
    except (KeyError, ValueError) as exc:
        if isinstance(exc, DemandError):
            raise
        raise DemandError(f"{where}: malformed GTFS feed {display_path(feed)} ({exc})") from None
    if len(departures) == 0 and len(arrivals) == 0:
        raise DemandError(
            f"{where}: no train stops at {stop_name!r} on {day.isoformat()} in {display_path(feed)}"
        )
    return departures, arrivals


# ------------------------------------------------------------------ csv model
_CSV_REQUIRED = ("time", "origin_lon", "origin_lat", "dest_lon", "dest_lat")
_CSV_OPTIONAL = ("passengers", "tag")
#: Columns of klshuttle's own requests CSV that are recomputed, so ignored.
_CSV_IGNORED = ("request_id", "time_s", "origin_node", "dest_node")
_MAX_ROW_ERRORS = 20


def _csv_trips(
    model: CsvDemand, ctx: DemandContext, rng: np.random.Generator, where: str
) -> _Trips:
    name = model.name or model.type
    path = Path(model.file)
    shown = display_path(path)
    if not path.is_file():
        raise DemandError(f"{ctx.label}: {where}.file: CSV file not found: {shown}")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DemandError(f"{shown}: not UTF-8 text (byte {exc.start})") from None
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise DemandError(f"{shown}: empty file; expected a header with {', '.join(_CSV_REQUIRED)}")
    header = [h.strip() for h in rows[0]]
    missing = [c for c in _CSV_REQUIRED if c not in header]
    if missing:
        raise DemandError(
            f"{shown}: line 1: missing column(s) {', '.join(missing)} (header: {', '.join(header)})"
        )
    unknown = [h for h in header if h not in (*_CSV_REQUIRED, *_CSV_OPTIONAL, *_CSV_IGNORED)]
    if unknown:
        raise DemandError(
            f"{shown}: line 1: unknown column {unknown[0]!r} (expected {', '.join(_CSV_REQUIRED + _CSV_OPTIONAL)})"
        )
    col = {h: i for i, h in enumerate(header)}
    errors: list[str] = []
    out: list[tuple[float, float, float, float, float, int, str]] = []
    outside = 0
    w = ctx.window

    def bad(line: int, column: str, msg: str) -> None:
        errors.append(f"line {line}, column {column}: {msg}")

    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            errors.append(f"line {line}: {len(row)} fields, the header has {len(header)}")
            continue
        ok = True
        cell = {h: row[i].strip() for h, i in col.items()}
        try:
            t = parse_time(float(cell["time"]) if _is_number(cell["time"]) else cell["time"])
        except ValueError as exc:
            bad(line, "time", str(exc))
            ok = False
        else:
            if not (w.start <= t < w.end):
                bad(
                    line,
                    "time",
                    f"{format_clock(t)} is outside the demand window "
                    f"{format_time(w.start)}-{format_time(w.end)}",
                )
                ok = False
        coords = []
        for c, lo, hi, what in (
            ("origin_lon", -180, 180, "a longitude"),
            ("origin_lat", -90, 90, "a latitude"),
            ("dest_lon", -180, 180, "a longitude"),
            ("dest_lat", -90, 90, "a latitude"),
        ):
            try:
                v = float(cell[c])
                if not (lo <= v <= hi) or not math.isfinite(v):
                    raise ValueError
                coords.append(v)
            except ValueError:
                bad(line, c, f"expected {what} between {lo} and {hi}, got {cell[c]!r}")
                ok = False
        pax = 1
        if "passengers" in cell and cell["passengers"] != "":
            try:
                pax = int(cell["passengers"])
                if pax < 1:
                    raise ValueError
            except ValueError:
                bad(line, "passengers", f"expected a whole number >= 1, got {cell['passengers']!r}")
                ok = False
        tag = cell.get("tag") or "trip"
        if ok and coords[0:2] == coords[2:4]:
            errors.append(f"line {line}: origin and destination are the same point")
            ok = False
        if ok:
            inside = ctx.area.contains([coords[0], coords[2]], [coords[1], coords[3]])
            if not inside.all():
                if model.outside_area == "drop":
                    outside += 1
                    continue
                end = "origin" if not inside[0] else "dest"
                bad(
                    line,
                    f"{end}_lon/{end}_lat",
                    f"({coords[0 if end == 'origin' else 2]:.5f}, {coords[1 if end == 'origin' else 3]:.5f}) "
                    'lies outside the service area (or set outside_area = "drop")',
                )
                ok = False
        if ok:
            out.append((t, *coords, pax, tag))
        if len(errors) >= _MAX_ROW_ERRORS:
            break
    if errors:
        more = (
            f" (and {len(errors) - 1} more bad row(s){'+' if len(errors) >= _MAX_ROW_ERRORS else ''})"
            if len(errors) > 1
            else ""
        )
        raise DemandError(f"{shown}: {errors[0]}{more}")
    if not out:
        raise DemandError(
            f"{shown}: no trips (only a header{', or every trip outside the area' if outside else ''})"
        )
    arr = list(zip(*out, strict=True))
    tags = np.array([f"{name}:{t}" for t in arr[6]], dtype=str)
    return _Trips(
        np.array(arr[0], dtype=np.float64),
        np.array(arr[1], dtype=np.float64),
        np.array(arr[2], dtype=np.float64),
        np.array(arr[3], dtype=np.float64),
        np.array(arr[4], dtype=np.float64),
        np.array(arr[5], dtype=np.int64),
        tags,
        dropped=outside,
    )


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# ------------------------------------------------------------ od_matrix model
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
    zones = []
    for i, feat in enumerate(features):
        props = feat.get("properties") or {}
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
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
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
        if not t.isdigit():
            raise DemandError(
                f"{shown}: line {line}, column trips: expected a whole number >= 0, got {t!r}"
            )
        m[index[o], index[d]] += int(t)
    if m.sum() == 0:
        raise DemandError(f"{shown}: the matrix holds no trips")
    return m


def _od_trips(
    model: OdMatrixDemand, ctx: DemandContext, rng: np.random.Generator, where: str
) -> _Trips:
    name = model.name or model.type
    zones = _read_zones(model, ctx, where)
    names = [z for z, _ in zones]
    m = _read_matrix(model, names, ctx, where)
    needed = np.flatnonzero((m.sum(axis=1) + m.sum(axis=0)) > 0)
    # each zone clipped to the service area, in metres
    clipped: dict[int, Any] = {}
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
    pools: dict[int, _Pool] = {}
    if model.placement == "buildings":
        f = ctx.features()
        for z in needed:
            sel = np.asarray(
                shapely.contains_xy(clipped[z], f.building_x, f.building_y), dtype=bool
            )
            sel &= f.building_use != 0
            if not sel.any():
                raise DemandError(
                    f"{ctx.label}: {where}: zone {names[z]!r} holds no homes or commercial "
                    'buildings in the service area; use placement = "uniform"'
                )
            pools[z] = _Pool(f.building_x[sel], f.building_y[sel], f.building_area_m2[sel])
    total = int(m.sum())
    o_zone = np.repeat(np.repeat(np.arange(len(names)), len(names)), m.ravel())
    d_zone = np.repeat(np.tile(np.arange(len(names)), len(names)), m.ravel())
    times, _ = _sample_times(
        rng, total, model.time_profile, ctx.window, f"{ctx.label}: {where}.time_profile"
    )
    times = rng.permutation(times)
    ox, oy = np.empty(total), np.empty(total)
    dx, dy = np.empty(total), np.empty(total)
    for zone_of, xs, ys in ((o_zone, ox, oy), (d_zone, dx, dy)):
        for z in np.unique(zone_of):
            sel = np.flatnonzero(zone_of == z)
            if model.placement == "buildings":
                k = pools[z].draw(rng, len(sel))
                xs[sel], ys[sel] = pools[z].x[k], pools[z].y[k]
            else:
                xs[sel], ys[sel] = _uniform_points(clipped[z], len(sel), rng)
    o_lon, o_lat = to_lonlat(ox, oy)
    d_lon, d_lat = to_lonlat(dx, dy)
    zn = np.array(names, dtype=str)
    purpose = np.char.add(np.char.add(zn[o_zone], ">"), zn[d_zone])
    return _Trips(
        times, o_lon, o_lat, d_lon, d_lat, _group_sizes(model, rng, total), _tags(name, purpose)
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


# -------------------------------------------------------------------- summary
@dataclass(frozen=True)
class DemandSummary:
    """What a planner checks first about a day of requests."""

    requests: int
    passengers: int
    per_hour: dict[int, int]
    per_tag: dict[str, int]
    mean_direct_distance_m: float
    mean_direct_time_s: float
    median_direct_time_s: float
    same_node: int

    def to_dict(self) -> dict[str, Any]:
        """Plain data (for JSON)."""
        return dict(self.__dict__)


def summarize_requests(requests: Requests, graph: RoadGraph) -> DemandSummary:
    """Trips per hour and tag, and the mean direct network distance and time.

    Direct distance is the shortest network path by length; direct time the
    fastest path for the shuttle (edge speeds capped by the vehicle's maximum
    speed), both from the origin node to the destination node.
    """
    from .routing import pair_costs

    n = len(requests)
    hours = (requests.time_s // 3600).astype(int)
    per_hour = {int(h): int(c) for h, c in zip(*np.unique(hours, return_counts=True), strict=True)}
    tags, counts = np.unique(requests.tag, return_counts=True)
    per_tag = {str(t): int(c) for t, c in zip(tags, counts, strict=True)}
    if n:
        dist = pair_costs(graph, requests.origin_node, requests.dest_node, weight="length_m")
        tt = pair_costs(graph, requests.origin_node, requests.dest_node, weight="travel_time_s")
        finite = np.isfinite(tt)
        mean_d = float(dist[finite].mean()) if finite.any() else math.nan
        mean_t = float(tt[finite].mean()) if finite.any() else math.nan
        med_t = float(np.median(tt[finite])) if finite.any() else math.nan
    else:
        mean_d = mean_t = med_t = math.nan
    return DemandSummary(
        requests=n,
        passengers=int(requests.passengers.sum()),
        per_hour=per_hour,
        per_tag=per_tag,
        mean_direct_distance_m=mean_d,
        mean_direct_time_s=mean_t,
        median_direct_time_s=med_t,
        same_node=int((requests.origin_node == requests.dest_node).sum()),
    )
