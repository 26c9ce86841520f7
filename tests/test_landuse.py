"""Land-use impact on a hand-built case: numbers worked out by hand (shared/DOMAIN.md model)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import shapely

from graph_factory import LAT0, LON0, make_graph
from klshuttle.graph import to_lonlat, to_metric
from klshuttle.landuse import LandUse, landuse_impact, parking_lots
from klshuttle.scenario import LandUseSpec

# parameters chosen so the arithmetic is easy to follow
PARAMS = LandUseSpec(
    stall_length_m=5.0,
    kerb_parkable_share=0.5,
    car_occupancy=1.0,
    car_mode_share=0.5,
    parking_spaces_per_car=2.0,
    cars_replaced_per_shared_vehicle=10.0,
    on_street_removable_share=1.0,
    off_street_removable_share=0.8,
    on_street_m2_per_space=13.0,
    off_street_m2_per_space=22.5,
)


def _square(lon: float, lat: float, side_deg: float = 0.0002) -> shapely.Polygon:
    return shapely.box(lon, lat, lon + side_deg, lat + side_deg)


def _case() -> LandUse:
    # street A: nodes 0-1, 100 m, next to the trip ends; street B: nodes 1-2, 200 m,
    # its middle about 460 m away from them (beyond the 300 m radius)
    coords = [(LON0, LAT0), (LON0 + 0.0014, LAT0), (LON0 + 0.0114, LAT0)]
    graph = make_graph(
        3,
        [(0, 1, 10.0, 100.0), (1, 0, 10.0, 100.0), (1, 2, 20.0, 200.0), (2, 1, 20.0, 200.0)],
        coords,
    )
    trips = pd.DataFrame(
        {
            "status": ["served", "served", "rejected"],
            "passengers": [50, 50, 7],
            "origin_lon": [LON0] * 3,
            "origin_lat": [LAT0] * 3,
            "dest_lon": [LON0] * 3,
            "dest_lat": [LAT0] * 3,
            "direct_km": [2.0, 2.0, 9.0],
        }
    )
    car_parks = pd.DataFrame(
        {
            "osm_id": [1, 2, 3],
            "name": ["near", "far", "outside"],
            "parking": ["surface"] * 3,
            # near: tagged 10 spaces; far: untagged, 450 m2 / 22.5 = 20 spaces
            "capacity": [10.0, np.nan, 100.0],
            "area_m2": [999.0, 450.0, 999.0],
            "geometry": [
                _square(LON0 + 0.0004, LAT0 + 0.0004),
                _square(LON0 + 0.0120, LAT0),
                _square(LON0 - 0.0050, LAT0),
            ],
        }
    )
    area = shapely.box(LON0 - 0.001, LAT0 - 0.005, LON0 + 0.02, LAT0 + 0.005)
    return landuse_impact(
        trips=trips,
        n_vehicles=4,
        vehicle_km=12.5,
        graph=graph,
        area=area,
        area_km2=1.25,
        car_parks=car_parks,
        params=PARAMS,
        scenario_name="hand",
        run_id="abc",
    )


def test_cars_spaces_and_area_freed_by_hand() -> None:
    summary, streets, lots = _case()
    # 100 passengers served x 0.5 car share / 1.0 occupancy = 50 car trips avoided;
    # 4 vehicles x 10 = 40 cars is less, so 40 cars, x 2 = 80 spaces
    assert summary["scenario"] == "hand" and summary["run_id"] == "abc"
    assert summary["service_area_km2"] == 1.25
    assert summary["passengers_served_per_day"] == 100
    assert summary["car_trips_avoided_per_day"] == 50.0
    assert summary["cars_replaced"] == {
        "estimate": 40.0,
        "fleet_based": 40.0,
        "limited_by_car_trips_avoided": False,
    }
    # kerbs: 2 x 100 m x 0.5 / 5 m = 20 spaces on A, 40 on B; A (4 ends of the 2 served trips near it)
    # takes its 20, B (no trip end near) the remaining 40 of the 60 placeable
    assert streets["edge"].tolist() == [0, 2]
    assert streets["kerb_spaces"].tolist() == pytest.approx([20.0, 40.0])
    assert streets["trip_ends_nearby"].tolist() == [4, 0]
    assert streets["spaces_freed"].tolist() == pytest.approx([20.0, 40.0])
    assert streets["area_freed_m2"].tolist() == pytest.approx([260.0, 520.0])
    # car parks: 'outside' is outside the area; 80 - 60 = 20 spaces left, at most
    # 0.8 x capacity each: near (10 spaces) gives 8, far (20 spaces) the other 12
    assert lots["name"].tolist() == ["near", "far"]
    assert lots["spaces"].tolist() == pytest.approx([10.0, 20.0])
    assert lots["trip_ends_nearby"].tolist() == [4, 0]
    assert lots["spaces_freed"].tolist() == pytest.approx([8.0, 12.0])
    assert summary["parking_spaces_freed"] == pytest.approx(
        {"total": 80.0, "on_street": 60.0, "off_street": 20.0, "not_placed_in_area": 0.0}
    )
    # 60 x 13 m2 + 20 x 22.5 m2
    assert summary["area_freed_m2"] == pytest.approx(
        {"on_street": 780.0, "off_street": 450.0, "total": 1230.0}
    )
    assert summary["parking_in_area"] == pytest.approx(
        {"kerb_spaces": 60.0, "car_park_spaces": 30.0, "car_parks": 2}
    )
    # 100 served passengers x 2 km x 0.5 / 1.0 = 100 car-km avoided; the rejected trip counts not
    assert summary["vehicle_km_per_day"] == pytest.approx(
        {"shuttles": 12.5, "cars_avoided": 100.0, "net_change": -87.5}
    )
    assert summary["parameters"]["stall_length_m"] == 5.0


def test_cars_are_limited_by_the_car_trips_avoided() -> None:
    graph = make_graph(2, [(0, 1, 10.0, 100.0)])
    trips = pd.DataFrame(
        {
            "status": ["served"],
            "passengers": [3],
            "origin_lon": [LON0],
            "origin_lat": [LAT0],
            "dest_lon": [LON0],
            "dest_lat": [LAT0],
            "direct_km": [1.0],
        }
    )
    empty = parking_lots(_features([]))
    summary, streets, lots = landuse_impact(
        trips=trips,
        n_vehicles=1,
        vehicle_km=1.0,
        graph=graph,
        area=shapely.Polygon(),
        area_km2=0.0,
        car_parks=empty,
        params=PARAMS,
        scenario_name="s",
        run_id="r",
    )
    # 3 x 0.5 / 1.0 = 1.5 car trips avoided < 10 cars per vehicle
    assert summary["cars_replaced"]["estimate"] == 1.5
    assert summary["cars_replaced"]["limited_by_car_trips_avoided"]
    # 3 spaces, all on the one kerb (20 spaces), none in car parks
    assert streets["spaces_freed"].tolist() == pytest.approx([3.0])
    assert len(lots) == 0 and summary["parking_spaces_freed"]["off_street"] == 0.0


def _features(parks: list[tuple[int, str, str, float, shapely.Polygon]]) -> SimpleNamespace:
    blobs = [shapely.to_wkb(p[4]) for p in parks]
    return SimpleNamespace(
        parking_id=np.array([p[0] for p in parks], dtype=np.int64),
        parking_name=np.array([p[1] for p in parks], dtype=str),
        parking_kind=np.array([p[2] for p in parks], dtype=str),
        parking_capacity=np.array([p[3] for p in parks], dtype=float),
        parking_wkb=np.frombuffer(b"".join(blobs), dtype=np.uint8),
        parking_offsets=np.concatenate(([0], np.cumsum([len(b) for b in blobs]))).astype(np.int64),
    )


def test_parking_lots_from_features() -> None:
    # a 100 m x 50 m car park drawn in metres, given in lon/lat
    x0, y0 = to_metric(LON0, LAT0)
    xs = np.array([x0, x0 + 100.0, x0 + 100.0, x0, x0])
    ys = np.array([y0, y0, y0 + 50.0, y0 + 50.0, y0])
    lon, lat = to_lonlat(xs, ys)
    poly = shapely.Polygon(np.column_stack([lon, lat]))
    lots = parking_lots(
        _features([(9, "Ost", "multi-storey", 120.0, poly), (4, "", "surface", np.nan, poly)])
    )
    assert lots.columns.tolist() == ["osm_id", "name", "parking", "capacity", "area_m2", "geometry"]
    assert lots["osm_id"].tolist() == [4, 9]  # by OSM id
    assert lots["name"].tolist() == ["", "Ost"]
    assert np.isnan(lots["capacity"][0]) and lots["capacity"][1] == 120.0
    assert lots["area_m2"].tolist() == pytest.approx([5000.0, 5000.0], rel=1e-6)
    assert lots["geometry"][0].equals(poly)
