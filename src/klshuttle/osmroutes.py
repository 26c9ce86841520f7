"""Bus route relations of an OSM file: their stops and way sequence, as mapped.

A public-transport route relation (``type=route``, ``route=bus``, PTv2) lists
its stop positions (role ``stop``, ``stop_entry_only``, ``stop_exit_only``),
platforms (role ``platform``...) and the ways the bus drives, in travel order
(role empty, ``forward`` or ``backward``). :func:`read_bus_routes` reads them
with pyosmium and chains the ways into one node sequence in the direction of
travel, so a line can follow the relation rather than shortest paths.

Each direction of a line is its own relation (``from``/``to`` tags), as SWK's
lines are mapped in the Kaiserslautern extract (43 relations, shared/DOMAIN.md).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .errors import MapSourceError
from .mapconfig import MapSource, osm_file
from .paths import cache_dir, cached, file_sha256

__all__ = ["OsmRoute", "OsmRouteStop", "load_bus_routes", "read_bus_routes"]

#: Bumped when the extraction changes; part of the cache key.
ROUTES_FORMAT_VERSION = 1

log = logging.getLogger(__name__)

_STOP_ROLES = frozenset({"stop", "stop_entry_only", "stop_exit_only"})
_PLATFORM_ROLES = frozenset({"platform", "platform_entry_only", "platform_exit_only"})
_WAY_ROLES = frozenset({"", "forward", "backward"})
_ROUTE_TYPES = frozenset({"bus", "trolleybus"})
#: A city prefix some stop names carry ("Kaiserslautern, Uni West").
_NAME_PREFIX_SEP = ","


@dataclass(frozen=True)
class OsmRouteStop:
    """A stop of a route relation: the stop position where the bus halts.

    ``name`` is the stop position's name, else its platform's (the member that
    follows it), with a leading city prefix ("Town, Stop") removed.
    """

    name: str
    lon: float
    lat: float
    osm_node: int


@dataclass(frozen=True, eq=False)
class OsmRoute:
    """One bus route relation (one direction of a line).

    Attributes
    ----------
    relation_id
        OSM relation id.
    ref, name, from_name, to_name
        Its ``ref``, ``name``, ``from`` and ``to`` tags (empty when missing).
    stops
        Stops in travel order.
    way_ids
        Ways the route drives, in relation order.
    node_ids : int64
        OSM nodes along the route in the direction of travel (the ways
        chained end to end).
    lon, lat : float64
        Position of each of ``node_ids``.
    gaps
        Number of places where a way does not start where the previous one
        ended (0 for a complete relation).
    """

    relation_id: int
    ref: str
    name: str
    from_name: str
    to_name: str
    stops: tuple[OsmRouteStop, ...]
    way_ids: tuple[int, ...]
    node_ids: NDArray[np.int64]
    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    gaps: int


def _clean_name(name: str) -> str:
    name = name.replace("\xa0", " ").strip()
    _, sep, tail = name.partition(_NAME_PREFIX_SEP)
    # "Kaiserslautern, Uni West" -> "Uni West"; keep names with several commas
    if sep and tail.strip() and _NAME_PREFIX_SEP not in tail:
        return tail.strip()
    return name


def _touches(way: list[int], node: int) -> bool:
    closed = len(way) > 2 and way[0] == way[-1]
    return node in way if closed else node in (way[0], way[-1])


def _chain(ways: list[list[int]]) -> tuple[list[int], int]:
    """Chain ways (node-id lists in relation order) into one node sequence.

    Each way is walked in the direction that continues from where the previous
    one ended; a closed way (a roundabout) is entered at the current node and
    left at the node where the next way begins. When the next way in relation
    order does not touch the end of the chain, the first later way that does is
    taken (relations are sometimes mapped with a block of ways out of order).
    Returns the node sequence and the number of gaps (no remaining way touches
    the end of the chain).
    """
    nodes: list[int] = []
    gaps = 0
    todo = [list(w) for w in ways if len(w) >= 2]
    while todo:
        if not nodes:
            w = todo.pop(0)
            nxt = todo[0] if todo else None
            if len(w) > 2 and w[0] == w[-1]:
                seq = w[:-1]
                if nxt is not None:
                    exits = [k for k, n in enumerate(seq) if _touches(nxt, n)]
                    k = exits[0] if exits else len(seq) - 1
                    seq = seq[k + 1 :] + seq[: k + 1]
            elif nxt is not None and _touches(nxt, w[0]) and not _touches(nxt, w[-1]):
                seq = w[::-1]
            else:
                seq = w
            nodes.extend(seq)
            continue
        end = nodes[-1]
        pick = next((i for i, w in enumerate(todo) if _touches(w, end)), None)
        if pick is None:
            gaps += 1
            nodes.extend(todo.pop(0))
            continue
        w = todo.pop(pick)
        nxt = todo[0] if todo else None
        if len(w) > 2 and w[0] == w[-1]:
            ring = w[:-1]
            k0 = ring.index(end)
            ring = ring[k0:] + ring[:k0]
            stop_at = len(ring)
            if nxt is not None:
                exits = [k for k, n in enumerate(ring) if k > 0 and _touches(nxt, n)]
                stop_at = exits[0] + 1 if exits else len(ring)
            nodes.extend(ring[1:stop_at])
        elif w[0] == end:
            nodes.extend(w[1:])
        else:
            nodes.extend(w[::-1][1:])
    return nodes, gaps


def read_bus_routes(path: str | Path, ref: str | None = None) -> list[OsmRoute]:
    """Read the bus route relations of an OSM file.

    Parameters
    ----------
    path
        OSM file (.osm, .osm.gz, .osm.bz2, .pbf).
    ref
        Only relations with this ``ref`` (the line number, e.g. ``"116"``).

    Returns
    -------
    list of OsmRoute
        Sorted by ``ref``, then relation id.

    Raises
    ------
    MapSourceError
        The file cannot be read.
    """
    import osmium

    path = Path(path)
    rels: list[tuple[int, dict[str, str], list[tuple[str, int, str]]]] = []
    r: Any
    w: Any
    n: Any
    try:
        for r in osmium.FileProcessor(str(path), osmium.osm.RELATION):
            tags = {t.k: t.v for t in r.tags}
            if tags.get("type") != "route" or tags.get("route") not in _ROUTE_TYPES:
                continue
            if ref is not None and tags.get("ref", "").strip() != ref:
                continue
            rels.append((r.id, tags, [(m.type, m.ref, m.role) for m in r.members]))
    except (RuntimeError, OSError) as exc:
        raise MapSourceError(f"{path}: cannot read route relations ({exc})") from None
    want_ways = {m[1] for _, _, ms in rels for m in ms if m[0] == "w"}
    want_nodes = {m[1] for _, _, ms in rels for m in ms if m[0] == "n"}
    way_nodes: dict[int, list[int]] = {}
    way_names: dict[int, str] = {}
    for w in osmium.FileProcessor(str(path), osmium.osm.WAY):
        if w.id in want_ways:
            way_nodes[w.id] = [n.ref for n in w.nodes]
            way_names[w.id] = str(w.tags.get("name", ""))
    want_nodes |= {n for nodes in way_nodes.values() for n in nodes}
    loc: dict[int, tuple[float, float]] = {}
    node_names: dict[int, str] = {}
    for n in osmium.FileProcessor(str(path), osmium.osm.NODE):
        if n.id in want_nodes:
            loc[n.id] = (n.location.lon, n.location.lat)
            if "name" in n.tags:
                node_names[n.id] = n.tags["name"]
    routes = []
    for rid, tags, members in rels:
        ways = [
            way_nodes[m[1]]
            for m in members
            if m[0] == "w" and m[2] in _WAY_ROLES and m[1] in way_nodes
        ]
        way_ids = tuple(
            m[1] for m in members if m[0] == "w" and m[2] in _WAY_ROLES and m[1] in way_nodes
        )
        nodes, gaps = _chain(ways)
        nodes = [n for n in nodes if n in loc]
        stops = []
        for k, (kind, mref, role) in enumerate(members):
            if kind != "n" or role not in _STOP_ROLES or mref not in loc:
                continue
            name = node_names.get(mref, "")
            if not name and k + 1 < len(members) and members[k + 1][2] in _PLATFORM_ROLES:
                pk, pref, _ = members[k + 1]
                name = node_names.get(pref, "") if pk == "n" else way_names.get(pref, "")
            stops.append(OsmRouteStop(_clean_name(name), *loc[mref], osm_node=mref))
        ll = np.array([loc[n] for n in nodes], dtype=np.float64).reshape(-1, 2)
        routes.append(
            OsmRoute(
                relation_id=rid,
                ref=tags.get("ref", "").strip(),
                name=tags.get("name", ""),
                from_name=tags.get("from", ""),
                to_name=tags.get("to", ""),
                stops=tuple(stops),
                way_ids=way_ids,
                node_ids=np.array(nodes, dtype=np.int64),
                lon=ll[:, 0].copy(),
                lat=ll[:, 1].copy(),
                gaps=gaps,
            )
        )
    routes.sort(key=lambda r: (r.ref, r.relation_id))
    return routes


def _to_json(r: OsmRoute) -> dict[str, Any]:
    return {
        "relation_id": r.relation_id,
        "ref": r.ref,
        "name": r.name,
        "from_name": r.from_name,
        "to_name": r.to_name,
        "stops": [[s.name, s.lon, s.lat, s.osm_node] for s in r.stops],
        "way_ids": list(r.way_ids),
        "node_ids": r.node_ids.tolist(),
        "lon": r.lon.tolist(),
        "lat": r.lat.tolist(),
        "gaps": r.gaps,
    }


def _from_json(d: dict[str, Any]) -> OsmRoute:
    return OsmRoute(
        relation_id=int(d["relation_id"]),
        ref=str(d["ref"]),
        name=str(d["name"]),
        from_name=str(d["from_name"]),
        to_name=str(d["to_name"]),
        stops=tuple(OsmRouteStop(str(n), float(x), float(y), int(o)) for n, x, y, o in d["stops"]),
        way_ids=tuple(int(w) for w in d["way_ids"]),
        node_ids=np.array(d["node_ids"], dtype=np.int64),
        lon=np.array(d["lon"], dtype=np.float64),
        lat=np.array(d["lat"], dtype=np.float64),
        gaps=int(d["gaps"]),
    )


def load_bus_routes(
    source: str | Path | MapSource | None = None, *, use_cache: bool = True
) -> list[OsmRoute]:
    """All bus route relations of a map's OSM file, cached by the file's content.

    Raises
    ------
    MapSourceError
        The map is not an OSM file, or it cannot be read.
    """
    path = osm_file(source, "bus route relations are read")
    digest = file_sha256(path)
    return cached(
        cache_dir() / f"busroutes-{digest[:16]}-v{ROUTES_FORMAT_VERSION}.json",
        load=lambda f: [_from_json(d) for d in json.loads(f.read_text(encoding="utf-8"))],
        build=lambda: read_bus_routes(path),
        save=_save_routes,
        what="bus-route",
        use_cache=use_cache,
    )


def _save_routes(routes: list[OsmRoute], path: Path) -> None:
    """Write the routes as JSON, atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps([_to_json(r) for r in routes]), encoding="utf-8")
    tmp.replace(path)
