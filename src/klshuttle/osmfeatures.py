"""Non-road features of an OSM file: bus stops, rail stations, buildings, land use.

pyosmium reads the file once (about 3 s for the Kaiserslautern extract); the
result is cached as ``.npz`` under :func:`klshuttle.paths.cache_dir`, keyed by
the file's content hash, so later runs load it in milliseconds.

Building use is inferred, since 84 % of the buildings of the shared extract are
tagged only ``building=yes`` (shared/DOMAIN.md): a building is residential when
its tag says so (house, apartments, ...) or when it stands in a
``landuse=residential`` polygon and its tag does not name another use;
commercial when its tag names a commercial use or it stands in
``landuse=commercial``/``retail``.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
from numpy.typing import NDArray

from .errors import MapSourceError
from .graph import to_metric
from .mapconfig import osm_file
from .maps import MapSource
from .paths import cache_dir, cached, file_sha256

if TYPE_CHECKING:
    from osmium.osm import TagList

__all__ = [
    "BUILDING_COMMERCIAL",
    "BUILDING_OTHER",
    "BUILDING_RESIDENTIAL",
    "OsmFeatures",
    "load_features",
]

log = logging.getLogger(__name__)

#: Bumped when the extraction changes; part of the cache key.
FEATURES_FORMAT_VERSION = 2

BUILDING_OTHER = 0
BUILDING_RESIDENTIAL = 1
BUILDING_COMMERCIAL = 2

_RESIDENTIAL_TAGS = frozenset(
    {
        "house",
        "residential",
        "apartments",
        "detached",
        "semidetached_house",
        "terrace",
        "dormitory",
        "bungalow",
        "farm",
    }
)
_COMMERCIAL_TAGS = frozenset(
    {"commercial", "retail", "office", "supermarket", "kiosk", "hotel", "mall"}
)
#: Building tags that are neither homes nor places people travel to daily.
_OTHER_TAGS = frozenset(
    {
        "garage",
        "garages",
        "carport",
        "shed",
        "roof",
        "hut",
        "cabin",
        "greenhouse",
        "barn",
        "stable",
        "parking",
        "industrial",
        "warehouse",
        "manufacture",
        "service",
        "transformer_tower",
        "construction",
        "ruins",
        "church",
        "chapel",
        "school",
        "university",
        "kindergarten",
        "hospital",
        "public",
        "civic",
        "government",
        "train_station",
        "transportation",
        "sports_hall",
        "storage_tank",
    }
)
#: assumption: footprints under 30 m2 tagged only building=yes are sheds or
#: garages, not homes (a small detached house has well over 50 m2).
_MIN_HOME_M2 = 30.0

_LANDUSE_KINDS = ("residential", "commercial", "retail", "industrial")


@dataclass(frozen=True, eq=False)
class OsmFeatures:
    """The non-road features of one OSM file, as flat arrays.

    Attributes
    ----------
    stop_name, stop_lon, stop_lat, stop_kind
        Every bus-stop object (``highway=bus_stop`` nodes, bus
        ``public_transport=platform/stop_position`` nodes, platform ways at
        their centroid); ``stop_name`` is '' for unnamed objects, ``stop_kind``
        is ``"node"`` or ``"way"``.
    station_name, station_lon, station_lat
        Rail stations and halts (``railway=station|halt``).
    building_x, building_y, building_area_m2, building_use
        Building centroids (EPSG:25832), footprint areas and the inferred use
        (:data:`BUILDING_RESIDENTIAL`, :data:`BUILDING_COMMERCIAL`, :data:`BUILDING_OTHER`).
    landuse_kind, landuse_wkb, landuse_offsets
        Land-use polygons of the kinds residential, commercial, retail and
        industrial: lon/lat WKB of polygon ``i`` is
        ``landuse_wkb[landuse_offsets[i]:landuse_offsets[i + 1]]`` (bytes).
    parking_id, parking_name, parking_kind, parking_capacity, parking_wkb, parking_offsets
        Car parks (``amenity=parking`` areas): OSM id, name, ``parking=*``
        (surface, multi-storey, ...), ``capacity`` (NaN when untagged) and
        lon/lat WKB like the land-use polygons.
    meta
        Source, content hash and how long the extraction took.
    """

    stop_name: NDArray[np.str_]
    stop_lon: NDArray[np.float64]
    stop_lat: NDArray[np.float64]
    stop_kind: NDArray[np.str_]
    station_name: NDArray[np.str_]
    station_lon: NDArray[np.float64]
    station_lat: NDArray[np.float64]
    building_x: NDArray[np.float64]
    building_y: NDArray[np.float64]
    building_area_m2: NDArray[np.float64]
    building_use: NDArray[np.int8]
    landuse_kind: NDArray[np.str_]
    landuse_wkb: NDArray[np.uint8]
    landuse_offsets: NDArray[np.int64]
    parking_id: NDArray[np.int64]
    parking_name: NDArray[np.str_]
    parking_kind: NDArray[np.str_]
    parking_capacity: NDArray[np.float64]
    parking_wkb: NDArray[np.uint8]
    parking_offsets: NDArray[np.int64]
    meta: dict[str, Any] = field(default_factory=dict)

    def landuse_polygons(self, kinds: tuple[str, ...]) -> Any:
        """Union of the land-use polygons of the given kinds (lon/lat shapely geometry)."""
        import shapely

        sel = np.flatnonzero(np.isin(self.landuse_kind, kinds))
        if len(sel) == 0:
            return shapely.Polygon()
        off = self.landuse_offsets
        blobs = [self.landuse_wkb[off[i] : off[i + 1]].tobytes() for i in sel]
        geoms = shapely.from_wkb(np.array(blobs, dtype=object))
        return shapely.union_all(shapely.make_valid(geoms))

    def save(self, path: Path) -> None:
        """Write to ``.npz`` atomically."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        arrays = {k: getattr(self, k) for k in _FIELDS}
        import json

        try:
            with tmp.open("wb") as fh:
                np.savez(
                    fh,
                    **arrays,
                    meta=np.array(json.dumps(self.meta, sort_keys=True)),
                    format_version=np.array(FEATURES_FORMAT_VERSION),
                )
            tmp.replace(path)
        finally:
            tmp.unlink(missing_ok=True)

    @classmethod
    def load(cls, path: Path) -> OsmFeatures:
        """Read a file written by :meth:`save`; ValueError if it is not one."""
        import json

        with np.load(path, allow_pickle=False) as data:
            if int(data["format_version"]) != FEATURES_FORMAT_VERSION:
                raise ValueError("old features format")
            kwargs = {k: data[k] for k in _FIELDS}
            kwargs["meta"] = json.loads(str(data["meta"]))
        return cls(**kwargs)


_FIELDS = (
    "stop_name",
    "stop_lon",
    "stop_lat",
    "stop_kind",
    "station_name",
    "station_lon",
    "station_lat",
    "building_x",
    "building_y",
    "building_area_m2",
    "building_use",
    "landuse_kind",
    "landuse_wkb",
    "landuse_offsets",
    "parking_id",
    "parking_name",
    "parking_kind",
    "parking_capacity",
    "parking_wkb",
    "parking_offsets",
)


def load_features(
    source: str | Path | MapSource | None = None, *, use_cache: bool = True
) -> OsmFeatures:
    """Read the bus stops, stations, buildings and land use of a map source.

    Parameters
    ----------
    source
        As for :func:`klshuttle.maps.resolve_map_source`; must resolve to a file.
    use_cache
        Read and write the extraction under the cache folder.

    Raises
    ------
    MapSourceError
        If the source is not a local OSM file (online sources hold only roads
        here: stops and land use need a file).
    """
    path = osm_file(source, "bus stops, buildings and land use are read")
    digest = file_sha256(path)

    def build() -> OsmFeatures:
        feats = _extract(path)
        feats.meta.update(source=str(path), content_sha256=digest)
        return feats

    return cached(
        cache_dir() / f"features-{digest[:16]}-v{FEATURES_FORMAT_VERSION}.npz",
        load=OsmFeatures.load,
        build=build,
        save=OsmFeatures.save,
        what="features",
        use_cache=use_cache,
    )


def _tag(tags: TagList, key: str, default: str) -> str:
    """``tags.get(key, default)``, typed: with a string default it never returns None."""
    return cast(str, tags.get(key, default))


def _extract(path: Path) -> OsmFeatures:
    import osmium
    import shapely

    t0 = time.perf_counter()
    stops: list[tuple[str, float, float, str]] = []
    stations: list[tuple[str, float, float]] = []
    building_wkb: list[bytes] = []
    building_tag: list[str] = []
    building_commercial_hint: list[bool] = []
    landuse: list[tuple[str, bytes]] = []
    parking: list[tuple[int, str, str, float, bytes]] = []
    factory = osmium.geom.WKBFactory()
    try:
        fp = osmium.FileProcessor(str(path)).with_locations().with_areas()
        for obj in fp:
            tags = obj.tags
            if isinstance(obj, osmium.osm.Area):  # what obj.is_area() tests
                if tags.get("amenity") == "parking":
                    try:
                        wkb = bytes.fromhex(factory.create_multipolygon(obj))
                    except RuntimeError:
                        wkb = b""
                    if wkb:
                        try:
                            capacity = float(_tag(tags, "capacity", "nan"))
                        except ValueError:
                            capacity = float("nan")
                        parking.append(
                            (
                                obj.orig_id(),
                                _tag(tags, "name", ""),
                                _tag(tags, "parking", ""),
                                capacity,
                                wkb,
                            )
                        )
                if "building" in tags or tags.get("landuse") in _LANDUSE_KINDS:
                    try:
                        wkb = bytes.fromhex(factory.create_multipolygon(obj))
                    except RuntimeError:
                        continue  # broken multipolygon in the source: skip
                    if "building" in tags:
                        building_wkb.append(wkb)
                        building_tag.append(_tag(tags, "building", "yes"))
                        building_commercial_hint.append("shop" in tags or "office" in tags)
                    else:
                        landuse.append((tags["landuse"], wkb))
                continue
            if not isinstance(obj, (osmium.osm.Node, osmium.osm.Way)):
                continue  # type_str() "n" or "w" only
            kind = obj.type_str()
            railway = tags.get("railway")
            if (
                isinstance(obj, osmium.osm.Node)
                and railway in ("station", "halt")
                and "name" in tags
            ):
                stations.append((tags["name"], obj.location.lon, obj.location.lat))
                continue
            if railway is not None or tags.get("train") == "yes" or tags.get("tram") == "yes":
                continue
            is_stop = tags.get("highway") in ("bus_stop", "platform") or (
                tags.get("public_transport") in ("platform", "stop_position")
                and tags.get("bus") in ("yes", None)
            )
            if not is_stop:
                continue
            if isinstance(obj, osmium.osm.Node):
                lon, lat = obj.location.lon, obj.location.lat
            else:
                locs = [(n.lon, n.lat) for n in obj.nodes if n.location.valid()]
                if not locs:
                    continue
                if len(locs) > 1 and locs[0] == locs[-1]:
                    locs = locs[:-1]
                lon = float(np.mean([p[0] for p in locs]))
                lat = float(np.mean([p[1] for p in locs]))
            name = _tag(tags, "name", "").replace("\xa0", " ").strip()
            stops.append((name, lon, lat, "node" if kind == "n" else "way"))
    except (RuntimeError, OSError) as exc:
        raise MapSourceError(f"{path}: cannot read OSM features ({exc})") from exc

    # buildings: metric footprints, centroids, inferred use
    if building_wkb:
        geoms = shapely.from_wkb(np.array(building_wkb, dtype=object))
        metric = shapely.transform(geoms, lambda xy: np.column_stack(to_metric(xy[:, 0], xy[:, 1])))
        area = shapely.area(metric)
        cent = shapely.centroid(metric)
        bx, by = shapely.get_x(cent), shapely.get_y(cent)
    else:
        area = bx = by = np.empty(0)
    tag = np.array(building_tag, dtype=str)
    use = np.full(len(tag), BUILDING_OTHER, dtype=np.int8)
    in_res = _inside(landuse, ("residential",), bx, by)
    in_com = _inside(landuse, ("commercial", "retail"), bx, by)
    tagged_res = np.isin(tag, list(_RESIDENTIAL_TAGS))
    tagged_com = np.isin(tag, list(_COMMERCIAL_TAGS)) | np.array(building_commercial_hint, bool)
    tagged_other = np.isin(tag, list(_OTHER_TAGS))
    generic = ~(tagged_res | tagged_com | tagged_other)
    use[tagged_com | (generic & in_com)] = BUILDING_COMMERCIAL
    res = tagged_res | (generic & in_res & ~in_com & (area >= _MIN_HOME_M2))
    use[res] = BUILDING_RESIDENTIAL

    feats = OsmFeatures(
        stop_name=np.array([s[0] for s in stops], dtype=str),
        stop_lon=np.array([s[1] for s in stops], dtype=np.float64),
        stop_lat=np.array([s[2] for s in stops], dtype=np.float64),
        stop_kind=np.array([s[3] for s in stops], dtype=str),
        station_name=np.array([s[0] for s in stations], dtype=str),
        station_lon=np.array([s[1] for s in stations], dtype=np.float64),
        station_lat=np.array([s[2] for s in stations], dtype=np.float64),
        building_x=np.asarray(bx, dtype=np.float64),
        building_y=np.asarray(by, dtype=np.float64),
        building_area_m2=np.asarray(area, dtype=np.float64),
        building_use=use,
        landuse_kind=np.array([lu[0] for lu in landuse], dtype=str),
        landuse_wkb=np.frombuffer(b"".join(lu[1] for lu in landuse), dtype=np.uint8).copy(),
        landuse_offsets=np.concatenate(([0], np.cumsum([len(lu[1]) for lu in landuse]))).astype(
            np.int64
        ),
        parking_id=np.array([p[0] for p in parking], dtype=np.int64),
        parking_name=np.array([p[1] for p in parking], dtype=str),
        parking_kind=np.array([p[2] for p in parking], dtype=str),
        parking_capacity=np.array([p[3] for p in parking], dtype=np.float64),
        parking_wkb=np.frombuffer(b"".join(p[4] for p in parking), dtype=np.uint8).copy(),
        parking_offsets=np.concatenate(([0], np.cumsum([len(p[4]) for p in parking]))).astype(
            np.int64
        ),
        meta={"extract_time_s": time.perf_counter() - t0},
    )
    if len(feats.stop_name) == 0 and len(feats.building_use) == 0:
        log.warning("%s holds no bus stops and no buildings", path)
    return feats


def _inside(
    landuse: list[tuple[str, bytes]],
    kinds: tuple[str, ...],
    x: NDArray[np.float64],
    y: NDArray[np.float64],
) -> NDArray[np.bool_]:
    """Which metric points lie inside a land-use polygon of the given kinds."""
    import shapely

    polys = [wkb for kind, wkb in landuse if kind in kinds]
    if not polys or len(x) == 0:
        return np.zeros(len(x), dtype=bool)
    geoms = shapely.from_wkb(np.array(polys, dtype=object))
    metric = shapely.transform(geoms, lambda xy: np.column_stack(to_metric(xy[:, 0], xy[:, 1])))
    union = shapely.union_all(shapely.make_valid(metric))
    shapely.prepare(union)
    return np.asarray(shapely.contains_xy(union, x, y), dtype=bool)
