"""Write small OSM XML files for tests: nodes on a metric grid, tagged ways."""

from __future__ import annotations

import gzip
from collections.abc import Mapping, Sequence
from pathlib import Path
from xml.sax.saxutils import quoteattr

# A point in Kaiserslautern; grid offsets are metres east / north of it.
LON0, LAT0 = 7.7600, 49.4400
M_PER_DEG_LAT = 111_195.0
M_PER_DEG_LON = 111_195.0 * 0.6506  # cos(49.44 deg)


def lonlat(east_m: float, north_m: float) -> tuple[float, float]:
    """Return lon/lat of a point ``east_m``, ``north_m`` metres from the origin."""
    return LON0 + east_m / M_PER_DEG_LON, LAT0 + north_m / M_PER_DEG_LAT


def write_osm(
    path: Path,
    nodes: Mapping[int, tuple[float, float]],
    ways: Sequence[tuple[int, Sequence[int], Mapping[str, str]]],
    node_tags: Mapping[int, Mapping[str, str]] | None = None,
    relations: Sequence[tuple[int, Sequence[tuple[str, int, str]], Mapping[str, str]]] = (),
) -> Path:
    """Write an OSM XML file.

    Parameters
    ----------
    path
        Target file; a ``.gz`` suffix writes gzip.
    nodes
        OSM id -> (east_m, north_m) offsets from the origin.
    ways
        (way id, node ids, tags) triples.
    node_tags
        Optional tags per node id.
    relations
        (relation id, members as (type "node"/"way", ref, role), tags) triples.
    """
    node_tags = node_tags or {}
    lines = [
        "<?xml version='1.0' encoding='UTF-8'?>",
        '<osm version="0.6" generator="klshuttle-tests">',
    ]
    for nid, (e, n) in nodes.items():
        lon, lat = lonlat(e, n)
        tags = node_tags.get(nid, {})
        if tags:
            lines.append(f'  <node id="{nid}" version="1" lat="{lat:.7f}" lon="{lon:.7f}">')
            lines += [f"    <tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items()]
            lines.append("  </node>")
        else:
            lines.append(f'  <node id="{nid}" version="1" lat="{lat:.7f}" lon="{lon:.7f}"/>')
    for wid, refs, tags in ways:
        lines.append(f'  <way id="{wid}" version="1">')
        lines += [f'    <nd ref="{r}"/>' for r in refs]
        lines += [f"    <tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items()]
        lines.append("  </way>")
    for rid, members, tags in relations:
        lines.append(f'  <relation id="{rid}" version="1">')
        lines += [
            f'    <member type={quoteattr(t)} ref="{r}" role={quoteattr(role)}/>'
            for t, r, role in members
        ]
        lines += [f"    <tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items()]
        lines.append("  </relation>")
    lines.append("</osm>")
    text = "\n".join(lines) + "\n"
    if path.suffix == ".gz":
        with gzip.open(path, "wt", encoding="utf-8") as fh:
            fh.write(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path
