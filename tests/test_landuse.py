"""The land-use chain, worked by hand: riders -> cars -> whole spaces -> m², and where."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from graph_factory import LAT0, LON0, make_graph
from klshuttle.landuse import (
    CASES,
    PARAMETER_SOURCES,
    LandUse,
    allocate_whole,
    chain_figures,
    home_is_origin,
    landuse_impact,
    rides_train,
)
from klshuttle.scenario import LandUseSpec, ShareRange

# parameters chosen so the arithmetic is easy to follow
PARAMS = LandUseSpec(
    mode_shift_share=ShareRange(low=0.1, central=0.2, high=0.4),
    rail_mode_shift_share=ShareRange(low=0.05, central=0.1, high=0.2),
    car_occupancy=1.5,
    commute_car_occupancy=1.2,
    trips_per_car_per_day=2.5,
    car_giveup_share=ShareRange(low=0.1, central=0.25, high=0.5),
    cars_replaced_per_shared_vehicle=11.0,
    extra_vkm_share=0.1,
    parking_spaces_per_car=2.0,
    home_space_share=0.4,
    home_on_street_share=0.5,
    destination_on_street_share=0.5,
    on_street_removable_share=1.0,
    off_street_removable_share=0.8,
    kerb_parkable_share=0.5,
    stall_width_m=2.5,
    stall_length_m=5.0,
    on_street_m2_per_space=13.0,
    off_street_m2_per_space=22.5,
)

#: 300 riders not going on by train, 120 who do; 2 km each; 105 shuttle vehicle-km
RIDERS = {
    "riders_other": 300.0,
    "riders_train": 120.0,
    "passenger_km_other": 600.0,
    "passenger_km_train": 240.0,
}


def _chain(params: LandUseSpec = PARAMS, case: str = "central", **kw: float) -> dict:
    args = {**RIDERS, "n_vehicles": 4, "shuttle_vkm": 105.0, **kw}
    return chain_figures(**args, params=params, case=case)  # type: ignore[arg-type]


def test_the_chain_by_hand() -> None:
    c = _chain()
    # 1. 300 x 0.2 + 120 x 0.1 = 72 riders would have driven
    assert c["riders_who_would_have_driven"] == pytest.approx(72.0)
    # 2. 60 / 1.5 + 12 / 1.2 = 50 car trips; 600 x 0.2 / 1.5 + 240 x 0.1 / 1.2 = 100 car-km;
    #    50 / 2.5 trips a car = 20 car-days x 0.25 of households = 5 cars;
    #    105 shuttle-km <= 1.1 x 100, so the bound 4 x 11 = 44 applies and does not bind
    assert c["car_trips_avoided"] == pytest.approx(50.0)
    assert c["car_km_avoided"] == pytest.approx(100.0)
    assert c["car_days_of_use_avoided"] == pytest.approx(20.0)
    assert c["cars_given_up"] == pytest.approx(5.0)
    assert c["fleet_upper_bound"] == 44.0 and c["fleet_upper_bound_applies"]
    # 3. 5 x 2 = 10 spaces: 4 at home (2 kerb, 2 private), 6 at destinations (3 kerb, 3 car park)
    assert c["spaces_freed"] == {
        "home_kerb": 2,
        "home_private": 2,
        "destination_kerb": 3,
        "destination_car_park": 3,
    }
    assert c["spaces_freed_total"] == 10
    # 4. 5 kerb x 13 + 2 private x 2.5 x 5.0 + 3 car park x 22.5 = 65 + 25 + 67.5
    assert c["area_freed_m2"] == pytest.approx(
        {
            "home_kerb": 26.0,
            "home_private": 25.0,
            "destination_kerb": 39.0,
            "destination_car_park": 67.5,
        }
    )
    assert c["area_freed_m2_total"] == pytest.approx(157.5)
    assert c["net_vehicle_km"] == pytest.approx(5.0)


def test_spaces_are_whole_and_rounded_down() -> None:
    # 0.3 of households: 6 cars, 12 spaces; home 4.8 -> 2.4 kerb, 2.4 private -> 2 and 2;
    # destinations 7.2 -> 3.6 and 3.6 -> 3 and 3
    p = PARAMS.model_copy(update={"car_giveup_share": ShareRange(low=0.3, central=0.3, high=0.3)})
    c = _chain(p)
    assert c["cars_given_up"] == pytest.approx(6.0)
    assert c["spaces_freed"] == {
        "home_kerb": 2,
        "home_private": 2,
        "destination_kerb": 3,
        "destination_car_park": 3,
    }
    assert all(isinstance(v, int) for v in c["spaces_freed"].values())


def test_fleet_bound_only_where_its_premise_holds() -> None:
    # 1 vehicle x 2 cars bounds the 5 cars while 105 km <= 1.1 x 100 km ...
    p = PARAMS.model_copy(update={"cars_replaced_per_shared_vehicle": 2.0})
    assert _chain(p, n_vehicles=1)["cars_given_up"] == pytest.approx(2.0)
    # ... but not when the shuttles drive more than that: the figure does not apply
    far = _chain(p, n_vehicles=1, shuttle_vkm=200.0)
    assert not far["fleet_upper_bound_applies"]
    assert far["cars_given_up"] == pytest.approx(5.0)


def test_zero_mode_shift_frees_nothing() -> None:
    zero = ShareRange(low=0.0, central=0.0, high=0.0)
    p = PARAMS.model_copy(update={"mode_shift_share": zero, "rail_mode_shift_share": zero})
    for case in CASES:
        c = _chain(p, case)
        assert c["cars_given_up"] == 0.0
        assert c["spaces_freed_total"] == 0 and c["area_freed_m2_total"] == 0.0
        assert c["net_vehicle_km"] == pytest.approx(105.0)


def test_doubling_the_fleet_with_the_same_riders_and_km_changes_nothing() -> None:
    one, two = _chain(n_vehicles=20), _chain(n_vehicles=40)
    assert {k: v for k, v in one.items() if k != "fleet_upper_bound"} == {
        k: v for k, v in two.items() if k != "fleet_upper_bound"
    }


def test_cases_are_ordered() -> None:
    low, central, high = (_chain(case=c) for c in CASES)
    assert low["spaces_freed_total"] <= central["spaces_freed_total"] <= high["spaces_freed_total"]
    assert low["car_km_avoided"] < central["car_km_avoided"] < high["car_km_avoided"]


@settings(max_examples=200, deadline=None)
@given(
    other=st.floats(0, 50_000),
    train=st.floats(0, 50_000),
    more_other=st.floats(0, 5_000),
    more_train=st.floats(0, 5_000),
    km=st.floats(0.1, 20),
)
def test_more_riders_never_free_less(
    other: float, train: float, more_other: float, more_train: float, km: float
) -> None:
    def run(o: float, t: float, case: str) -> dict:
        return chain_figures(
            riders_other=o,
            riders_train=t,
            passenger_km_other=o * km,
            passenger_km_train=t * km,
            n_vehicles=10_000,  # a bound that never binds
            shuttle_vkm=500.0,
            params=LandUseSpec(),
            case=case,
        )

    for case in CASES:
        a = run(other, train, case)
        b = run(other + more_other, train + more_train, case)
        for kind, n in a["spaces_freed"].items():
            assert b["spaces_freed"][kind] >= n
        assert b["area_freed_m2_total"] >= a["area_freed_m2_total"]


# ------------------------------------------------------------------ on the map
def _square(lon: float, lat: float, side_deg: float = 0.0002) -> shapely.Polygon:
    return shapely.box(lon, lat, lon + side_deg, lat + side_deg)


def _case(params: LandUseSpec = PARAMS, n_vehicles: int = 4) -> LandUse:
    # street A: nodes 0-1, 100 m, by the trip ends; street B: nodes 1-2, 200 m,
    # its middle about 460 m away from them (beyond the 300 m radius)
    coords = [(LON0, LAT0), (LON0 + 0.0014, LAT0), (LON0 + 0.0114, LAT0)]
    graph = make_graph(
        3,
        [(0, 1, 10.0, 100.0), (1, 0, 10.0, 100.0), (1, 2, 20.0, 200.0), (2, 1, 20.0, 200.0)],
        coords,
    )
    # the RIDERS: three trips of 100 from home to a hub, one of 120 to the train, 2 km
    # each; destinations by the car park 'near'; a rejected trip that does not count
    dest = (LON0 + 0.0004, LAT0 + 0.0004)
    trips = pd.DataFrame(
        {
            "status": ["served"] * 4 + ["rejected"],
            "tag": ["r:home-hub"] * 3 + ["f:to_train", "r:home-hub"],
            "request_s": [8 * 3600.0] * 5,
            "passengers": [100, 100, 100, 120, 7],
            "origin_lon": [LON0] * 5,
            "origin_lat": [LAT0] * 5,
            "dest_lon": [dest[0]] * 5,
            "dest_lat": [dest[1]] * 5,
            "direct_km": [2.0, 2.0, 2.0, 2.0, 9.0],
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
        n_vehicles=n_vehicles,
        vehicle_km=105.0,
        graph=graph,
        area=area,
        area_km2=1.25,
        car_parks=car_parks,
        params=params,
        scenario_name="hand",
        run_id="abc",
    )


def test_the_central_case_placed_by_hand() -> None:
    summary, streets, lots = _case()
    assert summary["riders_per_day"] == {"served": 420, "continuing_by_train": 120, "other": 300}
    assert summary["cases"]["central"] == _chain()
    # kerbs: 2 x 100 m x 0.5 / 5 m = 20 spaces on A, 40 on B; every home and
    # destination lies nearest A, none within 300 m of B
    assert streets["edge"].tolist() == [0, 2]
    assert streets["kerb_spaces"].tolist() == [20, 40]
    assert streets["homes_nearby"].tolist() == [4, 0]
    assert streets["destinations_nearby"].tolist() == [4, 0]
    assert streets["spaces_freed_home"].tolist() == [2, 0]
    assert streets["spaces_freed_destination"].tolist() == [3, 0]
    assert streets["area_freed_m2"].tolist() == pytest.approx([65.0, 0.0])
    # car parks: 'outside' is outside the area; the 3 car-park spaces go to 'near'
    assert lots["name"].tolist() == ["near", "far"]
    assert lots["spaces"].tolist() == [10, 20]
    assert lots["removable_spaces"].tolist() == [8, 16]
    assert lots["destinations_nearby"].tolist() == [4, 0]
    assert lots["spaces_freed"].tolist() == [3, 0]
    placement = summary["placement_central_case"]
    assert {k: (v["freed"], v["placed"]) for k, v in placement.items()} == {
        "home_kerb": (2, 2),
        "destination_kerb": (3, 3),
        "destination_car_park": (3, 3),
        "home_private": (2, 0),
    }
    # per-street counts never add up to more than the day's served trips
    assert streets["homes_nearby"].sum() <= 4 and streets["destinations_nearby"].sum() <= 4


def test_what_finds_no_room_is_not_placed() -> None:
    # 5 % of the kerb: A holds 2 spaces, B 4; home takes A's 2, the 3 destination
    # kerb spaces find no room by the destinations
    p = PARAMS.model_copy(update={"kerb_parkable_share": 0.05})
    summary, streets, _ = _case(p)
    assert streets["kerb_spaces"].tolist() == [2, 4]
    assert streets["spaces_freed"].tolist() == [2, 0]
    assert summary["placement_central_case"]["destination_kerb"] == {
        "freed": 3,
        "placed": 0,
        "not_placed": 3,
    }


def test_doubling_the_fleet_frees_the_same_spaces_in_the_same_places() -> None:
    a, b = _case(n_vehicles=4), _case(n_vehicles=8)
    pd.testing.assert_frame_equal(a.streets, b.streets)
    pd.testing.assert_frame_equal(a.car_parks, b.car_parks)
    for c in CASES:
        assert a.summary["cases"][c]["spaces_freed"] == b.summary["cases"][c]["spaces_freed"]


def test_net_vehicle_km_and_the_warning() -> None:
    summary, _, _ = _case()
    assert summary["vehicle_km_per_day"]["net_change"]["central"] == pytest.approx(5.0)
    assert any("adds vehicle-km" in w for w in summary["warnings"])
    # the high case avoids 200 car-km: no net addition there
    assert summary["vehicle_km_per_day"]["net_change"]["high"] == pytest.approx(-95.0)


def test_every_parameter_is_listed_with_its_source_and_used() -> None:
    summary, _, _ = _case()
    assert set(PARAMETER_SOURCES) == set(LandUseSpec.model_fields) == set(summary["parameters"])
    shown = {k for step in summary["chain"] for k in step["parameters"]}
    assert shown == set(LandUseSpec.model_fields)
    # changing any one parameter changes what the chain or the map reports
    base = _case()
    for name in LandUseSpec.model_fields:
        value = getattr(PARAMS, name)
        if isinstance(value, ShareRange):
            new = ShareRange(low=value.low / 2, central=value.central / 2, high=value.high / 2)
        elif name == "extra_vkm_share":
            new = 0.0  # 105 km > 1.0 x 100 km: the bound's premise fails
        elif name == "cars_replaced_per_shared_vehicle":
            new = 0.5  # 4 x 0.5 = 2 cars: the bound binds
        elif name == "on_street_removable_share":
            new = 0.2
        elif 0 < value <= 1 and name.endswith("share"):
            new = value * 0.5
        else:
            new = value * 1.5
        other = _case(PARAMS.model_copy(update={name: new}))
        same = (
            other.summary["cases"] == base.summary["cases"]
            and other.streets.equals(base.streets)
            and other.car_parks.equals(base.car_parks)
        )
        assert not same, f"{name} changes nothing"


def test_trip_purposes() -> None:
    tags = pd.Series(["a:home-hub", "a:hub-home", "f:to_train", "f:from_train", "c:x", "c:x"])
    assert rides_train(tags).tolist() == [False, False, True, True, False, False]
    t = np.array([20, 8, 20, 8, 9, 13]) * 3600.0
    assert home_is_origin(tags, t).tolist() == [True, False, True, False, True, False]


def test_allocate_whole_by_hand() -> None:
    # 7 units, weights 2:1:1, caps 3, 10, 10 -> 3 (capped), then 4 shared 2:2
    assert allocate_whole(7, np.array([2, 1, 1]), np.array([3, 10, 10])).tolist() == [3, 2, 2]
    # nothing for items without weight; what finds no room stays unallocated
    assert allocate_whole(9, np.array([1, 0]), np.array([4, 10])).tolist() == [4, 0]
    # quotas below one: one each, largest weight first
    assert allocate_whole(2, np.array([1, 3, 2]), np.array([5, 5, 5])).tolist() == [0, 1, 1]
