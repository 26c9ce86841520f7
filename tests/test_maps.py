"""Building the shuttle road graph from OSM: filter, oneway, speeds, cache, sources."""

from __future__ import annotations

import gzip
import time
from pathlib import Path

import numpy as np
import pytest
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from klshuttle import load_map, mapconfig
from klshuttle.errors import MapBuildError, MapSourceError
from klshuttle.maps import (
    BuildSettings,
    resolve_map_source,
    way_drop_reason,
)
from osm_xml import write_osm

# Grid (metres east, north):   D(0,100) -> E(100,100) -> F(200,100)   (oneway)
#                               |                         |
#                               A(0,0) -- B(100,0) ---- C(200,0) --motorway--> G(400,0)
#                                         |  (footway B-E)
#                                         X(100,-80) living street
# plus a disconnected street P-Q far away, a driveway and a parking aisle off C.
NODES = {
    1: (0, 0),
    2: (100, 0),
    3: (200, 0),
    4: (0, 100),
    5: (100, 100),
    6: (200, 100),
    7: (400, 0),
    8: (100, -80),
    9: (900, 900),
    10: (1000, 900),
    11: (260, -40),
    12: (300, -60),
}
WAYS = [
    (100, [1, 2, 3], {"highway": "residential", "name": "Hauptweg"}),
    (101, [4, 5, 6], {"highway": "residential", "oneway": "yes", "name": "Einbahnweg"}),
    (102, [1, 4], {"highway": "residential", "name": "Westweg"}),
    (103, [3, 6], {"highway": "tertiary", "maxspeed": "10", "name": "Ostweg"}),
    (104, [2, 5], {"highway": "footway"}),
    (105, [3, 7], {"highway": "motorway", "oneway": "yes"}),
    (106, [2, 8], {"highway": "living_street", "name": "Spielstrasse"}),
    (107, [9, 10], {"highway": "residential", "name": "Inselweg"}),
    (108, [3, 11], {"highway": "service", "service": "driveway"}),
    (109, [3, 12], {"highway": "service", "service": "parking_aisle"}),
]


@pytest.fixture
def small_osm(tmp_path: Path) -> Path:
    return write_osm(tmp_path / "small.osm", NODES, WAYS)


def _strong_components(graph) -> int:
    # scipy's strong components can hang on CSR input with duplicate entries
    # (parallel edges), so merge them first
    m = coo_matrix(
        (np.ones(graph.n_edges), (graph.edge_source, graph.indices)), shape=(graph.n_nodes,) * 2
    ).tocsr()
    m.sum_duplicates()
    return int(connected_components(m, directed=True, connection="strong")[0])


def _edges_by_osmid(graph) -> set[tuple[int, int]]:
    src = graph.edge_source
    return {
        (int(graph.osmid[src[k]]), int(graph.osmid[graph.indices[k]])) for k in range(graph.n_edges)
    }


def test_small_map_keeps_drivable_strongly_connected_streets(small_osm: Path) -> None:
    graph = load_map(small_osm)
    edges = _edges_by_osmid(graph)
    kept_nodes = set(graph.osmid.tolist())
    # motorway head, disconnected island, driveway and parking aisle ends are gone
    assert kept_nodes.isdisjoint({7, 9, 10, 11, 12})
    assert (3, 7) not in edges
    # the footway B-E is not an edge; E sits inside a oneway way and is simplified away
    assert (2, 5) not in edges and (5, 2) not in edges
    # oneway D -> F (through E) exists only in its own direction
    assert (4, 6) in edges and (6, 4) not in edges
    # two-way streets run both ways
    assert {(1, 2), (2, 1), (2, 3), (3, 2), (1, 4), (4, 1), (2, 8), (8, 2)} <= edges
    # strongly connected
    assert _strong_components(graph) == 1


def test_drop_report_names_what_was_removed(small_osm: Path) -> None:
    meta = load_map(small_osm).meta
    reasons = meta["dropped"]["ways_by_reason"]
    assert reasons == {
        "highway=footway": 1,
        "highway=motorway": 1,
        "service=driveway": 1,
        "service=parking_aisle": 1,
    }
    assert meta["dropped"]["nodes_outside_largest_component"] == 2  # the island P-Q
    assert meta["dropped"]["components"] == 2


def test_speeds_follow_maxspeed_class_defaults_and_vehicle_cap(small_osm: Path) -> None:
    graph = load_map(small_osm, max_speed_kmh=20)
    by_pair = {}
    src = graph.edge_source
    for k in range(graph.n_edges):
        by_pair[(int(graph.osmid[src[k]]), int(graph.osmid[graph.indices[k]]))] = k
    ostweg = by_pair[(3, 6)]
    living = by_pair[(2, 8)]
    residential = by_pair[(1, 2)]
    assert graph.speed_kmh[ostweg] == 10.0  # maxspeed=10 tag, below the cap
    assert graph.speed_kmh[living] == 7.0  # walking pace default
    assert graph.speed_kmh[residential] == 20.0  # 30 km/h default capped at 20
    for k in (ostweg, living, residential):
        expected = graph.length_m[k] / (graph.speed_kmh[k] / 3.6)
        assert graph.travel_time_s[k] == pytest.approx(expected, rel=1e-12)
    slow = load_map(small_osm, max_speed_kmh=5)
    assert slow.speed_kmh.max() == 5.0
    assert np.allclose(slow.travel_time_s, slow.length_m / (5 / 3.6))


def test_speed_overrides_and_implicit_german_limits(tmp_path: Path) -> None:
    nodes = {1: (0, 0), 2: (300, 0)}
    ways = [(1, [1, 2], {"highway": "residential", "maxspeed": "DE:zone30"})]
    path = write_osm(tmp_path / "z.osm", nodes, ways)
    assert load_map(path, max_speed_kmh=60).speed_kmh.tolist() == [30.0, 30.0]
    ways = [(1, [1, 2], {"highway": "residential"})]
    path = write_osm(tmp_path / "d.osm", nodes, ways)
    graph = load_map(path, max_speed_kmh=60, speeds_kmh={"residential": 40})
    assert graph.speed_kmh.tolist() == [40.0, 40.0]


def test_bus_only_ways_need_psv_ways_or_the_lines_relation(tmp_path: Path) -> None:
    rc = ("residential", "service")
    assert way_drop_reason({"highway": "residential", "access": "no"}, rc) == "access=no"
    bus_only = {"highway": "residential", "access": "no", "bus": "yes"}
    official = {"highway": "service", "access": "official", "psv": "yes"}
    for tags in (bus_only, official):
        # on-demand shuttles keep off bus-only ways unless the scenario allows them
        assert way_drop_reason(tags, rc) == "psv only"
        assert way_drop_reason(tags, rc, psv_ways=True) is None
        # a way of the service's bus route relation: the line's buses drive it
        assert way_drop_reason(tags, rc, bus_way=True) is None
    assert way_drop_reason({"highway": "service", "access": "official"}, rc) == "access=official"
    assert way_drop_reason({"highway": "service"}, ("service",)) is None
    driveway = {"highway": "service", "service": "driveway"}
    assert way_drop_reason(driveway, ("service",)) == "service=driveway"
    assert way_drop_reason(driveway, ("service",), psv_ways=True) == "service=driveway"
    assert way_drop_reason(driveway, ("service",), bus_way=True) is None
    assert way_drop_reason({"highway": "service"}, ("residential",)) == "highway=service"
    assert way_drop_reason({"highway": "footway"}, rc, bus_way=True) == "highway=footway"


def test_bus_ways_enter_the_graph_by_way_id(tmp_path: Path) -> None:
    nodes = {1: (0.0, 0.0), 2: (100.0, 0.0), 3: (200.0, 0.0)}
    ways = [
        (1, [1, 2], {"highway": "residential"}),
        (2, [2, 3], {"highway": "service", "service": "driveway"}),
    ]
    path = write_osm(tmp_path / "b.osm", nodes, ways)
    assert load_map(path).n_nodes == 2
    g = load_map(path, bus_ways=(2,))
    assert g.n_nodes == 3 and sorted(set(g.edge_osmid.tolist())) == [1, 2]


def test_compressed_inputs_read_alike(tmp_path: Path, small_osm: Path) -> None:
    gz = tmp_path / "small.osm.gz"
    gz.write_bytes(gzip.compress(small_osm.read_bytes()))
    a, b = load_map(small_osm), load_map(gz)
    assert a.n_nodes == b.n_nodes and a.n_edges == b.n_edges
    assert np.array_equal(a.travel_time_s, b.travel_time_s)


def test_pbf_input_reads_like_xml(tmp_path: Path, small_osm: Path) -> None:
    import osmium

    pbf = tmp_path / "small.osm.pbf"
    with osmium.SimpleWriter(str(pbf)) as writer:
        for obj in osmium.FileProcessor(str(small_osm)):
            writer.add(obj)
    a, b = load_map(small_osm), load_map(pbf)
    assert np.array_equal(a.osmid, b.osmid)
    assert np.array_equal(a.travel_time_s, b.travel_time_s)


def test_restricted_road_classes(small_osm: Path) -> None:
    graph = load_map(small_osm, road_classes="residential,living_street")
    assert set(graph.road_class_names) <= {"residential", "living_street"}


def test_second_load_hits_cache_and_cache_tracks_settings(small_osm: Path) -> None:
    first = load_map(small_osm)
    assert first.meta["cache_hit"] is False
    assert Path(first.meta["cache_file"]).is_file()
    second = load_map(small_osm)
    assert second.meta["cache_hit"] is True
    assert np.array_equal(first.indices, second.indices)
    assert np.array_equal(first.travel_time_s, second.travel_time_s)
    assert first.street_names == second.street_names
    other = load_map(small_osm, max_speed_kmh=10)
    assert other.meta["cache_hit"] is False  # different settings, different key


def test_cache_key_follows_file_content(tmp_path: Path) -> None:
    nodes = {1: (0, 0), 2: (300, 0)}
    path = write_osm(tmp_path / "m.osm", nodes, [(1, [1, 2], {"highway": "residential"})])
    assert load_map(path).n_nodes == 2
    write_osm(path, {**nodes, 3: (300, 300)}, [(1, [1, 2, 3], {"highway": "residential"})])
    graph = load_map(path)
    assert graph.meta["cache_hit"] is False
    assert graph.length_m.sum() == pytest.approx(2 * 600, rel=0.01)


# ---------------------------------------------------------------- bad inputs
def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(MapSourceError, match="OSM file not found"):
        load_map(tmp_path / "nope.osm")


def test_not_an_osm_file(tmp_path: Path) -> None:
    path = tmp_path / "notes.osm"
    path.write_text("these are not map data\n")
    with pytest.raises(MapBuildError, match="not a readable OpenStreetMap file"):
        load_map(path)


def test_osm_without_drivable_road(tmp_path: Path) -> None:
    path = write_osm(
        tmp_path / "paths.osm",
        {1: (0, 0), 2: (100, 0), 3: (100, 100)},
        [(1, [1, 2], {"highway": "footway"}), (2, [2, 3], {"highway": "steps"})],
    )
    with pytest.raises(MapBuildError, match="no drivable road"):
        load_map(path)


def test_osm_without_any_road(tmp_path: Path) -> None:
    path = write_osm(
        tmp_path / "b.osm",
        {1: (0, 0), 2: (10, 0), 3: (10, 10)},
        [(1, [1, 2, 3, 1], {"building": "yes"})],
    )
    with pytest.raises(MapBuildError, match="no road"):
        load_map(path)


@pytest.mark.parametrize(
    ("classes", "message"),
    [
        ("boulevard", "unknown road class 'boulevard'"),
        ("motorway", "never driven"),
        ("", "at least one"),
    ],
)
def test_bad_road_classes(small_osm: Path, classes: str, message: str) -> None:
    with pytest.raises(MapBuildError, match=message):
        load_map(small_osm, road_classes=classes)


def test_bad_speed_cap(small_osm: Path) -> None:
    with pytest.raises(MapBuildError, match="max_speed_kmh"):
        load_map(small_osm, max_speed_kmh=0)


# ------------------------------------------------------------- map sources
def test_source_resolution_order(
    tmp_path: Path, small_osm: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    maps = tmp_path / "maps"
    maps.mkdir()
    monkeypatch.setenv("KLSHUTTLE_MAPS_DIR", str(maps))
    monkeypatch.delenv("KLSHUTTLE_OSM", raising=False)
    # nothing configured: the map bundled with the package, nothing online
    src = resolve_map_source()
    bundled = Path(mapconfig.__file__).parent / "data" / "kaiserslautern.osm.pbf"
    assert src.kind == "file" and src.origin == "bundled"
    assert src.path == bundled.resolve()
    # a file placed in maps/
    placed = maps / "placed.osm"
    placed.write_bytes(small_osm.read_bytes())
    assert resolve_map_source().path == placed.resolve()
    # KLSHUTTLE_OSM wins over maps/
    monkeypatch.setenv("KLSHUTTLE_OSM", str(small_osm))
    src = resolve_map_source()
    assert src.path == small_osm.resolve() and src.origin == "KLSHUTTLE_OSM"
    # an explicit path wins over everything
    assert resolve_map_source(placed).origin == "explicit"
    # a place name
    assert resolve_map_source("place:Kaiserslautern, Germany").place == "Kaiserslautern, Germany"


def test_missing_bundled_map_is_a_one_line_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KLSHUTTLE_MAPS_DIR", str(tmp_path))
    monkeypatch.delenv("KLSHUTTLE_OSM", raising=False)
    monkeypatch.setattr(mapconfig, "BUNDLED_MAP_NAME", "not-installed.osm.pbf")
    with pytest.raises(MapSourceError, match=r"bundled not-installed\.osm\.pbf is missing") as err:
        resolve_map_source()
    assert "\n" not in str(err.value)


def test_two_files_in_maps_folder_is_an_error(
    tmp_path: Path, small_osm: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KLSHUTTLE_MAPS_DIR", str(tmp_path))
    monkeypatch.delenv("KLSHUTTLE_OSM", raising=False)
    (tmp_path / "b.osm").write_bytes(small_osm.read_bytes())
    with pytest.raises(MapSourceError, match="several OSM files"):
        resolve_map_source()


def test_env_pointing_to_missing_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("KLSHUTTLE_OSM", str(tmp_path / "gone.osm.gz"))
    with pytest.raises(MapSourceError, match="KLSHUTTLE_OSM"):
        resolve_map_source()


def test_online_fetch_fails_fast_without_network(monkeypatch: pytest.MonkeyPatch) -> None:
    import osmnx as ox

    # a closed port on the loopback stands in for an unreachable Overpass server
    monkeypatch.setattr(ox.settings, "overpass_url", "http://127.0.0.1:9/api")
    t0 = time.perf_counter()
    with pytest.raises(MapSourceError, match=r"cannot reach 127\.0\.0\.1"):
        load_map("place:Kaiserslautern, Germany")
    assert time.perf_counter() - t0 < 10


# ------------------------------------------------------------ Kaiserslautern
@pytest.mark.kaiserslautern
def test_kaiserslautern_graph_is_a_usable_city_network(kl_graph) -> None:
    g = kl_graph
    assert 1_500 < g.n_nodes < 10_000
    assert _strong_components(g) == 1
    assert np.all(np.isfinite(g.travel_time_s)) and np.all(g.travel_time_s > 0)
    cap = BuildSettings().max_speed_kmh
    assert np.all(g.length_m / g.travel_time_s * 3.6 <= cap * (1 + 1e-9))
    west, south, east, north = g.bbox
    assert south < 49.4215 and north > 49.4466 and west < 7.7492 and east > 7.7689


@pytest.mark.kaiserslautern
def test_kaiserslautern_has_trippstadter_strasse(kl_graph) -> None:
    edges = kl_graph.edges_named("Trippstadter Straße")
    # about 2.7 km of road, both directions
    assert 4_000 < kl_graph.length_m[edges].sum() < 7_000
    assert set(kl_graph.road_class_names[c] for c in kl_graph.road_class[edges]) & {
        "primary",
        "secondary",
    }


@pytest.mark.kaiserslautern
def test_kaiserslautern_hauptbahnhof_snaps_close(kl_graph) -> None:
    node, dist = kl_graph.nearest_nodes(7.76893, 49.43598)
    assert 0 <= node < kl_graph.n_nodes
    assert dist < 100.0


@pytest.mark.kaiserslautern
def test_kaiserslautern_second_build_hits_cache(kl_osm: Path) -> None:
    first = load_map(kl_osm)
    t0 = time.perf_counter()
    second = load_map(kl_osm)
    assert second.meta["cache_hit"] is True and first.meta["cache_hit"] is False
    assert time.perf_counter() - t0 < 1.0
    assert np.array_equal(first.indptr, second.indptr)
