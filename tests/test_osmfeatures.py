"""Reading bus stops, stations, buildings and land use from OSM; the features cache."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from klshuttle.errors import MapSourceError
from klshuttle.osmfeatures import (
    BUILDING_COMMERCIAL,
    BUILDING_OTHER,
    BUILDING_RESIDENTIAL,
    load_features,
)
from osm_xml import write_osm


def _square(
    first_id: int, e: float, n: float, size: float
) -> tuple[dict[int, tuple[float, float]], list[int]]:
    nodes = {
        first_id: (e, n),
        first_id + 1: (e + size, n),
        first_id + 2: (e + size, n + size),
        first_id + 3: (e, n + size),
    }
    return nodes, [first_id, first_id + 1, first_id + 2, first_id + 3, first_id]


@pytest.fixture
def features_osm(tmp_path: Path) -> Path:
    nodes: dict[int, tuple[float, float]] = {}
    ways = []
    tags: dict[int, dict[str, str]] = {}

    def square(
        way_id: int, first: int, e: float, n: float, size: float, wtags: dict[str, str]
    ) -> None:
        nd, ref = _square(first, e, n, size)
        nodes.update(nd)
        ways.append((way_id, ref, wtags))

    square(1, 100, 0, 0, 300, {"landuse": "residential"})
    square(2, 200, 400, 0, 200, {"landuse": "commercial"})
    square(10, 300, 10, 10, 10, {"building": "yes"})  # 100 m2 in residential: home
    square(11, 310, 50, 50, 4, {"building": "yes"})  # 16 m2: a shed, not a home
    square(12, 320, 100, 100, 8, {"building": "garage"})  # garage: other
    square(13, 330, 150, 150, 12, {"building": "apartments"})  # tagged home
    square(14, 340, 450, 50, 20, {"building": "yes"})  # in commercial land use
    square(15, 350, 1000, 1000, 15, {"building": "retail"})  # tagged commercial, no land use
    square(16, 360, 1200, 1200, 15, {"building": "yes"})  # no land use, untagged: other
    # a stop: node with two platform ways beside it, and a rail station
    nodes.update(
        {
            500: (0, -50),
            501: (10, -60),
            502: (20, -60),
            503: (0, -40),
            504: (10, -40),
            600: (800, -200),
        }
    )
    tags[500] = {
        "highway": "bus_stop",
        "name": "Teststop",
        "public_transport": "platform",
        "bus": "yes",
    }
    ways.append((20, [501, 502], {"highway": "platform", "name": "Teststop"}))
    ways.append(
        (21, [503, 504], {"public_transport": "platform", "railway": "platform"})
    )  # rail platform: not a bus stop
    tags[600] = {"railway": "station", "name": "Teststadt Hbf"}
    # a road, so the file is a normal extract
    nodes.update({700: (-100, -100), 701: (1500, -100)})
    ways.append((30, [700, 701], {"highway": "residential"}))
    return write_osm(tmp_path / "f.osm", nodes, ways, tags)


def test_building_use_and_stops(features_osm: Path) -> None:
    f = load_features(features_osm, use_cache=False)

    def uses(target_m2: float) -> list[int]:
        near = np.abs(f.building_area_m2 - target_m2) < 0.05 * target_m2
        return sorted(f.building_use[near].tolist())

    assert len(f.building_use) == 7
    assert uses(100) == [BUILDING_RESIDENTIAL]  # untagged in residential land use
    assert uses(16) == [BUILDING_OTHER]  # too small for a home
    assert uses(64) == [BUILDING_OTHER]  # garage
    assert uses(144) == [BUILDING_RESIDENTIAL]  # apartments
    assert uses(400) == [BUILDING_COMMERCIAL]  # untagged in commercial land use
    assert uses(225) == [BUILDING_OTHER, BUILDING_COMMERCIAL]  # untagged alone; retail
    assert sorted(f.stop_name.tolist()) == ["Teststop", "Teststop"]
    assert sorted(f.stop_kind.tolist()) == ["node", "way"]
    assert f.station_name.tolist() == ["Teststadt Hbf"]
    res = f.landuse_polygons(("residential",))
    assert res.area > 0 and f.landuse_polygons(("industrial",)).is_empty


def test_features_are_cached_by_content(
    features_osm: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("KLSHUTTLE_CACHE_DIR", str(cache))
    first = load_features(features_osm)
    files = list(cache.glob("features-*.npz"))
    assert len(files) == 1
    again = load_features(features_osm)
    for name in ("stop_name", "building_area_m2", "building_use", "landuse_wkb", "landuse_offsets"):
        assert np.array_equal(getattr(first, name), getattr(again, name))
    files[0].write_bytes(b"not a cache file")  # a broken cache file is rebuilt
    third = load_features(features_osm)
    assert np.array_equal(third.building_use, first.building_use)


def test_features_need_a_file(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(MapSourceError, match="read from an OSM file"):
        load_features("place:Kaiserslautern, Germany")


@pytest.mark.kaiserslautern
def test_car_parks_of_the_extract(kl_env) -> None:
    from klshuttle.landuse import parking_lots
    from klshuttle.osmfeatures import load_features

    lots = parking_lots(load_features(None))
    # shared/DOMAIN.md: 288 parking polygons, 0.54 km² in all; almost none carry capacity
    assert 270 <= len(lots) <= 290
    assert lots["area_m2"].sum() / 1e6 == pytest.approx(0.54, abs=0.02)
    assert lots["capacity"].notna().sum() <= 5
    assert lots["osm_id"].is_unique and (lots["area_m2"] > 0).all()
