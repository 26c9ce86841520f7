"""Bus route relations: way chaining, stop names, reading a hand-made OSM file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from klshuttle.osmroutes import _chain, load_bus_routes, read_bus_routes
from osm_xml import write_osm

BUS = {"type": "route", "route": "bus", "ref": "7", "from": "A", "to": "B"}


def test_chain_turns_reversed_ways_and_takes_ways_mapped_out_of_order() -> None:
    # relation order: w1 (1-2-3), w3 (5-6-7), w2 mapped backwards (5-4-3)
    nodes, gaps = _chain([[1, 2, 3], [5, 6, 7], [5, 4, 3]])
    assert nodes == [1, 2, 3, 4, 5, 6, 7] and gaps == 0


def test_chain_first_way_oriented_towards_the_second() -> None:
    nodes, gaps = _chain([[3, 2, 1], [3, 4]])
    assert nodes == [1, 2, 3, 4] and gaps == 0


def test_chain_roundabout_entered_and_left_at_the_right_nodes() -> None:
    # ring 10-11-12-13-10 (its drawing direction), enter at 11, leave at 13
    nodes, gaps = _chain([[1, 11], [10, 11, 12, 13, 10], [13, 20]])
    assert nodes == [1, 11, 12, 13, 20] and gaps == 0


def test_chain_counts_a_gap() -> None:
    nodes, gaps = _chain([[1, 2], [5, 6]])
    assert gaps == 1 and nodes == [1, 2, 5, 6]


def _file(tmp_path: Path) -> Path:
    nodes = {i: (100.0 * i, 0.0) for i in range(1, 8)}
    nodes[50] = (400.0, 10.0)  # platform of the stop at node 5
    node_tags = {
        2: {"public_transport": "stop_position", "name": "Kaiserslautern, Alpha"},
        5: {"public_transport": "stop_position"},
        50: {"highway": "bus_stop", "name": "Beta"},
    }
    ways = [
        (11, [1, 2, 3], {"highway": "residential"}),
        (12, [5, 4, 3], {"highway": "residential"}),
        (13, [5, 6, 7], {"highway": "service", "access": "official", "psv": "yes"}),
    ]
    members = [
        ("node", 2, "stop"),
        ("node", 5, "stop"),
        ("node", 50, "platform"),
        ("way", 11, ""),
        ("way", 13, ""),
        ("way", 12, ""),
    ]
    rels = [(900, members, BUS), (901, [("way", 11, "")], {**BUS, "ref": "8"})]
    rels.append((902, [("way", 11, "")], {"type": "route", "route": "tram", "ref": "7"}))
    return write_osm(tmp_path / "r.osm", nodes, ways, node_tags, relations=rels)


def test_read_bus_routes_from_a_file(tmp_path: Path) -> None:
    path = _file(tmp_path)
    routes = read_bus_routes(path, ref="7")
    assert [r.relation_id for r in routes] == [900]  # the tram and line 8 left out
    r = routes[0]
    assert r.node_ids.tolist() == [1, 2, 3, 4, 5, 6, 7] and r.gaps == 0
    # the city prefix goes; an unnamed stop position takes its platform's name
    assert [s.name for s in r.stops] == ["Alpha", "Beta"]
    assert [s.osm_node for s in r.stops] == [2, 5]
    assert r.way_ids == (11, 13, 12)
    assert np.all(np.diff(r.lon) > 0)
    assert {x.ref for x in read_bus_routes(path)} == {"7", "8"}


def test_load_bus_routes_cache_gives_the_same_routes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _file(tmp_path)
    monkeypatch.setenv("KLSHUTTLE_CACHE_DIR", str(tmp_path / "c"))
    a = load_bus_routes(path)
    b = load_bus_routes(path)
    assert list((tmp_path / "c").glob("busroutes-*.json"))
    for x, y in zip(a, b, strict=True):
        assert x.relation_id == y.relation_id and x.stops == y.stops
        assert np.array_equal(x.node_ids, y.node_ids) and np.array_equal(x.lat, y.lat)
