"""Land-use impact: parking spaces and road area a shuttle service could free, and where.

The model, with its parameters from the scenario's ``[landuse]`` table
(defaults and sources in shared/DOMAIN.md):

1. **Cars replaced.** Fagnant & Kockelman (2014) found one shared automated
   vehicle replaced about 11 private cars. A service cannot replace more cars
   than the car trips it takes off the road each day, so the estimate is
   ``min(vehicles x cars_replaced_per_shared_vehicle, car trips avoided)``,
   where car trips avoided = passengers served x car mode share (SrV 2023:
   50 %) / car occupancy (MiD 2017: 1.5).
2. **Parking spaces freed** = cars replaced x parking spaces per car (about 2.5).
3. **Where.** ITF/OECD (Lisbon 2015): all on-street parking and up to 80 % of
   off-street parking become unnecessary. Freed spaces are taken from the
   kerbs of the service area first, then from its car parks:
   - on-street capacity per street segment = 2 kerbs x length x the parkable
     share of the kerb / the stall length (EAR 23: 5.20 m), for residential,
     living, unclassified, tertiary and secondary streets;
   - off-street capacity per OSM car park (``amenity=parking``) = its
     ``capacity`` tag, else its footprint / m² per off-street space (EAR 05).
   Within each kind, spaces are freed where riders' trips begin and end:
   each street's share follows its kerb spaces weighted by the trip ends
   within walking distance, never more than its removable capacity.
4. **Area freed** = on-street spaces x m² per on-street space + off-street
   spaces x m² per off-street space (EAR 05).

It also reports the vehicle-km balance: shuttle vehicle-km against the car
vehicle-km the riders would otherwise have driven.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from .graph import RoadGraph, to_metric

if TYPE_CHECKING:
    from .osmfeatures import OsmFeatures
    from .scenario import LandUseSpec

__all__ = ["LandUse", "landuse_impact", "parking_lots"]

log = logging.getLogger(__name__)

#: Road classes with kerbside parking in the model.
PARKING_STREET_CLASSES = ("residential", "living_street", "unclassified", "tertiary", "secondary")

#: Trip ends within this distance (m, straight line) of a street count for it.
TRIP_END_RADIUS_M = 300.0


class LandUse(NamedTuple):
    """The land-use impact of a run (:func:`landuse_impact`).

    Attributes
    ----------
    summary : dict
        Cars replaced, spaces and m² freed on-street and off-street, the
        vehicle-km balance, and the parameters used with their sources.
    streets : DataFrame
        Street segments of the area with kerb spaces and spaces freed.
    car_parks : DataFrame
        Car parks of the area with capacity and spaces freed.
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
    edges = [
        k for k in np.flatnonzero(keep) if src[k] < dst[k] or (int(dst[k]), int(src[k])) not in twin
    ]
    edges = np.asarray(edges, dtype=np.int64)
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


def _water_fill(total: float, weight: np.ndarray, cap: np.ndarray) -> np.ndarray:
    """Share ``total`` in proportion to ``weight``, never more than ``cap`` per item."""
    out = np.zeros(len(weight))
    left = float(min(total, cap.sum()))
    open_ = (cap > 0) & (weight > 0)
    while left > 1e-9 and open_.any():
        share = left * weight[open_] / weight[open_].sum()
        room = cap[open_] - out[open_]
        take = np.minimum(share, room)
        out[open_] += take
        left -= float(take.sum())
        open_ &= out < cap - 1e-12
    if left > 1e-9:  # items with no weight take what is left, by capacity
        rest = (cap - out) > 0
        if rest.any():
            out[rest] += np.minimum(
                cap[rest] - out[rest],
                left * (cap[rest] - out[rest]) / (cap[rest] - out[rest]).sum(),
            )
    return out


def _trip_end_counts(points_m: np.ndarray, centres_m: np.ndarray) -> np.ndarray:
    if len(points_m) == 0 or len(centres_m) == 0:
        return np.zeros(len(centres_m))
    tree = cKDTree(points_m)
    return np.array(
        [len(x) for x in tree.query_ball_point(centres_m, TRIP_END_RADIUS_M)], dtype=float
    )


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
    """Estimate the parking spaces and road area the service could free.

    Parameters
    ----------
    trips
        One row per request (columns of trips.csv: ``status``, ``passengers``,
        origin and destination lon/lat, ``direct_km``).
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
        Summary, street segments and car parks of the area with the spaces
        freed in each.
    """
    p = params
    served = trips[trips["status"] == "served"]
    pax = float(served["passengers"].sum())
    # 1. cars replaced
    fleet_based = n_vehicles * p.cars_replaced_per_shared_vehicle
    car_trips_avoided = pax * p.car_mode_share / p.car_occupancy
    cars = min(fleet_based, car_trips_avoided)
    # 2. spaces
    spaces = cars * p.parking_spaces_per_car
    # 3. where: kerbs, then car parks
    streets = _street_segments(graph, area)
    kerb_spaces = 2.0 * streets["length_m"].to_numpy() * p.kerb_parkable_share / p.stall_length_m
    ends_lon = np.concatenate([served["origin_lon"].to_numpy(), served["dest_lon"].to_numpy()])
    ends_lat = np.concatenate([served["origin_lat"].to_numpy(), served["dest_lat"].to_numpy()])
    ends_m = np.column_stack(to_metric(ends_lon, ends_lat)) if len(ends_lon) else np.empty((0, 2))
    centres = (
        np.column_stack(to_metric(streets["mid_lon"], streets["mid_lat"]))
        if len(streets)
        else np.empty((0, 2))
    )
    street_ends = _trip_end_counts(ends_m, centres)
    on_cap = kerb_spaces * p.on_street_removable_share
    street_w = np.where(street_ends >= min_trip_ends, street_ends, 0.0)
    on_freed = _water_fill(spaces, kerb_spaces * street_w, on_cap)
    streets = streets.assign(
        kerb_spaces=kerb_spaces,
        trip_ends_nearby=street_ends.astype(np.int64),
        spaces_freed=on_freed,
        area_freed_m2=on_freed * p.on_street_m2_per_space,
    )
    lots = car_parks
    if len(lots):
        cent = shapely.centroid(lots["geometry"].to_numpy())
        inside = (
            shapely.contains_xy(area, shapely.get_x(cent), shapely.get_y(cent))
            if not area.is_empty
            else np.ones(len(lots), bool)
        )
        lots = lots[inside].reset_index(drop=True)
        cent = cent[inside]
    lot_cap = (
        np.where(
            np.isfinite(lots["capacity"].to_numpy(dtype=float)),
            lots["capacity"].to_numpy(dtype=float),
            lots["area_m2"].to_numpy(dtype=float) / p.off_street_m2_per_space,
        )
        if len(lots)
        else np.zeros(0)
    )
    lot_centres = (
        np.column_stack(to_metric(shapely.get_x(cent), shapely.get_y(cent)))
        if len(lots)
        else np.empty((0, 2))
    )
    lot_ends = _trip_end_counts(ends_m, lot_centres)
    off_left = spaces - float(on_freed.sum())
    off_freed = (
        _water_fill(
            off_left,
            lot_cap * (np.where(lot_ends >= min_trip_ends, lot_ends, 0.0) + 1.0),
            lot_cap * p.off_street_removable_share,
        )
        if len(lots)
        else np.zeros(0)
    )
    lots = lots.assign(
        spaces=lot_cap,
        trip_ends_nearby=lot_ends.astype(np.int64),
        spaces_freed=off_freed,
        area_freed_m2=off_freed * p.off_street_m2_per_space,
    )
    on_total, off_total = float(on_freed.sum()), float(off_freed.sum())
    # vehicle-km balance
    shuttle_vkm = float(vehicle_km)
    car_vkm_avoided = (
        float((served["direct_km"] * served["passengers"]).sum())
        * p.car_mode_share
        / p.car_occupancy
    )
    summary: dict[str, Any] = {
        "scenario": scenario_name,
        "run_id": run_id,
        "service_area_km2": float(area_km2),
        "passengers_served_per_day": int(pax),
        "car_trips_avoided_per_day": car_trips_avoided,
        "cars_replaced": {
            "estimate": cars,
            "fleet_based": fleet_based,
            "limited_by_car_trips_avoided": car_trips_avoided < fleet_based,
        },
        "parking_spaces_freed": {
            "total": spaces,
            "on_street": on_total,
            "off_street": off_total,
            "not_placed_in_area": max(spaces - on_total - off_total, 0.0),
        },
        "area_freed_m2": {
            "on_street": on_total * p.on_street_m2_per_space,
            "off_street": off_total * p.off_street_m2_per_space,
            "total": on_total * p.on_street_m2_per_space + off_total * p.off_street_m2_per_space,
        },
        "parking_in_area": {
            "kerb_spaces": float(kerb_spaces.sum()),
            "car_park_spaces": float(lot_cap.sum()),
            "car_parks": len(lots),
        },
        "vehicle_km_per_day": {
            "shuttles": shuttle_vkm,
            "cars_avoided": car_vkm_avoided,
            "net_change": shuttle_vkm - car_vkm_avoided,
        },
        "parameters": p.model_dump(mode="json"),
        "sources": {
            "cars_replaced_per_shared_vehicle": "Fagnant & Kockelman 2014, Transportation Research C 40",
            "car_mode_share": "SrV 2023, Kaiserslautern residents",
            "car_occupancy": "MiD 2017",
            "parking_spaces_per_car": "about 2.5 in Germany (approx., primary source unknown)",
            "removable_shares": "ITF/OECD 2015, Urban Mobility System Upgrade (Lisbon)",
            "m2_per_space": "EAR 05 (approx.)",
            "stall_length_m": "EAR 23 stall 2.65 m x 5.20 m",
            "kerb_parkable_share": "assumption (driveways, junctions, stops and hydrants take the rest)",
        },
    }
    return LandUse(summary, streets, lots)
