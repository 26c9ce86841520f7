"""OpenStreetMap to RoadGraph: loading, road filter, speeds and the graph cache.

osmnx builds the graph; pyosmium reads the file formats (.osm, .osm.gz,
.osm.bz2, .pbf) and cuts the file down to its ``highway`` ways first, which
makes loading several times faster than handing osmnx the whole extract.

Online fetches use osmnx's Overpass settings; ``$KLSHUTTLE_OVERPASS_URL``
points them at another Overpass server.

The pipeline, the same for a file and for an online fetch:

1. raw graph of every ``highway`` way (osmnx, unsimplified, all components);
2. keep the ways a shuttle may drive (:func:`way_drop_reason`), respecting oneway;
3. keep the largest strongly connected component and report what was dropped;
4. simplify the topology (osmnx), keeping nodes where class, name or limit change;
5. edge speeds from ``maxspeed`` with per-class defaults, capped by the vehicle's
   maximum speed; travel times in seconds;
6. compile into a frozen :class:`~klshuttle.graph.RoadGraph`, cached as ``.npz``.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import hashlib
import logging
import math
import os
import re
import socket
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import networkx as nx
import numpy as np

from .errors import MapBuildError, MapSourceError
from .graph import GRAPH_FORMAT_VERSION, RoadGraph
from .mapconfig import (
    DEFAULT_ROAD_CLASSES,
    DRIVABLE_ROAD_CLASSES,
    KAISERSLAUTERN_BBOX,
    BuildSettings,
    MapSource,
    resolve_map_source,
)
from .mapconfig import OSM_SUFFIXES as _OSM_SUFFIXES
from .paths import cache_dir, file_sha256, save_to_cache

__all__ = [
    "DEFAULT_ROAD_CLASSES",
    "DRIVABLE_ROAD_CLASSES",
    "KAISERSLAUTERN_BBOX",
    "BuildSettings",
    "MapSource",
    "build_graph",
    "load_map",
    "resolve_map_source",
    "way_drop_reason",
]

log = logging.getLogger(__name__)

#: Implicit German speed limits (OSM ``maxspeed=DE:...``), km/h.
_IMPLICIT_MAXSPEED_KMH = {
    "de:urban": 50.0,
    "de:rural": 100.0,
    "de:zone30": 30.0,
    "de:zone:30": 30.0,
    "de:zone20": 20.0,
    "de:zone:20": 20.0,
    "de:zone10": 10.0,
    "de:living_street": 7.0,
    "de:bicycle_road": 30.0,
    "de:motorway": 130.0,
    "walk": 7.0,
}

#: ``service=*`` values that are not public roads.
_PRIVATE_SERVICE = frozenset(
    {"parking_aisle", "driveway", "parking", "drive-through", "private", "emergency_access"}
)
_NO_ACCESS = frozenset(
    {"private", "no", "official", "customers", "delivery", "agricultural", "forestry"}
)
_PSV_OK = frozenset({"yes", "designated", "permissive"})

#: Way tags osmnx must keep on edges for the road filter and the graph.
_WAY_TAGS = (
    "highway",
    "name",
    "ref",
    "oneway",
    "junction",
    "maxspeed",
    "access",
    "motor_vehicle",
    "motorcar",
    "vehicle",
    "bus",
    "psv",
    "service",
    "area",
    "lanes",
)

#: How long the online fetch may take to find the server before giving up.
_REACHABILITY_TIMEOUT_S = 4.0


def load_map(
    source: str | os.PathLike[str] | MapSource | None = None,
    *,
    settings: BuildSettings | None = None,
    use_cache: bool = True,
    **build_settings: Any,
) -> RoadGraph:
    """Load the road graph a shuttle may drive, from cache when possible.

    Parameters
    ----------
    source
        Map source as for :func:`resolve_map_source`; None searches
        ``$KLSHUTTLE_OSM``, the maps folder, then the bundled map.
    settings
        Build settings; alternatively pass their fields as keywords
        (``road_classes=...``, ``max_speed_kmh=...``).
    use_cache
        Read and write the compiled graph under the cache folder.

    Returns
    -------
    RoadGraph
        The compiled graph; ``graph.meta["cache_hit"]`` tells if it came from cache.

    Raises
    ------
    MapSourceError
        No map could be found or fetched.
    MapBuildError
        The map holds no usable road network.
    """
    if settings is None:
        try:
            settings = BuildSettings(**build_settings)
        except ValueError as exc:
            raise MapBuildError(_first_pydantic_message(exc)) from exc
    elif build_settings:
        settings = settings.model_copy(update=build_settings)
    src = resolve_map_source(source)
    key = _cache_key(src, settings)
    cache_file = cache_dir() / f"{_cache_stem(src)}-{key}.npz"
    if use_cache and cache_file.is_file():
        t0 = time.perf_counter()
        try:
            graph = RoadGraph.load(cache_file)
        except MapBuildError:
            log.warning("rebuilding the unreadable graph cache %s", cache_file)
        else:
            meta = dict(graph.meta)
            meta.update(
                cache_hit=True, cache_file=str(cache_file), load_time_s=time.perf_counter() - t0
            )
            return _with_meta(graph, meta)
    graph = build_graph(src, settings)
    meta = dict(graph.meta)
    meta.update(cache_hit=False, cache_file=str(cache_file) if use_cache else None)
    graph = _with_meta(graph, meta)
    if use_cache:
        save_to_cache(graph.save, cache_file, "graph")
    return graph


def _with_meta(graph: RoadGraph, meta: Mapping[str, Any]) -> RoadGraph:
    object.__setattr__(graph, "meta", meta)
    return graph


def _first_pydantic_message(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        err = errors()[0]
        loc = ".".join(str(p) for p in err.get("loc", ()))
        msg = str(err.get("msg", exc)).removeprefix("Value error, ")
        return f"{loc}: {msg}" if loc else msg
    return str(exc)


def _cache_stem(src: MapSource) -> str:
    if src.kind == "file" and src.path is not None:
        name = src.path.name
        for suffix in sorted(_OSM_SUFFIXES, key=len, reverse=True):
            if name.lower().endswith(suffix):
                return name[: -len(suffix)]
        return name
    if src.kind == "place" and src.place:
        return "place-" + re.sub(r"[^A-Za-z0-9]+", "-", src.place).strip("-").lower()
    return "bbox"


def _cache_key(src: MapSource, settings: BuildSettings) -> str:
    if src.kind == "file" and src.path is not None:
        ident = "file:" + file_sha256(src.path)
    elif src.kind == "place":
        ident = f"place:{src.place}"
    else:
        ident = f"bbox:{src.bbox}"
    text = f"{GRAPH_FORMAT_VERSION}|{ident}|{settings.cache_token()}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# ------------------------------------------------------------------ road filter
def _tag(value: Any) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value).strip().lower() if value is not None else ""


def way_drop_reason(
    tags: Mapping[str, Any],
    road_classes: tuple[str, ...],
    *,
    psv_ways: bool = False,
    bus_way: bool = False,
) -> str | None:
    """Say why a shuttle may not drive a way, or return None if it may.

    Parameters
    ----------
    tags
        The way's OSM tags (at least ``highway``; ``access``, ``service`` ... if present).
    road_classes
        Allowed ``highway`` values; ``service`` admits public service roads only.
    psv_ways
        Admit ways open only to buses (``access=no``/``official`` ... with
        ``psv`` or ``bus=yes``): the shuttles are public service vehicles.
    bus_way
        The way is used by one of the service's bus route relations: admitted
        when only buses may drive it, or when it is tagged ``service=driveway``
        (a bus station's entry), as the relation shows the buses drive it.

    Returns
    -------
    str or None
        A short reason such as ``"highway=footway"``, ``"access=private"`` or
        ``"psv only"``.
    """
    highway = _tag(tags.get("highway"))
    if highway not in road_classes:
        return f"highway={highway}"
    if _tag(tags.get("area")) == "yes":
        return "area=yes"
    service = _tag(tags.get("service"))
    if highway == "service" and service in _PRIVATE_SERVICE and not bus_way:
        return f"service={service}"
    psv_ok = _tag(tags.get("bus")) in _PSV_OK or _tag(tags.get("psv")) in _PSV_OK
    for key in ("access", "vehicle", "motor_vehicle", "motorcar"):
        value = _tag(tags.get(key))
        if value in _NO_ACCESS:
            if psv_ok:
                return None if (psv_ways or bus_way) else "psv only"
            return f"{key}={value}"
    return None


@contextlib.contextmanager
def _osmnx_way_tags() -> Iterator[Any]:
    import osmnx as ox

    saved = list(ox.settings.useful_tags_way)
    ox.settings.useful_tags_way = list(dict.fromkeys([*saved, *_WAY_TAGS]))
    try:
        yield ox
    finally:
        ox.settings.useful_tags_way = saved


def _raw_graph_from_file(path: Path) -> nx.MultiDiGraph:
    """Every highway way of an OSM file as an unsimplified osmnx graph."""
    import osmium

    try:
        with tempfile.TemporaryDirectory(prefix="klshuttle-") as tmp:
            roads = Path(tmp) / "roads.osm"
            n_ways = 0
            with osmium.BackReferenceWriter(str(roads), ref_src=str(path), overwrite=True) as w:
                fp = osmium.FileProcessor(str(path), osmium.osm.WAY).with_filter(
                    osmium.filter.KeyFilter("highway")
                )
                for way in fp:
                    w.add(way)
                    n_ways += 1
            if n_ways == 0:
                raise MapBuildError(f"{path}: no road (highway way) in this OSM file")
            with _osmnx_way_tags() as ox:
                return ox.graph_from_xml(roads, retain_all=True, simplify=False)
    except MapBuildError:
        raise
    except (RuntimeError, ValueError, OSError) as exc:
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise MapBuildError(f"{path}: not a readable OpenStreetMap file ({detail})") from exc


def _check_reachable(url: str) -> None:
    host = urlparse(url).hostname or url
    port = urlparse(url).port or (443 if url.startswith("https") else 80)

    def probe() -> None:
        with socket.create_connection((host, port), timeout=_REACHABILITY_TIMEOUT_S):
            pass

    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    try:
        pool.submit(probe).result(timeout=_REACHABILITY_TIMEOUT_S)
    except (OSError, concurrent.futures.TimeoutError) as exc:
        raise MapSourceError(
            f"cannot reach {host} to fetch the map online (no internet access?); "
            "pass an OSM file with --osm PATH or set KLSHUTTLE_OSM"
        ) from exc
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _raw_graph_online(src: MapSource) -> nx.MultiDiGraph:
    """Every highway way of a place or bounding box, fetched through osmnx."""
    import osmnx as ox

    if os.environ.get("KLSHUTTLE_OVERPASS_URL"):
        ox.settings.overpass_url = os.environ["KLSHUTTLE_OVERPASS_URL"]
    _check_reachable(ox.settings.overpass_url)
    if src.kind == "place":
        _check_reachable(ox.settings.nominatim_url)
    try:
        with _osmnx_way_tags() as ox_:
            if src.kind == "place":
                return ox_.graph_from_place(
                    src.place, custom_filter='["highway"]', retain_all=True, simplify=False
                )
            south, west, north, east = src.bbox  # type: ignore[misc]
            return ox_.graph_from_bbox(
                (west, south, east, north),
                custom_filter='["highway"]',
                retain_all=True,
                simplify=False,
            )
    except Exception as exc:  # osmnx raises many kinds for network and geocoding failures
        raise MapSourceError(f"online map fetch for {src.describe()} failed: {exc}") from exc


# ------------------------------------------------------------------- building
def build_graph(source: MapSource, settings: BuildSettings | None = None) -> RoadGraph:
    """Build the shuttle road graph from a map source (no cache involved).

    Parameters
    ----------
    source
        Where to read or fetch the map.
    settings
        Road classes, speeds and the vehicle's speed cap.

    Returns
    -------
    RoadGraph
        The compiled graph; ``meta`` records the source, settings, what the
        filter dropped and the build time.
    """
    settings = settings or BuildSettings()
    t0 = time.perf_counter()
    if source.kind == "file":
        assert source.path is not None  # guaranteed by resolve_map_source
        raw = _raw_graph_from_file(source.path)
        content = file_sha256(source.path)
    else:
        raw = _raw_graph_online(source)
        content = None
    G, report = _filter_roads(raw, settings, source)
    G = _simplify(G)
    _add_speeds(G, settings)
    graph = _compile(G)
    meta = {
        "source": source.describe(),
        "source_kind": source.kind,
        "content_sha256": content,
        "settings": settings.model_dump(mode="json"),
        "dropped": report,
        "build_time_s": time.perf_counter() - t0,
    }
    return _with_meta(graph, meta)


def _filter_roads(
    raw: nx.MultiDiGraph, settings: BuildSettings, source: MapSource
) -> tuple[nx.MultiDiGraph, dict[str, Any]]:
    reasons: dict[str, set[int]] = {}
    drop = []
    bus_ways = frozenset(settings.bus_ways)
    for u, v, k, data in raw.edges(keys=True, data=True):
        osmid = data.get("osmid")
        way = int(_tag(osmid) or 0) if osmid is not None else 0
        reason = way_drop_reason(
            data, settings.road_classes, psv_ways=settings.psv_ways, bus_way=way in bus_ways
        )
        if reason is not None:
            drop.append((u, v, k))
            reasons.setdefault(reason, set()).add(int(_tag(data.get("osmid")) or 0))
    G = raw  # built for this call only: filtered in place
    G.remove_edges_from(drop)
    G.remove_nodes_from([n for n in list(G.nodes) if G.degree(n) == 0])
    if G.number_of_edges() == 0:
        raise MapBuildError(
            f"{source.describe()}: no drivable road for road classes "
            f"{', '.join(settings.road_classes)}"
        )
    n_before, e_before = G.number_of_nodes(), G.number_of_edges()
    km_before = sum(d.get("length", 0.0) for _, _, d in G.edges(data=True)) / 1000.0
    n_components = nx.number_strongly_connected_components(G)
    if settings.largest_component and n_components > 1:
        keep = max(nx.strongly_connected_components(G), key=len)
        G = G.subgraph(keep).copy()
    km_after = sum(d.get("length", 0.0) for _, _, d in G.edges(data=True)) / 1000.0
    if G.number_of_nodes() < 2:
        raise MapBuildError(f"{source.describe()}: the drivable road network has no connected part")
    ways = Counter({reason: len(ids) for reason, ids in reasons.items()})
    report = {
        "ways_by_reason": dict(ways.most_common()),
        "components": n_components,
        "nodes_outside_largest_component": n_before - G.number_of_nodes(),
        "edges_outside_largest_component": e_before - G.number_of_edges(),
        "km_outside_largest_component": km_before - km_after,
    }
    return G, report


def _simplify(G: nx.MultiDiGraph) -> nx.MultiDiGraph:
    import osmnx as ox

    return ox.simplify_graph(G, edge_attrs_differ=["highway", "name", "maxspeed"])


def _maxspeed_kmh(value: Any) -> float:
    """Parse an OSM ``maxspeed`` value to km/h; NaN where it says nothing usable."""
    values = value if isinstance(value, list) else [value]
    speeds = []
    for v in values:
        text = _tag(v)
        if not text:
            continue
        if text in _IMPLICIT_MAXSPEED_KMH:
            speeds.append(_IMPLICIT_MAXSPEED_KMH[text])
            continue
        m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(mph|km/h|kmh|kph)?", text)
        if m:
            speed = float(m.group(1)) * (1.609344 if m.group(2) == "mph" else 1.0)
            if speed > 0:
                speeds.append(speed)
    return min(speeds) if speeds else math.nan


def _add_speeds(G: nx.MultiDiGraph, settings: BuildSettings) -> None:
    """Set ``speed_kph`` and ``travel_time`` on every edge (in place).

    A parseable ``maxspeed`` tag wins; otherwise the class default applies; the
    result is capped at the vehicle's maximum speed.
    """
    defaults = settings.class_speeds_kmh()
    cap = settings.max_speed_kmh
    for _, _, data in G.edges(data=True):
        limit = _maxspeed_kmh(data.get("maxspeed"))
        if math.isnan(limit):
            limit = defaults[_tag(data.get("highway"))]
        speed = min(limit, cap)
        data["speed_kph"] = speed
        data["travel_time"] = float(data["length"]) / (speed / 3.6)


def _compile(G: nx.MultiDiGraph) -> RoadGraph:
    """Turn a simplified networkx graph with speeds into CSR arrays."""
    nodes = sorted(G.nodes)
    index = {n: i for i, n in enumerate(nodes)}
    edges = sorted(
        ((index[u], index[v], k, d) for u, v, k, d in G.edges(keys=True, data=True)),
        key=lambda e: (e[0], e[1], e[2]),
    )
    n, m = len(nodes), len(edges)
    src = np.fromiter((e[0] for e in edges), dtype=np.int64, count=m)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.add.at(indptr, src + 1, 1)
    indptr = np.cumsum(indptr)
    class_names = tuple(
        c for c in DRIVABLE_ROAD_CLASSES if any(_tag(e[3]["highway"]) == c for e in edges)
    )
    class_index = {c: i for i, c in enumerate(class_names)}
    names: dict[str, int] = {}
    name_code = np.full(m, -1, dtype=np.int32)
    road_class = np.empty(m, dtype=np.int8)
    edge_osmid = np.empty(m, dtype=np.int64)
    geom_parts: list[np.ndarray] = []
    node_lon = np.array([G.nodes[nd]["x"] for nd in nodes], dtype=np.float64)
    node_lat = np.array([G.nodes[nd]["y"] for nd in nodes], dtype=np.float64)
    for k, (u, v, _, d) in enumerate(edges):
        road_class[k] = class_index[_tag(d["highway"])]
        name = d.get("name")
        if isinstance(name, list):
            name = name[0] if name else None
        if name:
            name_code[k] = names.setdefault(str(name), len(names))
        osmid = d.get("osmid")
        edge_osmid[k] = int(osmid[0] if isinstance(osmid, list) else osmid)
        geom = d.get("geometry")
        if geom is not None:
            geom_parts.append(np.asarray(geom.coords, dtype=np.float64)[:, :2])
        else:
            geom_parts.append(np.array([[node_lon[u], node_lat[u]], [node_lon[v], node_lat[v]]]))
    counts = np.array([len(p) for p in geom_parts], dtype=np.int64)
    geom = np.concatenate(geom_parts) if geom_parts else np.empty((0, 2))
    return RoadGraph(
        indptr=indptr,
        indices=np.fromiter((e[1] for e in edges), dtype=np.int32, count=m),
        travel_time_s=np.fromiter((e[3]["travel_time"] for e in edges), dtype=np.float64, count=m),
        length_m=np.fromiter((e[3]["length"] for e in edges), dtype=np.float64, count=m),
        speed_kmh=np.fromiter((e[3]["speed_kph"] for e in edges), dtype=np.float64, count=m),
        road_class=road_class,
        name_code=name_code,
        edge_osmid=edge_osmid,
        geom_indptr=np.concatenate(([0], np.cumsum(counts))),
        geom_lon=geom[:, 0],
        geom_lat=geom[:, 1],
        lon=node_lon,
        lat=node_lat,
        osmid=np.array(nodes, dtype=np.int64),
        road_class_names=class_names,
        street_names=tuple(names),
    )
