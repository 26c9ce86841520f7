"""Reproduce the bundled map ``src/klshuttle/data/kaiserslautern.osm.pbf``.

Reads a full OpenStreetMap extract of Kaiserslautern (any format pyosmium reads)
and keeps what klshuttle reads: the ways of the road and footway network, bus
stops and platforms, rail stations, public-transport route relations, land use,
buildings and car parks, plus every node those ways and relations need. The
result is written as PBF without metadata.

Usage::

    python scripts/make_bundled_map.py ../shared/maps/kaiserslautern.osm.gz \
        src/klshuttle/data/kaiserslautern.osm.pbf

Map data (c) OpenStreetMap contributors, ODbL 1.0 (see src/klshuttle/data/NOTICE).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import osmium

#: Way tags that klshuttle reads (maps.py, osmfeatures.py, places.py).
WAY_KEYS = ("highway", "building", "landuse", "amenity", "railway", "public_transport", "parking")
#: Node tags that klshuttle reads: stops, stations, named places.
NODE_KEYS = ("highway", "public_transport", "railway", "amenity", "place", "bus", "name")
#: Relation types that klshuttle reads: bus routes and their masters, stop areas, areas.
RELATION_TYPES = ("route", "route_master", "public_transport", "multipolygon")


def _keep_way(tags: osmium.osm.TagList) -> bool:
    return any(k in tags for k in WAY_KEYS)


def _keep_relation(tags: osmium.osm.TagList) -> bool:
    return tags.get("type") in RELATION_TYPES


def make_bundled_map(src: Path, dest: Path) -> tuple[int, int, int]:
    """Cut ``src`` to what klshuttle reads and write it to ``dest`` (PBF).

    Returns
    -------
    tuple of int
        Nodes, ways and relations written.
    """
    keep_ways: set[int] = set()
    keep_nodes: set[int] = set()
    keep_relations: set[int] = set()
    # pass 1: relations and the ways and nodes they hold
    for rel in osmium.FileProcessor(str(src), osmium.osm.RELATION):
        if _keep_relation(rel.tags):
            keep_relations.add(rel.id)
            for m in rel.members:
                if m.type == "w":
                    keep_ways.add(m.ref)
                elif m.type == "n":
                    keep_nodes.add(m.ref)
    # pass 2: ways and their nodes
    for way in osmium.FileProcessor(str(src), osmium.osm.WAY):
        if way.id in keep_ways or _keep_way(way.tags):
            keep_ways.add(way.id)
            keep_nodes.update(n.ref for n in way.nodes)
    # pass 3: write
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".tmp.osm.pbf")
    tmp.unlink(missing_ok=True)
    counts = [0, 0, 0]
    writer = osmium.SimpleWriter(str(tmp))
    try:
        for obj in osmium.FileProcessor(str(src)):
            if obj.is_node():
                if obj.id in keep_nodes or any(k in obj.tags for k in NODE_KEYS):
                    writer.add_node(obj)
                    counts[0] += 1
            elif obj.is_way():
                if obj.id in keep_ways:
                    writer.add_way(obj)
                    counts[1] += 1
            elif obj.id in keep_relations:
                writer.add_relation(obj)
                counts[2] += 1
    finally:
        writer.close()
    tmp.replace(dest)
    return counts[0], counts[1], counts[2]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("src", type=Path, help="full OSM extract of Kaiserslautern")
    parser.add_argument("dest", type=Path, help="the .osm.pbf to write")
    args = parser.parse_args(argv)
    if not args.src.is_file():
        print(f"make_bundled_map: {args.src}: no such file", file=sys.stderr)
        return 1
    nodes, ways, relations = make_bundled_map(args.src, args.dest)
    size_mb = args.dest.stat().st_size / 1e6
    print(f"wrote {args.dest}: {nodes} nodes, {ways} ways, {relations} relations, {size_mb:.2f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
