"""Map configuration without the map builder: which graph to build, and from what.

:class:`BuildSettings` decide which road graph is built from a map source (road
classes, speeds, the largest component); :func:`resolve_map_source` finds that
source (an OSM file, the bundled extract or a place) without reading it.
Both are plain data: the scenario layer uses them without loading osmnx or
networkx; :mod:`klshuttle.maps` builds the graph from them.
"""

from __future__ import annotations

import json
import os
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .errors import MapSourceError
from .paths import maps_dir

__all__ = [
    "BUNDLED_MAP_NAME",
    "DEFAULT_ROAD_CLASSES",
    "DEFAULT_SPEEDS_KMH",
    "DRIVABLE_ROAD_CLASSES",
    "KAISERSLAUTERN_BBOX",
    "NEVER_DRIVABLE",
    "OSM_SUFFIXES",
    "BuildSettings",
    "MapSource",
    "bundled_map_path",
    "resolve_map_source",
]

#: Central Kaiserslautern as (south, west, north, east): the area of the shared
#: offline extract and of the bundled map cut from it.
KAISERSLAUTERN_BBOX = (49.418, 7.717, 49.457, 7.821)

#: File name of the bundled map in the package's ``data`` folder: central
#: Kaiserslautern cut to what klshuttle reads (scripts/make_bundled_map.py),
#: (c) OpenStreetMap contributors, ODbL 1.0 (``data/NOTICE``).
BUNDLED_MAP_NAME = "kaiserslautern.osm.pbf"

#: Road classes (OSM ``highway`` values) a shuttle may be allowed to use.
DRIVABLE_ROAD_CLASSES = (
    "trunk",
    "trunk_link",
    "primary",
    "primary_link",
    "secondary",
    "secondary_link",
    "tertiary",
    "tertiary_link",
    "unclassified",
    "residential",
    "living_street",
    "service",
    "busway",
    "road",
)

#: OSM ``highway`` values a shuttle never drives on, whatever the settings say.
NEVER_DRIVABLE = frozenset(
    {
        "motorway",
        "motorway_link",
        "footway",
        "path",
        "track",
        "steps",
        "platform",
        "pedestrian",
        "cycleway",
        "bridleway",
        "corridor",
        "elevator",
        "construction",
        "proposed",
        "raceway",
        "bus_guideway",
    }
)

#: Default road classes: the public street network below trunk roads (the drivable
#: classes without trunk roads and untyped ``road`` ways).
DEFAULT_ROAD_CLASSES = tuple(
    c for c in DRIVABLE_ROAD_CLASSES if c not in ("trunk", "trunk_link", "road")
)

#: Speed assumed where a way has no usable ``maxspeed`` tag, km/h. German
#: urban default limit is 50 km/h (StVO §3); residential streets in
#: Kaiserslautern are mostly 30 km/h zones; living streets are "walking pace",
#: taken as 7 km/h; service roads 20 km/h.
DEFAULT_SPEEDS_KMH: dict[str, float] = {
    "trunk": 70.0,
    "trunk_link": 50.0,
    "primary": 50.0,
    "primary_link": 50.0,
    "secondary": 50.0,
    "secondary_link": 50.0,
    "tertiary": 50.0,
    "tertiary_link": 50.0,
    "unclassified": 50.0,
    "residential": 30.0,
    "living_street": 7.0,
    "service": 20.0,
    "busway": 50.0,
    "road": 30.0,
}

#: File name endings of the OSM files the map builder reads.
OSM_SUFFIXES = (".osm", ".osm.gz", ".osm.bz2", ".pbf", ".osm.pbf", ".xml")


class BuildSettings(BaseModel):
    """Settings that decide which graph is built from a map source.

    Part of the cache key: change any of them and the graph is rebuilt.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    road_classes: tuple[str, ...] = Field(
        default=DEFAULT_ROAD_CLASSES,
        description="OSM highway values the shuttle may use; 'service' means public service roads",
    )
    max_speed_kmh: Annotated[float, Field(gt=0, le=130)] = Field(
        default=20.0,
        description=(
            "vehicle speed cap; automated shuttles run 15-20 km/h in German pilots "
            "(EasyMile EZ10, Navya Arma; shared/DOMAIN.md)"
        ),
    )
    speeds_kmh: dict[str, Annotated[float, Field(gt=0, le=200)]] = Field(
        default_factory=dict,
        description="per-class speeds used where a way has no maxspeed tag (overrides defaults)",
    )
    largest_component: bool = Field(
        default=True, description="keep only the largest strongly connected component"
    )
    psv_ways: bool = Field(
        default=False,
        description=(
            "also drive ways open only to buses (access=no/official with psv or bus=yes); "
            "for shuttles the operator runs as public service vehicles"
        ),
    )
    bus_ways: tuple[int, ...] = Field(
        default=(),
        description=(
            "OSM ids of ways the service's bus route relations use: admitted even when "
            "only buses may drive them or they are tagged service=driveway"
        ),
    )

    @field_validator("road_classes", mode="before")
    @classmethod
    def _check_classes(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        value = tuple(value)
        if not value:
            raise ValueError("must name at least one road class")
        for rc in value:
            if rc in NEVER_DRIVABLE:
                raise ValueError(
                    f"road class {rc!r} is never driven by a shuttle "
                    f"(allowed: {', '.join(DRIVABLE_ROAD_CLASSES)})"
                )
            if rc not in DRIVABLE_ROAD_CLASSES:
                raise ValueError(
                    f"unknown road class {rc!r} (known: {', '.join(DRIVABLE_ROAD_CLASSES)})"
                )
        return tuple(sorted(set(value), key=DRIVABLE_ROAD_CLASSES.index))

    @field_validator("speeds_kmh")
    @classmethod
    def _check_speed_classes(cls, value: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(value) - set(DRIVABLE_ROAD_CLASSES))
        if unknown:
            raise ValueError(f"unknown road class {unknown[0]!r} in speeds")
        return dict(sorted(value.items()))

    def class_speeds_kmh(self) -> dict[str, float]:
        """Return the default speed of every road class, with overrides applied."""
        return {**DEFAULT_SPEEDS_KMH, **self.speeds_kmh}

    def cache_token(self) -> str:
        """Return a stable JSON text of the settings for cache keys."""
        return json.dumps(self.model_dump(mode="json"), sort_keys=True)


class MapSource(BaseModel):
    """Where a road graph comes from: an OSM file, a place name or a bounding box."""

    model_config = ConfigDict(frozen=True)

    kind: str  # "file" | "place" | "bbox"
    path: Path | None = None
    place: str | None = None
    bbox: tuple[float, float, float, float] | None = None  # south, west, north, east
    origin: str = "explicit"  # how it was found: explicit, KLSHUTTLE_OSM, maps/, bundled

    def describe(self) -> str:
        """One-line description for summaries and errors."""
        if self.kind == "file":
            return f"{self.path} ({self.origin})"
        if self.kind == "place":
            return f"place {self.place!r} via Overpass ({self.origin})"
        return f"bbox {self.bbox} via Overpass ({self.origin})"


# --------------------------------------------------------------------- sources
def _is_osm_file(path: Path) -> bool:
    name = path.name.lower()
    return any(name.endswith(s) for s in OSM_SUFFIXES) and path.is_file()


def bundled_map_path() -> Path | None:
    """Return the path of the map bundled with the package, or None if it is missing.

    The file is package data (``klshuttle/data/kaiserslautern.osm.pbf``); an
    installation that left it out (or runs from a zip) has none.
    """
    entry = resources.files("klshuttle").joinpath("data", BUNDLED_MAP_NAME)
    path = Path(str(entry))
    return path if path.is_file() else None


def resolve_map_source(source: str | os.PathLike[str] | MapSource | None = None) -> MapSource:
    """Find the map to use, the same way for every command.

    Order: an explicit path or place, then ``$KLSHUTTLE_OSM``, then a single
    OSM file the user placed in the maps folder, then the map bundled with the
    package (central Kaiserslautern). Nothing is fetched online unless a place
    is asked for explicitly.

    Parameters
    ----------
    source
        A path to an OSM file, ``"place:<name>"`` or a place name that is not
        an existing path, a :class:`MapSource`, or None to search.

    Returns
    -------
    MapSource
        Where the graph will come from (no data is read yet).

    Raises
    ------
    MapSourceError
        If a named file does not exist, the maps folder holds several files, or
        nothing names a map and the bundled map is missing from the installation.
    """
    if isinstance(source, MapSource):
        return source
    if source is not None:
        text = os.fspath(source)
        if text.startswith("place:"):
            return MapSource(kind="place", place=text[len("place:") :].strip())
        path = Path(text).expanduser()
        looks_like_path = (
            path.suffix != "" or os.sep in text or text.startswith(".") or path.exists()
        )
        if looks_like_path:
            if not path.is_file():
                raise MapSourceError(f"OSM file not found: {path}")
            return MapSource(kind="file", path=path.resolve())
        return MapSource(kind="place", place=text)
    env = os.environ.get("KLSHUTTLE_OSM")
    if env:
        path = Path(env).expanduser()
        if not path.is_file():
            raise MapSourceError(f"KLSHUTTLE_OSM points to a missing file: {path}")
        return MapSource(kind="file", path=path.resolve(), origin="KLSHUTTLE_OSM")
    folder = maps_dir()
    found = sorted(p for p in folder.glob("*") if _is_osm_file(p)) if folder.is_dir() else []
    if len(found) == 1:
        return MapSource(kind="file", path=found[0].resolve(), origin="maps/")
    if len(found) > 1:
        names = ", ".join(p.name for p in found)
        raise MapSourceError(
            f"several OSM files in {folder} ({names}): choose one with --osm or KLSHUTTLE_OSM"
        )
    bundled = bundled_map_path()
    if bundled is None:
        raise MapSourceError(
            f"no map: the bundled {BUNDLED_MAP_NAME} is missing from this installation; "
            "pass an OSM file with --osm PATH, set KLSHUTTLE_OSM, or name a place"
        )
    return MapSource(kind="file", path=bundled.resolve(), origin="bundled")


def osm_file(source: str | os.PathLike[str] | MapSource | None, needs: str) -> Path:
    """The local OSM file of a map source, for readers that need one (not an online source).

    ``needs`` completes the error, e.g. "bus route relations are read".

    Raises
    ------
    MapSourceError
        If the source is not a local OSM file.
    """
    src = resolve_map_source(source)
    if src.kind != "file" or src.path is None:
        raise MapSourceError(
            f"{src.describe()}: {needs} from an OSM file; pass one with --osm, "
            "[map] osm or KLSHUTTLE_OSM"
        )
    return src.path
