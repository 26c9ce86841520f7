"""Land use: the parking spaces and area a shuttle service could free, as a checkable chain.

Four steps, each with its parameters from the scenario's ``[landuse]`` table
(sources in :data:`PARAMETER_SOURCES`, ``scenarios/base.toml`` and
``landuse.json``), computed for a low, a central and a high case:

1. **Mode shift.** Riders who would otherwise have driven a car:
   ``riders x mode_shift_share``, with the lower ``rail_mode_shift_share`` for
   riders who continue by train (feeder trips tagged ``to_train``/``from_train``).
2. **Car trips avoided and cars given up.** Car trips avoided = those riders /
   car occupancy (``commute_car_occupancy`` for train riders, else
   ``car_occupancy``); cars given up = car trips avoided / ``trips_per_car_per_day``
   x ``car_giveup_share`` (the share of households that give up a car when these
   trips are covered). Fagnant & Kockelman's 11 cars per shared vehicle is used
   only as an upper bound, and only where the service's added vehicle-km stay
   within ``extra_vkm_share`` of the car vehicle-km avoided (their premise).
3. **Spaces freed where the cars stood.** Cars x ``parking_spaces_per_car``;
   ``home_space_share`` of them at home (``home_on_street_share`` on residential
   kerbs, the rest on private ground) and the rest at destinations
   (``destination_on_street_share`` at kerbs, the rest in car parks). Each kind
   is a whole number of spaces (rounded down: a space is freed or it is not).
4. **Area.** m² per space by kind: kerb ``on_street_m2_per_space``, car park
   ``off_street_m2_per_space``, private ground a stall ``stall_width_m`` x
   ``stall_length_m`` (no aisle).

The central case is then placed on the map: home spaces on the parking street
nearest each rider's home, destination spaces on the street and car park
nearest each destination (within :data:`TRIP_END_RADIUS_M`), in proportion to
the riders there, never more than a street's or car park's removable spaces.
Every trip end counts for one street at most, so a street's counts never add up
to more than the day's trips. Beside the figures: the net vehicle-km (shuttle
km - car km avoided), with a warning when the service adds vehicle-km.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from .graph import RoadGraph, to_metric

if TYPE_CHECKING:
    from .osmfeatures import OsmFeatures
    from .scenario import LandUseSpec

__all__ = [
    "CASES",
    "PARAMETER_SOURCES",
    "LandUse",
    "chain_figures",
    "home_is_origin",
    "landuse_impact",
    "parking_lots",
    "rides_train",
]

#: The three cases: the ends of each parameter range that free least, the central
#: values, the ends that free most.
CASES = ("low", "central", "high")

#: Road classes with kerbside parking in the model.
PARKING_STREET_CLASSES = ("residential", "living_street", "unclassified", "tertiary", "secondary")

#: A trip end counts for the nearest parking street or car park within this distance (m).
TRIP_END_RADIUS_M = 300.0

#: Trip purposes (the part of a request tag after ``:``) of riders who continue by train.
TRAIN_PURPOSES = ("to_train", "from_train")

#: Every ``[landuse]`` parameter: the step of the chain that uses it and its source.
PARAMETER_SOURCES: dict[str, tuple[int, str]] = {
    "mode_shift_share": (
        1,
        "low 0.10: assumption (riders of a new shuttle come mostly from bus, foot and "
        "bicycle); central 0.25: ioki Hamburg evaluation (TU Hamburg; Diebold, "
        "Czarnetzki & Gertz 2021, Internationales Verkehrswesen 73(3)): 25 % of users "
        "leave their own car for the service; high 0.50: SrV 2023, car share of all "
        "trips of Kaiserslautern residents (riders driving as often as residents at large)",
    ),
    "rail_mode_shift_share": (
        1,
        "assumption: riders continuing by train reached the station mostly by bus, foot "
        "or bicycle before; low 0.05, central 0.10, high 0.25 (the ioki Hamburg figure, "
        "a feeder in an outer district with fewer alternatives than central Kaiserslautern)",
    ),
    "car_occupancy": (2, "MiD 2017: 1.5 persons per car on average"),
    "commute_car_occupancy": (
        2,
        "MiD 2017: 1.2 persons per car commuting; used for riders continuing by train",
    ),
    "trips_per_car_per_day": (
        2,
        "MiD 2017: 257 million trips a day, 43 % of them as car driver, 43 million cars "
        "in households: 2.6 trips per car and day (KiD 2010: 2.8 per vehicle on weekdays)",
    ),
    "car_giveup_share": (
        2,
        "high 0.20: Liao, Molin, Timmermans & van Wee 2020 (Transportation 47): 20 % of "
        "car drivers may shed or forego a car when car sharing comes near them (stated "
        "intention); central 0.10 and low 0.05: assumption, stated intentions overstate "
        "what households do",
    ),
    "cars_replaced_per_shared_vehicle": (
        2,
        "Fagnant & Kockelman 2014 (Transportation Research C 40): one shared automated "
        "vehicle replaced about 11 private cars; an upper bound only",
    ),
    "extra_vkm_share": (
        2,
        "Fagnant & Kockelman 2014: with up to 10 % more vehicle-km; the bound applies only "
        "where shuttle vehicle-km <= (1 + share) x car vehicle-km avoided",
    ),
    "parking_spaces_per_car": (3, "about 2.5 in Germany (approx., primary source unknown)"),
    "home_space_share": (
        3,
        "assumption: one of the 2.5 spaces per car is where it is kept at home (1 / 2.5)",
    ),
    "home_on_street_share": (
        3,
        "assumption: half of the riders' cars are kept on residential kerbs, half on "
        "private ground (garages, driveways)",
    ),
    "destination_on_street_share": (
        3,
        "assumption: 30 % of a car's spaces at destinations are at kerbs, 70 % in car parks",
    ),
    "on_street_removable_share": (
        3,
        "ITF/OECD 2015 (Lisbon): all on-street parking can go; caps each street",
    ),
    "off_street_removable_share": (
        3,
        "ITF/OECD 2015 (Lisbon): up to 80 % of off-street parking can go; caps each car park",
    ),
    "kerb_parkable_share": (
        3,
        "assumption: half of a street's kerb length holds parked cars (driveways, "
        "junctions, stops and hydrants take the rest); kerb spaces of each street",
    ),
    "stall_length_m": (
        3,
        "EAR 23 stall 2.65 m x 5.20 m: kerb spaces per street from its length; also step 4",
    ),
    "stall_width_m": (4, "EAR 23 stall 2.65 m x 5.20 m: area of a space on private ground"),
    "on_street_m2_per_space": (4, "EAR 05 (approx.): 10-16 m² on-street; midpoint"),
    "off_street_m2_per_space": (4, "EAR 05 (approx.): 18-27 m² with aisles; midpoint"),
}


class LandUse(NamedTuple):
    """The land-use impact of a run (:func:`landuse_impact`).

    Attributes
    ----------
    summary : dict
        The chain step by step, the cases, the vehicle-km balance, the placement
        of the central case, warnings, and every parameter with its source.
    streets : DataFrame
        Parking streets of the area: kerb spaces, riders' homes and destinations
        nearby, spaces freed (central case).
    car_parks : DataFrame
        Car parks of the area: spaces, destinations nearby, spaces freed.
    """

    summary: dict[str, Any]
    streets: pd.DataFrame
    car_parks: pd.DataFrame


def parking_lots(features: OsmFeatures) -> pd.DataFrame:
    """OSM car parks (``amenity=parking`` areas) as a table.

    Parameters
    ----------
    features
        The OSM features of the map (:func:`klshuttle.osmfeatures.load_features`,
        cached per file content); the caller loads them.

    Returns
    -------
    DataFrame
        ``osm_id``, ``name``, ``parking`` (surface, multi-storey, ...),
        ``capacity`` (NaN when untagged), ``area_m2`` and ``geometry`` (lon/lat
        shapely polygons), by OSM id.
    """
    f = features
    off = f.parking_offsets
    blobs = [f.parking_wkb[off[i] : off[i + 1]].tobytes() for i in range(len(f.parking_id))]
    geoms = shapely.from_wkb(np.array(blobs, dtype=object)) if blobs else np.empty(0, dtype=object)
    metric = shapely.transform(geoms, lambda xy: np.column_stack(to_metric(xy[:, 0], xy[:, 1])))
    lots = pd.DataFrame(
        {
            "osm_id": f.parking_id,
            "name": f.parking_name.astype(str),
            "parking": f.parking_kind.astype(str),
            "capacity": f.parking_capacity,
            "area_m2": shapely.area(metric) if len(geoms) else np.empty(0),
            "geometry": geoms,
        }
    )
    return lots.sort_values("osm_id", kind="stable").reset_index(drop=True)


# ------------------------------------------------------------------ who rides
def _purposes(tags: pd.Series) -> NDArray[np.str_]:
    return np.array([str(t).rpartition(":")[2] for t in tags], dtype=str)


def rides_train(tags: pd.Series) -> NDArray[np.bool_]:
    """Whether each trip's rider continues by train (purpose ``to_train`` or ``from_train``)."""
    return np.isin(_purposes(tags), TRAIN_PURPOSES)


def home_is_origin(tags: pd.Series, request_s: NDArray[np.float64]) -> NDArray[np.bool_]:
    """Whether each trip starts at the rider's home.

    From the purpose where it says (``home-...``, ``to_train``: yes; ``...-home``,
    ``from_train``: no); otherwise trips before noon start at home and later trips
    end there (out in the morning, back later).
    """
    purpose = _purposes(tags)
    starts = np.char.startswith(purpose, "home-") | (purpose == "to_train")
    ends = np.char.endswith(purpose, "-home") | (purpose == "from_train")
    return np.where(starts, True, np.where(ends, False, np.asarray(request_s) < 12 * 3600.0))


# ------------------------------------------------------------------ the chain
def _floor(x: float) -> int:
    """Whole spaces: round down, forgiving float noise just below a whole number."""
    return math.floor(x + 1e-9)


def chain_figures(
    *,
    riders_other: float,
    riders_train: float,
    passenger_km_other: float,
    passenger_km_train: float,
    n_vehicles: int,
    shuttle_vkm: float,
    params: LandUseSpec,
    case: str = "central",
) -> dict[str, Any]:
    """The four steps of the chain for one case, from plain numbers (no map).

    Parameters
    ----------
    riders_other, riders_train
        Riders served in the day, not continuing and continuing by train.
    passenger_km_other, passenger_km_train
        Their passenger-km along the direct road path (sum of riders x direct km).
    n_vehicles
        Vehicles of the fleet (for the upper bound of step 2 only).
    shuttle_vkm
        Kilometres the fleet drove in the day.
    params
        The ``[landuse]`` parameters.
    case
        ``"low"``, ``"central"`` or ``"high"``: which value of each range.

    Returns
    -------
    dict
        The figure of every step: riders who would have driven, car trips and
        car-km avoided, cars given up (with the bound and whether it applies),
        whole spaces by kind and their area in m², and the net vehicle-km.
    """
    p = params
    shift = getattr(p.mode_shift_share, case)
    shift_rail = getattr(p.rail_mode_shift_share, case)
    giveup = getattr(p.car_giveup_share, case)
    # 1. mode shift
    would_drive = riders_other * shift + riders_train * shift_rail
    # 2. car trips, car-km, cars
    car_trips = riders_other * shift / p.car_occupancy + riders_train * shift_rail / (
        p.commute_car_occupancy
    )
    car_km = passenger_km_other * shift / p.car_occupancy + passenger_km_train * shift_rail / (
        p.commute_car_occupancy
    )
    car_days = car_trips / p.trips_per_car_per_day
    by_households = car_days * giveup
    bound = n_vehicles * p.cars_replaced_per_shared_vehicle
    bound_applies = shuttle_vkm <= (1.0 + p.extra_vkm_share) * car_km
    cars = min(by_households, bound) if bound_applies else by_households
    # 3. whole spaces by kind
    spaces = cars * p.parking_spaces_per_car
    home = spaces * p.home_space_share
    dest = spaces - home
    kinds = {
        "home_kerb": _floor(home * p.home_on_street_share),
        "home_private": _floor(home * (1.0 - p.home_on_street_share)),
        "destination_kerb": _floor(dest * p.destination_on_street_share),
        "destination_car_park": _floor(dest * (1.0 - p.destination_on_street_share)),
    }
    # 4. area by kind
    m2 = {
        "home_kerb": kinds["home_kerb"] * p.on_street_m2_per_space,
        "home_private": kinds["home_private"] * p.stall_width_m * p.stall_length_m,
        "destination_kerb": kinds["destination_kerb"] * p.on_street_m2_per_space,
        "destination_car_park": kinds["destination_car_park"] * p.off_street_m2_per_space,
    }
    return {
        "riders_who_would_have_driven": would_drive,
        "car_trips_avoided": car_trips,
        "car_km_avoided": car_km,
        "car_days_of_use_avoided": car_days,
        "cars_given_up_by_households": by_households,
        "fleet_upper_bound": bound,
        "fleet_upper_bound_applies": bool(bound_applies),
        "cars_given_up": cars,
        "spaces_freed": kinds,
        "spaces_freed_total": sum(kinds.values()),
        "area_freed_m2": m2,
        "area_freed_m2_total": sum(m2.values()),
        "net_vehicle_km": shuttle_vkm - car_km,
    }


# ------------------------------------------------------------------ placing it
def _street_segments(graph: RoadGraph, area: Any) -> pd.DataFrame:
    """Undirected street segments with kerbside parking inside the area."""
    classes = [
        graph.road_class_names.index(c)
        for c in PARKING_STREET_CLASSES
        if c in graph.road_class_names
    ]
    src, dst = graph.edge_source, graph.indices
    keep = np.isin(graph.road_class, classes) & (src != dst)
    # one segment per street piece: of two opposite edges keep the one from the lower node
    twin = {(int(u), int(v)) for u, v in zip(src[keep], dst[keep], strict=True)}
    picked = [
        k for k in np.flatnonzero(keep) if src[k] < dst[k] or (int(dst[k]), int(src[k])) not in twin
    ]
    edges = np.asarray(picked, dtype=np.int64)
    mid_lon = np.empty(len(edges))
    mid_lat = np.empty(len(edges))
    for i, k in enumerate(edges):
        a, b = graph.geom_indptr[k], graph.geom_indptr[k + 1]
        mid = (a + b - 1) // 2
        mid_lon[i] = 0.5 * (graph.geom_lon[mid] + graph.geom_lon[min(mid + 1, b - 1)])
        mid_lat[i] = 0.5 * (graph.geom_lat[mid] + graph.geom_lat[min(mid + 1, b - 1)])
    inside = (
        shapely.contains_xy(area, mid_lon, mid_lat)
        if area is not None and not area.is_empty
        else np.ones(len(edges), bool)
    )
    edges, mid_lon, mid_lat = edges[inside], mid_lon[inside], mid_lat[inside]
    return pd.DataFrame(
        {
            "edge": edges,
            "name": [graph.edge_name(int(k)) for k in edges],
            "road_class": [graph.road_class_names[c] for c in graph.road_class[edges]],
            "length_m": graph.length_m[edges],
            "mid_lon": mid_lon,
            "mid_lat": mid_lat,
        }
    )


def allocate_whole(total: int, weight: NDArray[Any], cap: NDArray[np.int64]) -> NDArray[np.int64]:
    """Share ``total`` whole units in proportion to ``weight``, at most ``cap`` per item.

    Largest remainders (Hamilton): each item gets the whole part of its quota,
    the units left go to the largest fractional parts (ties to the lower index);
    what a cap cuts off is shared again among the others. Items without weight
    get nothing; what finds no room stays unallocated.
    """
    w = np.asarray(weight, dtype=np.float64)
    cap = np.asarray(cap, dtype=np.int64)
    out = np.zeros(len(w), dtype=np.int64)
    left = int(total)
    while left > 0:
        open_ = (w > 0) & (out < cap)
        if not open_.any():
            break
        quota = np.where(open_, left * w / w[open_].sum(), 0.0)
        whole = np.floor(quota + 1e-9)
        take = np.minimum(whole.astype(np.int64), cap - out)
        rest = left - int(take.sum())
        if rest > 0:
            can = open_ & (take < cap - out)
            order = np.lexsort((np.arange(len(w)), -(quota - whole)))
            take[order[can[order]][:rest]] += 1
        if take.sum() == 0:
            break
        out += take
        left -= int(take.sum())
    return out


def _nearest_counts(points_m: NDArray[np.float64], centres_m: NDArray[np.float64]) -> NDArray[Any]:
    """Per centre: the points whose nearest centre it is, within :data:`TRIP_END_RADIUS_M`."""
    counts = np.zeros(len(centres_m), dtype=np.int64)
    if len(points_m) == 0 or len(centres_m) == 0:
        return counts
    dist, idx = cKDTree(centres_m).query(points_m, distance_upper_bound=TRIP_END_RADIUS_M)
    hit = np.isfinite(dist)
    np.add.at(counts, idx[hit], 1)
    return counts


def _at_least(counts: NDArray[np.int64], k: int) -> NDArray[np.int64]:
    """``counts`` with every count below ``k`` set to 0."""
    return np.where(counts >= k, counts, 0)


def _metric(lon: Any, lat: Any) -> NDArray[np.float64]:
    if len(lon) == 0:
        return np.empty((0, 2))
    return np.column_stack(to_metric(np.asarray(lon, float), np.asarray(lat, float)))


def landuse_impact(
    *,
    trips: pd.DataFrame,
    n_vehicles: int,
    vehicle_km: float,
    graph: RoadGraph,
    area: Any,
    area_km2: float,
    car_parks: pd.DataFrame,
    params: LandUseSpec,
    scenario_name: str,
    run_id: str,
    min_trip_ends: int = 1,
) -> LandUse:
    """The land-use chain of a run, its three cases, and the central case on the map.

    Parameters
    ----------
    trips
        One row per request (columns of trips.csv: ``status``, ``passengers``,
        ``tag``, ``request_s``, origin and destination lon/lat, ``direct_km``).
    n_vehicles
        Vehicles of the fleet.
    vehicle_km
        Kilometres the fleet drove in the day.
    graph
        The road graph the service ran on.
    area
        Service area as a lon/lat shapely polygon (empty: no limit).
    area_km2
        Its area in km² (reported).
    car_parks
        OSM car parks (:func:`parking_lots`).
    params
        The scenario's ``[landuse]`` parameters.
    scenario_name, run_id
        Labels of the run, copied into the summary.
    min_trip_ends
        Trip ends steer where spaces are freed only at streets and car parks
        with at least this many nearby (the runner passes ``[privacy].min_trips``:
        fewer would point the published map at single riders' homes).

    Returns
    -------
    LandUse
        Summary, parking streets and car parks of the area with the spaces
        freed in each (central case).
    """
    p = params
    served = trips[trips["status"] == "served"].reset_index(drop=True)
    pax = served["passengers"].to_numpy(dtype=float)
    train = rides_train(served["tag"])
    pkm = pax * served["direct_km"].to_numpy(dtype=float)
    inputs = {
        "riders_other": float(pax[~train].sum()),
        "riders_train": float(pax[train].sum()),
        "passenger_km_other": float(pkm[~train].sum()),
        "passenger_km_train": float(pkm[train].sum()),
    }
    cases = {
        c: chain_figures(
            **inputs,
            n_vehicles=n_vehicles,
            shuttle_vkm=float(vehicle_km),
            params=p,
            case=c,
        )
        for c in CASES
    }
    central = cases["central"]

    # --- the central case on the map
    streets = _street_segments(graph, area)
    kerb = np.floor(
        2.0 * streets["length_m"].to_numpy() * p.kerb_parkable_share / p.stall_length_m + 1e-9
    ).astype(np.int64)
    kerb_room = np.floor(kerb * p.on_street_removable_share + 1e-9).astype(np.int64)
    at_home = home_is_origin(served["tag"], served["request_s"].to_numpy(dtype=float))
    o_lon, o_lat = served["origin_lon"].to_numpy(), served["origin_lat"].to_numpy()
    d_lon, d_lat = served["dest_lon"].to_numpy(), served["dest_lat"].to_numpy()
    home_m = _metric(np.where(at_home, o_lon, d_lon), np.where(at_home, o_lat, d_lat))
    dest_m = _metric(np.where(at_home, d_lon, o_lon), np.where(at_home, d_lat, o_lat))
    street_m = _metric(streets["mid_lon"], streets["mid_lat"])
    # privacy: a place with fewer than min_trip_ends trip ends nearby gets no spaces,
    # so the map cannot point at one rider's home or destination
    homes_near = _at_least(_nearest_counts(home_m, street_m), min_trip_ends)
    dests_near = _at_least(_nearest_counts(dest_m, street_m), min_trip_ends)
    freed = central["spaces_freed"]
    home_kerb = allocate_whole(freed["home_kerb"], homes_near, kerb_room)
    dest_kerb = allocate_whole(freed["destination_kerb"], dests_near, kerb_room - home_kerb)
    street_freed = home_kerb + dest_kerb
    streets = streets.assign(
        kerb_spaces=kerb,
        homes_nearby=homes_near,
        destinations_nearby=dests_near,
        spaces_freed_home=home_kerb,
        spaces_freed_destination=dest_kerb,
        spaces_freed=street_freed,
        area_freed_m2=street_freed * p.on_street_m2_per_space,
    )
    lots = car_parks
    if len(lots):
        cent = shapely.centroid(lots["geometry"].to_numpy())
        inside = (
            shapely.contains_xy(area, shapely.get_x(cent), shapely.get_y(cent))
            if area is not None and not area.is_empty
            else np.ones(len(lots), bool)
        )
        lots = lots[inside].reset_index(drop=True)
        cent = cent[inside]
        cap = lots["capacity"].to_numpy(dtype=float)
        lot_spaces = np.floor(
            np.where(
                np.isfinite(cap),
                cap,
                lots["area_m2"].to_numpy(dtype=float) / p.off_street_m2_per_space,
            )
            + 1e-9
        ).astype(np.int64)
        lot_m = _metric(shapely.get_x(cent), shapely.get_y(cent))
    else:
        lot_spaces = np.zeros(0, dtype=np.int64)
        lot_m = np.empty((0, 2))
    lot_room = np.floor(lot_spaces * p.off_street_removable_share + 1e-9).astype(np.int64)
    lot_dests = _at_least(_nearest_counts(dest_m, lot_m), min_trip_ends)
    lot_freed = allocate_whole(freed["destination_car_park"], lot_dests, lot_room)
    lots = lots.assign(
        spaces=lot_spaces,
        destinations_nearby=lot_dests,
        spaces_freed=lot_freed,
        area_freed_m2=lot_freed * p.off_street_m2_per_space,
    )
    streets = streets.assign(removable_spaces=kerb_room)
    lots = lots.assign(removable_spaces=lot_room)
    placed = {
        "home_kerb": int(home_kerb.sum()),
        "destination_kerb": int(dest_kerb.sum()),
        "destination_car_park": int(lot_freed.sum()),
    }
    placement = {
        kind: {
            "freed": freed[kind],
            "placed": placed[kind],
            "not_placed": freed[kind] - placed[kind],
        }
        for kind in placed
    }
    placement["home_private"] = {
        "freed": freed["home_private"],
        "placed": 0,
        "not_placed": freed["home_private"],
        "note": "garages and driveways on private ground are not mapped",
    }

    # --- warnings and the summary
    warnings: list[str] = []
    adds = [c for c in CASES if cases[c]["net_vehicle_km"] > 0]
    if adds:
        nets = ", ".join(f"{c} {cases[c]['net_vehicle_km']:+,.0f}" for c in adds)
        warnings.append(
            f"the service adds vehicle-km: shuttles drive {vehicle_km:,.0f} km a day, more "
            f"than the car-km their riders avoid (net a day: {nets})"
        )
    if not central["fleet_upper_bound_applies"]:
        warnings.append(
            "central case: the shuttles drive more than "
            f"{1 + p.extra_vkm_share:.2f} x the car-km they avoid, so Fagnant & "
            "Kockelman's 11 cars per shared vehicle does not apply as a bound"
        )
    values = p.model_dump(mode="json")

    def step(n: int, name: str, figure: str, what: str) -> dict[str, Any]:
        return {
            "step": n,
            "name": name,
            "what": what,
            "figure": figure,
            **{c: cases[c][figure] for c in CASES},
            "parameters": {k: values[k] for k in _STEP_FIGURE_PARAMS[figure]},
        }

    chain = [
        step(
            1,
            "mode shift",
            "riders_who_would_have_driven",
            "riders who would otherwise have driven",
        ),
        step(2, "car trips avoided", "car_trips_avoided", "their car trips, by car occupancy"),
        step(
            2,
            "cars given up",
            "cars_given_up",
            "car trips / trips per car a day x households giving up a car; fleet bound",
        ),
        step(
            3,
            "spaces freed",
            "spaces_freed",
            "cars x spaces per car, at home and at destinations, whole spaces",
        ),
        step(4, "area freed", "area_freed_m2", "spaces x m² per space by kind"),
    ]
    summary: dict[str, Any] = {
        "scenario": scenario_name,
        "run_id": run_id,
        "service_area_km2": float(area_km2),
        "riders_per_day": {
            "served": int(pax.sum()),
            "continuing_by_train": int(inputs["riders_train"]),
            "other": int(inputs["riders_other"]),
        },
        "chain": chain,
        "cases": cases,
        "vehicle_km_per_day": {
            "shuttles": float(vehicle_km),
            "cars_avoided": {c: cases[c]["car_km_avoided"] for c in CASES},
            "net_change": {c: cases[c]["net_vehicle_km"] for c in CASES},
        },
        "placement_central_case": placement,
        "parking_in_area": {
            "parking_streets": len(streets),
            "kerb_spaces": int(kerb.sum()),
            "car_parks": len(lots),
            "car_park_spaces": int(lot_spaces.sum()),
            "trip_end_radius_m": TRIP_END_RADIUS_M,
        },
        "warnings": warnings,
        "parameters": {
            k: {"value": values[k], "step": s, "source": src}
            for k, (s, src) in PARAMETER_SOURCES.items()
        },
    }
    return LandUse(summary, streets, lots)


#: The parameters behind each figure of the chain (shown next to it).
_STEP_FIGURE_PARAMS: dict[str, tuple[str, ...]] = {
    "riders_who_would_have_driven": ("mode_shift_share", "rail_mode_shift_share"),
    "car_trips_avoided": ("car_occupancy", "commute_car_occupancy"),
    "cars_given_up": (
        "trips_per_car_per_day",
        "car_giveup_share",
        "cars_replaced_per_shared_vehicle",
        "extra_vkm_share",
    ),
    "spaces_freed": (
        "parking_spaces_per_car",
        "home_space_share",
        "home_on_street_share",
        "destination_on_street_share",
        "on_street_removable_share",
        "off_street_removable_share",
        "kerb_parkable_share",
        "stall_length_m",
    ),
    "area_freed_m2": (
        "on_street_m2_per_space",
        "off_street_m2_per_space",
        "stall_width_m",
        "stall_length_m",
    ),
}
