"""Scenario files: the TOML schema, validation that names the failing key, run ids.

A scenario describes one shuttle service on the Kaiserslautern road graph in
one readable TOML file. :func:`load_scenario` reads it (following ``extends``),
validates it into a frozen :class:`Scenario` and raises
:class:`~klshuttle.errors.ScenarioError` with a one-line message that names the
file, the key path and what was expected::

    scenarios/x.toml: fleet.vehicle.capacity: must be >= 1, got 0

Tables (see ``scenarios/base.toml`` for a commented example):

``[map]``
    map source (``osm`` path or ``place``; default: ``$KLSHUTTLE_OSM``, maps/,
    online), road classes and per-class speeds (as :class:`~klshuttle.maps.BuildSettings`),
    the service ``area`` and the snapping tolerance ``max_snap_m``.
``[fleet]``
    ``vehicles``, ``depots`` and the vehicle type ``[fleet.vehicle]`` (a ``model``
    preset such as ``"ez10"`` and overrides: capacity, speed, boarding and
    dwell time, operating hours, energy).
``[service]``
    ``mode`` (``line``, ``on_demand``, ``hybrid``), the ``stops`` and the
    ``[service.on_demand]`` rules and/or ``[[service.lines]]``.
``[demand]``
    ``seed``, the time ``window`` and one or more ``[[demand.models]]``.
``[dispatch]``, ``[landuse]``, ``[outputs]``
    dispatcher and rebalancing, land-use impact parameters, output folder.

Defaults come from ``shared/DOMAIN.md``; each names its source beside it.
Values not found there are marked "assumption" with the reasoning.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import math
import os
import re
import tomllib
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    Strict,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from .errors import ScenarioError
from .maps import DEFAULT_ROAD_CLASSES, BuildSettings
from .paths import file_sha256
from .places import suggest

__all__ = [
    "OUTPUT_KINDS",
    "VEHICLE_MODELS",
    "BboxArea",
    "CsvDemand",
    "DemandSpec",
    "DispatchSpec",
    "FeederDemand",
    "FleetSpec",
    "LandUseSpec",
    "LineSpec",
    "MapSpec",
    "NetworkArea",
    "OdMatrixDemand",
    "OnDemandSpec",
    "OsmDemand",
    "OutputsSpec",
    "PointSpec",
    "PolygonArea",
    "Scenario",
    "ServiceSpec",
    "StopsAroundArea",
    "StreetsArea",
    "TimeWindow",
    "VehicleSpec",
    "format_time",
    "load_scenario",
    "parse_time",
]

# ------------------------------------------------------------------- helpers
_TIME_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})(?::(\d{2}(?:\.\d+)?))?\s*$")


def parse_time(value: Any) -> float:
    """Parse a time of day to seconds since the day start.

    Accepts ``"HH:MM"``, ``"HH:MM:SS"`` (hours up to 47 for service after
    midnight) or a number of seconds.

    Raises
    ------
    ValueError
        With a message fit for a scenario error.
    """
    if isinstance(value, bool):
        raise ValueError(f'expected a time such as "06:30" or seconds, got {value!r}')
    if isinstance(value, int | float):
        if not math.isfinite(value) or value < 0 or value > 48 * 3600:
            raise ValueError(f"a time in seconds must be between 0 and 172800, got {value!r}")
        return float(value)
    if isinstance(value, str):
        m = _TIME_RE.match(value)
        if m:
            h, mi = int(m.group(1)), int(m.group(2))
            s = float(m.group(3)) if m.group(3) else 0.0
            if h < 48 and mi < 60 and s < 60:
                return h * 3600.0 + mi * 60.0 + s
        raise ValueError(f'expected a time such as "06:30" or "06:30:15", got {value!r}')
    raise ValueError(f'expected a time such as "06:30" or seconds, got {value!r}')


def format_time(seconds: float) -> str:
    """Format seconds since day start as ``HH:MM`` (``HH:MM:SS`` when needed)."""
    total = round(float(seconds))
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    return f"{h:02d}:{m:02d}" if s == 0 else f"{h:02d}:{m:02d}:{s:02d}"


def _custom(kind: str, message: str) -> PydanticCustomError:
    """A validation error whose message is shown as is ("key.path: text" for parents)."""
    return PydanticCustomError(kind, "{text}", {"text": message})


def _check_time(value: Any) -> float:
    try:
        return parse_time(value)
    except ValueError as exc:
        raise _custom("time", str(exc)) from None


Int = Annotated[int, Strict()]
Float = Annotated[float, Strict()]
Str = Annotated[str, Strict()]
Bool = Annotated[bool, Strict()]
TimeOfDay = Annotated[float, BeforeValidator(_check_time)]
PositiveInt = Annotated[int, Strict(), Field(ge=1)]
NonNegInt = Annotated[int, Strict(), Field(ge=0)]
PositiveFloat = Annotated[float, Strict(), Field(gt=0)]
NonNegFloat = Annotated[float, Strict(), Field(ge=0)]
Share = Annotated[float, Strict(), Field(ge=0, le=1)]
Lon = Annotated[float, Strict(), Field(ge=-180, le=180)]
Lat = Annotated[float, Strict(), Field(ge=-90, le=90)]
FilePath = Annotated[Str, Field(min_length=1)]


#: Keys people put in the wrong table, and where they belong.
_ELSEWHERE = {
    "seed": "[demand] seed",
    "vehicles": "[fleet] vehicles",
    "capacity": "[fleet.vehicle] capacity",
    "max_speed_kmh": "[fleet.vehicle] max_speed_kmh",
    "operating_hours": "[fleet.vehicle] operating_hours",
    "depots": "[fleet] depots",
    "mode": "[service] mode",
    "stops": "[service] stops",
    "area": "[map] area",
    "osm": "[map] osm",
    "algorithm": "[dispatch] algorithm",
    "max_wait_s": "[service.on_demand] max_wait_s",
    "window": "[demand] window",
    "models": "[demand] models",
    "folder": "[outputs] folder",
}


class _Model(BaseModel):
    """Base of every scenario table: frozen; an unknown key is an error."""

    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True)

    @model_validator(mode="before")
    @classmethod
    def _unknown_keys(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            known = [name for name in cls.model_fields if not name.startswith("_")]
            for key in data:
                if key not in cls.model_fields:
                    close = suggest(str(key), known, n=1)
                    hint = f"did you mean {close[0]!r}? " if close else ""
                    if not close and str(key) in _ELSEWHERE:
                        hint = f"it belongs in {_ELSEWHERE[str(key)]}; "
                    raise PydanticCustomError(
                        "unknown_key",
                        "unknown key ({hint}known keys: {known})",
                        {"key": str(key), "hint": hint, "known": ", ".join(known)},
                    )
        return data


class TimeWindow(_Model):
    """A span of the day; ``start`` and ``end`` in seconds since day start.

    TOML accepts ``"06:00"`` strings or seconds: ``{ start = "06:00", end = "21:00" }``.
    """

    start: TimeOfDay
    end: TimeOfDay

    @model_validator(mode="after")
    def _ordered(self) -> TimeWindow:
        if self.end <= self.start:
            raise ValueError(
                f"end {format_time(self.end)} must be after start {format_time(self.start)}"
            )
        return self

    @property
    def start_s(self) -> float:
        """Start in seconds since day start."""
        return self.start

    @property
    def end_s(self) -> float:
        """End in seconds since day start."""
        return self.end

    @property
    def duration_s(self) -> float:
        """Length of the window in seconds."""
        return self.end - self.start


#: KEXI Kelheim operates Mon-Sat 06:00-21:00 (shared/DOMAIN.md, On-demand service parameters).
KEXI_HOURS = {"start": 6 * 3600.0, "end": 21 * 3600.0}


class PointSpec(_Model):
    """A point given by coordinates: ``{ name = "...", lon = 7.76, lat = 49.43 }``."""

    name: Str | None = None
    lon: Lon
    lat: Lat


#: A location: the name of an OSM stop or a gazetteer place, or a point.
Location = Annotated[Str, Field(min_length=1)] | PointSpec


def location_label(loc: str | PointSpec) -> str:
    """A short label of a location for messages and tables."""
    if isinstance(loc, str):
        return loc
    return loc.name or f"({loc.lon:.5f}, {loc.lat:.5f})"


# ------------------------------------------------------------------------ map
class NetworkArea(_Model):
    """The whole road network of the map (its convex hull)."""

    type: Literal["network"] = "network"


class PolygonArea(_Model):
    """A lon/lat polygon: ``polygon = [[lon, lat], ...]`` (closed or not)."""

    type: Literal["polygon"]
    polygon: Annotated[list[tuple[Lon, Lat]], Field(min_length=3)]

    @field_validator("polygon")
    @classmethod
    def _valid(cls, value: list[tuple[float, float]]) -> list[tuple[float, float]]:
        import shapely

        poly = shapely.Polygon(value)
        if not poly.is_valid:
            raise ValueError(f"the polygon is not valid ({shapely.is_valid_reason(poly)})")
        if poly.area <= 0:
            raise ValueError("the polygon has no area (points in a line or repeated)")
        return value


class BboxArea(_Model):
    """A bounding box ``bbox = [west, south, east, north]`` in degrees."""

    type: Literal["bbox"]
    bbox: tuple[Lon, Lat, Lon, Lat]

    @field_validator("bbox")
    @classmethod
    def _ordered(cls, value: tuple[float, float, float, float]) -> Any:
        west, south, east, north = value
        if not (west < east and south < north):
            raise ValueError(
                f"must be [west, south, east, north] with west < east and south < north, got {list(value)}"
            )
        return value


class StreetsArea(_Model):
    """A buffer of ``buffer_m`` metres around the named streets of the graph."""

    type: Literal["streets"]
    streets: Annotated[list[Annotated[Str, Field(min_length=1)]], Field(min_length=1)]
    buffer_m: Annotated[float, Strict(), Field(gt=0, le=10_000)]


class StopsAroundArea(_Model):
    """A buffer of ``buffer_m`` metres around stops, places or points."""

    type: Literal["stops"]
    stops: Annotated[list[Location], Field(min_length=1)]
    buffer_m: Annotated[float, Strict(), Field(gt=0, le=10_000)]


ServiceArea = Annotated[
    NetworkArea | PolygonArea | BboxArea | StreetsArea | StopsAroundArea,
    Field(discriminator="type"),
]


class MapSpec(_Model):
    """``[map]``: the map source, the road network settings and the service area."""

    osm: FilePath | None = Field(
        default=None, description="OSM file, relative to the scenario file that names it"
    )
    place: Annotated[Str, Field(min_length=1)] | None = Field(
        default=None, description="place name fetched online through osmnx"
    )
    road_classes: tuple[Str, ...] = Field(
        default=DEFAULT_ROAD_CLASSES, description="OSM highway values the shuttle may use"
    )
    speeds_kmh: dict[Str, PositiveFloat] = Field(
        default_factory=dict, description="per-class speeds where a way has no maxspeed"
    )
    largest_component: Bool = True
    area: ServiceArea = Field(default_factory=NetworkArea)
    # assumption (not in DOMAIN.md): OSM bus stops of the shared extract lie at
    # most 12.4 m from the nearest road edge; 50 m leaves room for stops mapped
    # on a platform or a forecourt, and catches points set in the wrong place.
    max_snap_m: Annotated[float, Strict(), Field(gt=0, le=1000)] = 50.0

    @field_validator("road_classes", mode="before")
    @classmethod
    def _classes(cls, value: Any) -> Any:
        if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
            try:
                return BuildSettings(road_classes=tuple(value)).road_classes
            except ValidationError as exc:
                raise ValueError(exc.errors()[0]["msg"].removeprefix("Value error, ")) from None
        return value

    @field_validator("speeds_kmh")
    @classmethod
    def _speed_classes(cls, value: dict[str, float]) -> dict[str, float]:
        try:
            return BuildSettings(speeds_kmh=value).speeds_kmh
        except ValidationError as exc:
            raise ValueError(exc.errors()[0]["msg"].removeprefix("Value error, ")) from None

    @model_validator(mode="after")
    def _one_source(self) -> MapSpec:
        if self.osm is not None and self.place is not None:
            raise ValueError("give either osm (a file) or place (online), not both")
        return self

    @property
    def source(self) -> str | None:
        """The map source for :func:`~klshuttle.maps.load_map` (None: the default search)."""
        if self.osm is not None:
            return self.osm
        if self.place is not None:
            return f"place:{self.place}"
        return None


# ---------------------------------------------------------------------- fleet
#: Vehicle presets from shared/DOMAIN.md ("Automated shuttles" table).
#: ``max_speed_kmh`` is the operating speed of German pilots where known;
#: ``top_speed_kmh`` the manufacturer's top speed.
VEHICLE_MODELS: dict[str, dict[str, Any]] = {
    # EasyMile EZ10: 12 passengers (6 seated), top 40 km/h, 15-20 km/h in
    # German pilots, up to 16 h a charge (DOMAIN.md).
    "ez10": {
        "label": "EasyMile EZ10",
        "capacity": 12,
        "max_speed_kmh": 20.0,
        "top_speed_kmh": 40.0,
        "hours_per_charge": 16.0,
    },
    # Navya Arma: 15 passengers (11 seated), top 45 km/h, about 20 km/h in
    # pilots, about 9 h a charge (DOMAIN.md).
    "navya_arma": {
        "label": "Navya Arma",
        "capacity": 15,
        "max_speed_kmh": 20.0,
        "top_speed_kmh": 45.0,
        "hours_per_charge": 9.0,
    },
    # HOLON mover: 15 passengers, top 60 km/h (DOMAIN.md); no pilot speed
    # known, so the EZ10/Arma pilot speed of 20 km/h is assumed.
    "holon_mover": {
        "label": "HOLON mover",
        "capacity": 15,
        "max_speed_kmh": 20.0,
        "top_speed_kmh": 60.0,
    },
    # VW ID. Buzz AD: 4 passengers (DOMAIN.md); speed not listed there, the
    # 50 km/h urban limit (StVO §3) is assumed as its cap.
    "id_buzz_ad": {"label": "VW ID. Buzz AD", "capacity": 4, "max_speed_kmh": 50.0},
}


class EnergySpec(_Model):
    """Optional battery figures of the vehicle."""

    hours_per_charge: PositiveFloat
    recharge_time_s: PositiveFloat | None = None


class VehicleSpec(_Model):
    """``[fleet.vehicle]``: one vehicle type for the whole fleet.

    ``model`` fills capacity, speed and energy from :data:`VEHICLE_MODELS`;
    keys given explicitly override the preset.
    """

    model: Literal["ez10", "navya_arma", "holon_mover", "id_buzz_ad", "custom"] = "ez10"
    capacity: PositiveInt
    max_speed_kmh: Annotated[float, Strict(), Field(gt=0, le=130)]
    # Bus dwell time (Levinson): 5.0 s per stop + 2.75 s per boarding or
    # alighting passenger (shared/DOMAIN.md, On-demand service parameters).
    boarding_time_s: NonNegFloat = 2.75
    dwell_time_s: NonNegFloat = 5.0
    operating_hours: TimeWindow = Field(default_factory=lambda: TimeWindow(**KEXI_HOURS))
    energy: EnergySpec | None = None

    @model_validator(mode="before")
    @classmethod
    def _preset(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        model = data.get("model", "ez10")
        preset = VEHICLE_MODELS.get(model) if isinstance(model, str) else None
        if preset is None:
            return data
        out = dict(data)
        out.setdefault("capacity", preset["capacity"])
        out.setdefault("max_speed_kmh", preset["max_speed_kmh"])
        if "hours_per_charge" in preset and "energy" not in out:
            out["energy"] = {"hours_per_charge": preset["hours_per_charge"]}
        return out

    @model_validator(mode="after")
    def _within_top_speed(self) -> VehicleSpec:
        top = VEHICLE_MODELS.get(self.model, {}).get("top_speed_kmh")
        if top is not None and self.max_speed_kmh > top:
            label = VEHICLE_MODELS[self.model]["label"]
            raise _custom(
                "top_speed",
                f"max_speed_kmh: must be <= {top:g} (top speed of the {label}), "
                f"got {self.max_speed_kmh:g}",
            )
        return self

    @property
    def label(self) -> str:
        """Human name of the vehicle model."""
        return str(VEHICLE_MODELS.get(self.model, {}).get("label", "custom vehicle"))


class FleetSpec(_Model):
    """``[fleet]``: how many vehicles, of which type, starting from which depots."""

    vehicles: PositiveInt
    vehicle: VehicleSpec = Field(default_factory=lambda: VehicleSpec())
    depots: Annotated[list[Location], Field(min_length=1)]
    vehicles_per_depot: list[NonNegInt] | None = Field(
        default=None, description="vehicles at each depot; default: spread evenly"
    )

    @model_validator(mode="after")
    def _split(self) -> FleetSpec:
        if self.vehicles_per_depot is not None:
            if len(self.vehicles_per_depot) != len(self.depots):
                raise ValueError(
                    f"vehicles_per_depot has {len(self.vehicles_per_depot)} entries for "
                    f"{len(self.depots)} depots"
                )
            if sum(self.vehicles_per_depot) != self.vehicles:
                raise ValueError(
                    f"vehicles_per_depot adds up to {sum(self.vehicles_per_depot)}, "
                    f"but vehicles is {self.vehicles}"
                )
        return self

    def depot_of_vehicle(self) -> list[int]:
        """Index of the start depot of each vehicle (round robin unless split explicitly)."""
        if self.vehicles_per_depot is not None:
            return [d for d, n in enumerate(self.vehicles_per_depot) for _ in range(n)]
        return [v % len(self.depots) for v in range(self.vehicles)]


# -------------------------------------------------------------------- service
class OsmStops(_Model):
    """Every named OSM bus stop inside the service area.

    OSM objects of one stop (platforms and stop positions on both sides of the
    street) are merged when they share a name and lie within ``merge_distance_m``.
    """

    type: Literal["osm"] = "osm"
    # assumption (not in DOMAIN.md): in the shared extract the objects of one
    # named stop lie up to 157 m apart (Gusswerk); 250 m merges them all while
    # keeping different stops of the same name in different districts apart.
    merge_distance_m: Annotated[float, Strict(), Field(gt=0, le=2000)] = 250.0


class NamedStops(_Model):
    """OSM stops by name, or gazetteer places, or points:
    ``names = ["Hauptbahnhof", { name = "Pfaff Nord", lon = 7.75, lat = 49.44 }]``."""

    type: Literal["named"]
    names: Annotated[list[Location], Field(min_length=1)]
    merge_distance_m: Annotated[float, Strict(), Field(gt=0, le=2000)] = 250.0


class PointStops(_Model):
    """Stops at coordinates: ``points = [{ name = "A", lon = ..., lat = ... }, ...]``."""

    type: Literal["coordinates"]
    points: Annotated[list[PointSpec], Field(min_length=1)]

    @field_validator("points")
    @classmethod
    def _named(cls, value: list[PointSpec]) -> list[PointSpec]:
        for i, p in enumerate(value):
            if not p.name:
                raise ValueError(f"point {i} needs a name")
        names = [p.name for p in value]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"stop names must be unique, {dup[0]!r} appears twice")
        return value


class VirtualStops(_Model):
    """Virtual stops generated on the road network so that every graph node
    inside the area lies within ``spacing_m`` (straight line) of a stop."""

    type: Literal["virtual"]
    # KEXI Kelheim: about 150 stops at most 250 m apart (shared/DOMAIN.md).
    spacing_m: Annotated[float, Strict(), Field(ge=25, le=5000)] = 250.0


StopsSpec = Annotated[
    OsmStops | NamedStops | PointStops | VirtualStops, Field(discriminator="type")
]


class OnDemandSpec(_Model):
    """``[service.on_demand]``: rules of the pooled on-demand service.

    Defaults: MATSim Kelheim scenario calibrated on KEXI (shared/DOMAIN.md):
    max wait 1,200 s; max travel time 1.5 x direct time + 1,200 s; stop-based.
    """

    stop_based: Bool = True
    pooling: Bool = True
    max_wait_s: PositiveFloat = 1200.0
    max_detour_factor: Annotated[float, Strict(), Field(ge=1, le=10)] = 1.5
    max_detour_offset_s: NonNegFloat = 1200.0
    # assumption (not in DOMAIN.md): 400 m, about a 5-minute walk, the stop
    # catchment radius German local transport plans commonly use for buses.
    max_walk_m: Annotated[float, Strict(), Field(gt=0, le=5000)] = 400.0
    # assumption: walking distance = straight line x 1.3 (typical ratio of
    # network to straight-line distance in a street grid).
    walk_detour_factor: Annotated[float, Strict(), Field(ge=1, le=3)] = 1.3
    # assumption: 1.34 m/s (4.8 km/h), a usual planning value for walking speed.
    walk_speed_mps: Annotated[float, Strict(), Field(gt=0, le=3)] = 1.34

    def max_ride_time_s(self, direct_time_s: Any) -> Any:
        """Longest accepted in-vehicle time: factor x direct time + offset."""
        return self.max_detour_factor * direct_time_s + self.max_detour_offset_s


class LineSpec(_Model):
    """``[[service.lines]]``: a fixed route through named stops of the service.

    Give either ``headway_s`` (departures every ``headway_s`` from ``first`` to
    ``last``) or explicit ``departures`` from the first stop. With
    ``both_directions`` vehicles run back after ``layover_s``; the return
    departures follow from the run time unless ``return_departures`` are given.
    """

    name: Annotated[Str, Field(min_length=1)]
    stops: Annotated[list[Annotated[Str, Field(min_length=1)]], Field(min_length=2)]
    headway_s: Annotated[float, Strict(), Field(ge=60, le=24 * 3600)] | None = None
    departures: Annotated[list[TimeOfDay], Field(min_length=1)] | None = None
    return_departures: Annotated[list[TimeOfDay], Field(min_length=1)] | None = None
    first: TimeOfDay | None = None
    last: TimeOfDay | None = None
    both_directions: Bool = True
    # assumption (not in DOMAIN.md): 5 minutes at each terminal for recovery.
    layover_s: NonNegFloat = 300.0
    vehicles: PositiveInt | None = Field(
        default=None, description="vehicles on this line; default: as many as the headway needs"
    )

    @model_validator(mode="after")
    def _timetable(self) -> LineSpec:
        if (self.headway_s is None) == (self.departures is None):
            raise ValueError("give either headway_s or departures (not both, not neither)")
        if self.departures is not None:
            if any(b <= a for a, b in zip(self.departures, self.departures[1:], strict=False)):
                raise ValueError("departures must be in increasing order")
            if self.first is not None or self.last is not None:
                raise ValueError("first and last go with headway_s, not with departures")
        if self.return_departures is not None:
            if not self.both_directions:
                raise ValueError("return_departures needs both_directions = true")
            rd = self.return_departures
            if any(b <= a for a, b in itertools.pairwise(rd)):
                raise ValueError("return_departures must be in increasing order")
        if self.first is not None and self.last is not None and self.last < self.first:
            raise ValueError(
                f"last {format_time(self.last)} is before first {format_time(self.first)}"
            )
        dup = sorted({s for s in self.stops if self.stops.count(s) > 1})
        if dup and not (
            self.stops[0] == self.stops[-1] and len(dup) == 1 and dup[0] == self.stops[0]
        ):
            raise ValueError(f"stop {dup[0]!r} appears twice in the line")
        return self


class ServiceSpec(_Model):
    """``[service]``: the kind of service, its stops and its rules."""

    mode: Literal["line", "on_demand", "hybrid"]
    stops: StopsSpec = Field(default_factory=OsmStops)
    on_demand: OnDemandSpec = Field(default_factory=OnDemandSpec)
    lines: list[LineSpec] = Field(default_factory=list)

    @model_validator(mode="after")
    def _mode(self) -> ServiceSpec:
        if self.mode in ("line", "hybrid") and not self.lines:
            raise _custom(
                "lines_missing", f"lines: mode {self.mode!r} needs at least one [[service.lines]]"
            )
        if self.mode == "on_demand" and self.lines:
            raise _custom(
                "lines_unused",
                "lines: only used with mode 'line' or 'hybrid' (mode is 'on_demand'); "
                "set lines = [] to drop lines inherited through extends",
            )
        names = [ln.name for ln in self.lines]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise _custom("line_names", f"lines: line name {dup[0]!r} appears twice")
        return self


# --------------------------------------------------------------------- demand
TimeProfile = (
    Literal["weekday", "flat"] | Annotated[list[NonNegFloat], Field(min_length=24, max_length=24)]
)
Passengers = dict[Str, NonNegFloat]


def _check_profile(value: Any) -> Any:
    if isinstance(value, list) and len(value) == 24 and sum(value) <= 0:
        raise ValueError("the 24 hourly weights must not all be zero")
    return value


def _check_passengers(value: dict[str, float]) -> dict[str, float]:
    for key in value:
        if not key.isdigit() or int(key) < 1:
            raise ValueError(f"group sizes must be whole numbers >= 1, got {key!r}")
    if sum(value.values()) <= 0:
        raise ValueError("the group-size weights must not all be zero")
    return dict(sorted(value.items(), key=lambda kv: int(kv[0])))


class _DemandModel(_Model):
    name: Annotated[Str, Field(min_length=1, pattern=r"^[A-Za-z0-9_\-]+$")] | None = Field(
        default=None, description="tag of the requests of this model (default: its type)"
    )
    # assumption: one passenger per request unless a group-size distribution is given.
    passengers: Passengers = Field(default_factory=lambda: {"1": 1.0})

    _passengers = field_validator("passengers")(_check_passengers)


class OsmDemand(_DemandModel):
    """Trips from homes to attractors, estimated from the OSM land use.

    Origins: building footprint area in residential land use (or residential
    building tags) inside the service area. Destinations: ``hubs`` (named
    places, stops or points with relative weights), commercial buildings and
    other homes, mixed by ``destination_shares``. Morning trips leave home,
    evening trips return (see :mod:`klshuttle.demand`).
    """

    type: Literal["osm"]
    trips_per_day: PositiveInt
    time_profile: Annotated[TimeProfile, BeforeValidator(_check_profile)] = "weekday"
    hubs: dict[Str, NonNegFloat] = Field(
        default_factory=dict, description="place or stop name -> relative weight"
    )
    # assumption (not in DOMAIN.md): half of the shuttle trips go to hubs
    # (stations, campus), the rest to shops/offices and other homes.
    destination_shares: dict[Literal["hubs", "commercial", "residential"], NonNegFloat] = Field(
        default_factory=lambda: {"hubs": 0.5, "commercial": 0.3, "residential": 0.2}
    )
    # assumption: trips shorter than about 5 minutes on foot are walked.
    min_trip_m: NonNegFloat = 400.0

    @model_validator(mode="after")
    def _shares(self) -> OsmDemand:
        if sum(self.destination_shares.values()) <= 0:
            raise ValueError("destination_shares must not all be zero")
        if self.destination_shares.get("hubs", 0) > 0 and not self.hubs:
            raise ValueError("destination_shares gives hubs a share but no hubs are named")
        return self


class TrainTimes(_Model):
    """Train times at the hub: departures (riders go to the hub) and arrivals."""

    departures: list[TimeOfDay] = Field(default_factory=list)
    arrivals: list[TimeOfDay] = Field(default_factory=list)


class GtfsSpec(_Model):
    """Read train times at the hub from a GTFS feed (``stops``, ``stop_times``,
    ``trips``, ``calendar``/``calendar_dates``)."""

    feed: FilePath = Field(description="GTFS zip or folder, relative to the scenario file")
    stop_name: Annotated[Str, Field(min_length=1)] = Field(
        description="stops.txt stop_name (or parent station name) of the hub"
    )
    date: date
    route_types: list[NonNegInt] = Field(
        default_factory=lambda: [2, *range(100, 118)],
        description="GTFS route types counted as trains (2 and the extended rail types)",
    )

    @field_validator("date", mode="before")
    @classmethod
    def _date(cls, value: Any) -> Any:
        if isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                raise ValueError(f"expected a date like 2024-05-14, got {value!r}") from None
        return value


class FeederDemand(_DemandModel):
    """Trips between homes and a transit hub, timed to trains.

    For each train departure ``T`` a rider asks for a pickup at a time drawn
    uniformly in ``[T - lead_time_s[1], T - lead_time_s[0]]``; for each arrival
    ``A`` at a time in ``[A + egress_time_s[0], A + egress_time_s[1]]``.
    Homes are residential buildings inside the service area at least
    ``min_distance_m`` from the hub.
    """

    type: Literal["feeder"]
    hub: Location = "Hauptbahnhof"
    trains: TrainTimes | None = None
    gtfs: GtfsSpec | None = None
    riders_per_departure: NonNegInt
    riders_per_arrival: NonNegInt
    # assumption: riders book 20-45 min before their train (up to 20 min wait,
    # MATSim Kelheim, plus the ride and a few minutes to reach the platform).
    lead_time_s: tuple[NonNegFloat, NonNegFloat] = (1200.0, 2700.0)
    # assumption: 2-8 min from the train to the shuttle stop.
    egress_time_s: tuple[NonNegFloat, NonNegFloat] = (120.0, 480.0)
    # assumption (not in DOMAIN.md): within about 600 m of the station people walk.
    min_distance_m: NonNegFloat = 600.0

    @model_validator(mode="after")
    def _source(self) -> FeederDemand:
        if (self.trains is None) == (self.gtfs is None):
            raise ValueError("give train times either as trains or as gtfs (one of the two)")
        for key in ("lead_time_s", "egress_time_s"):
            lo, hi = getattr(self, key)
            if hi < lo:
                raise ValueError(f"{key} must be [min, max] with min <= max, got [{lo:g}, {hi:g}]")
        if self.trains is not None and not (self.trains.departures or self.trains.arrivals):
            raise ValueError("trains lists neither departures nor arrivals")
        return self


class CsvDemand(_DemandModel):
    """Trips from a CSV file with columns ``time, origin_lon, origin_lat,
    dest_lon, dest_lat`` and optional ``passengers`` and ``tag``."""

    type: Literal["csv"]
    file: FilePath
    outside_area: Literal["error", "drop"] = "error"


class ZoneSpec(_Model):
    """A zone of an OD matrix: a name and a lon/lat polygon."""

    name: Annotated[Str, Field(min_length=1)]
    polygon: Annotated[list[tuple[Lon, Lat]], Field(min_length=3)]

    _poly = field_validator("polygon")(PolygonArea._valid.__func__)  # type: ignore[attr-defined]


class OdMatrixDemand(_DemandModel):
    """Zone-to-zone trip counts with zone polygons.

    Zones inline (``[[demand.models.zones]]``) or from a GeoJSON file
    (``zones_file`` with the zone name in property ``zone_property``); counts
    inline (``matrix``, rows = origins in zone order) or from a CSV file
    (``matrix_file`` with columns ``origin, destination, trips``).
    """

    type: Literal["od_matrix"]
    zones: list[ZoneSpec] | None = None
    zones_file: FilePath | None = None
    zone_property: Annotated[Str, Field(min_length=1)] = "name"
    matrix: list[list[NonNegInt]] | None = None
    matrix_file: FilePath | None = None
    time_profile: Annotated[TimeProfile, BeforeValidator(_check_profile)] = "weekday"
    placement: Literal["uniform", "buildings"] = "buildings"

    @model_validator(mode="after")
    def _sources(self) -> OdMatrixDemand:
        if (self.zones is None) == (self.zones_file is None):
            raise ValueError("give zones either inline (zones) or as zones_file (one of the two)")
        if (self.matrix is None) == (self.matrix_file is None):
            raise ValueError(
                "give counts either inline (matrix) or as matrix_file (one of the two)"
            )
        if self.zones is not None:
            names = [z.name for z in self.zones]
            dup = sorted({n for n in names if names.count(n) > 1})
            if dup:
                raise ValueError(f"zone name {dup[0]!r} appears twice")
            if self.matrix is not None:
                n = len(self.zones)
                if len(self.matrix) != n or any(len(r) != n for r in self.matrix):
                    raise ValueError(f"matrix must be {n} x {n} for {n} zones")
        if self.matrix is not None and sum(map(sum, self.matrix)) == 0:
            raise ValueError("matrix holds no trips")
        return self


DemandModel = Annotated[
    OsmDemand | FeederDemand | CsvDemand | OdMatrixDemand, Field(discriminator="type")
]


class DemandSpec(_Model):
    """``[demand]``: the seed, the time window and the demand models."""

    seed: NonNegInt = 0
    window: TimeWindow = Field(default_factory=lambda: TimeWindow(**KEXI_HOURS))
    models: Annotated[list[DemandModel], Field(min_length=1)]

    @model_validator(mode="after")
    def _names(self) -> DemandSpec:
        tags = [m.name or m.type for m in self.models]
        dup = sorted({t for t in tags if tags.count(t) > 1})
        if dup:
            raise _custom(
                "model_names",
                f"models: two models are tagged {dup[0]!r}; give each a distinct name",
            )
        return self


# ------------------------------------------------------------ dispatch, rest
class DispatchSpec(_Model):
    """``[dispatch]``: the dispatcher by name and the rebalancing policy."""

    algorithm: Literal["insertion", "nearest_idle", "batch"] = "insertion"
    # assumption: requests collected for 30 s before a batch assignment.
    batch_window_s: Annotated[float, Strict(), Field(gt=0, le=3600)] = 30.0
    rebalancing: Literal["none", "depot", "demand"] = "none"
    # assumption: idle vehicles are repositioned every 15 minutes.
    rebalancing_interval_s: Annotated[float, Strict(), Field(gt=0)] = 900.0
    # Insertion cost = extra vehicle time + wait_weight x the new passenger's
    # wait. assumption: a minute of waiting weighs as much as a minute of
    # vehicle time; 0 gives the pure vehicle-time cost (MATSim DRT's default).
    wait_weight: Annotated[float, Strict(), Field(ge=0, le=100)] = 1.0


class LandUseSpec(_Model):
    """``[landuse]``: parameters of the land-use impact model (shared/DOMAIN.md)."""

    # EAR 05 (approx.): on-street 10-16 m2 per space; midpoint.
    on_street_m2_per_space: PositiveFloat = 13.0
    # EAR 05 (approx.): off-street including aisles 18-27 m2 per space; midpoint.
    off_street_m2_per_space: PositiveFloat = 22.5
    # EAR 23 stall 2.65 m x 5.20 m, used to estimate on-street spaces from kerb length.
    stall_width_m: PositiveFloat = 2.65
    stall_length_m: PositiveFloat = 5.20
    # assumption: half of the kerb length of a street can hold parked cars;
    # driveways, junctions, bus stops and hydrants take the rest.
    kerb_parkable_share: Share = 0.5
    # MiD 2017: 1.5 persons per car on average, 1.2 for commuting.
    car_occupancy: Annotated[float, Strict(), Field(ge=1)] = 1.5
    commute_car_occupancy: Annotated[float, Strict(), Field(ge=1)] = 1.2
    # About 2.5 parking spaces per car in Germany (approx., primary source unknown).
    parking_spaces_per_car: PositiveFloat = 2.5
    # Fagnant & Kockelman 2014 (TR-C 40): one shared automated vehicle replaced
    # about 11 private cars with up to 10 % more vehicle-km.
    cars_replaced_per_shared_vehicle: PositiveFloat = 11.0
    extra_vkm_share: NonNegFloat = 0.10
    # SrV 2023, Kaiserslautern residents: car 50 % of trips.
    car_mode_share: Share = 0.50
    # ITF/OECD Lisbon 2015: all on-street and up to 80 % of off-street parking
    # become unnecessary with shared automated fleets plus rail.
    on_street_removable_share: Share = 1.0
    off_street_removable_share: Share = 0.8


#: Output kinds the simulator and report layer may write.
OUTPUT_KINDS = (
    "scenario",
    "requests",
    "events",
    "trips",
    "vehicles",
    "kpis",
    "stops",
    "geojson",
    "html",
    "landuse",
)


class OutputsSpec(_Model):
    """``[outputs]``: where results go and which files are written.

    ``folder`` is relative to the working directory and may use ``{name}``,
    ``{run_id}`` and ``{seed}``.
    """

    folder: Annotated[Str, Field(min_length=1)] = "results/{name}-{run_id}"
    which: list[Literal[OUTPUT_KINDS]] = Field(  # type: ignore[valid-type]
        default_factory=lambda: list(OUTPUT_KINDS)
    )

    @field_validator("folder")
    @classmethod
    def _placeholders(cls, value: str) -> str:
        for key in re.findall(r"\{([^}]*)\}", value):
            if key not in ("name", "run_id", "seed"):
                raise ValueError(
                    f"unknown placeholder {{{key}}} (use {{name}}, {{run_id}} or {{seed}})"
                )
        return value


# ------------------------------------------------------------------- scenario
class Scenario(_Model):
    """A validated scenario: frozen, every default filled in.

    Use :func:`load_scenario` to read one from TOML. ``source_path`` is the
    file it came from (None when built in code); :meth:`run_id` identifies
    the run by content and seed.
    """

    name: Annotated[Str, Field(min_length=1)]
    description: Str = ""
    map: MapSpec = Field(default_factory=MapSpec)
    fleet: FleetSpec
    service: ServiceSpec
    demand: DemandSpec
    dispatch: DispatchSpec = Field(default_factory=DispatchSpec)
    landuse: LandUseSpec = Field(default_factory=LandUseSpec)
    outputs: OutputsSpec = Field(default_factory=OutputsSpec)

    _source_path: Path | None = PrivateAttr(default=None)
    _chain: tuple[Path, ...] = PrivateAttr(default=())

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        line_vehicles = sum(ln.vehicles or 0 for ln in self.service.lines)
        if line_vehicles > self.fleet.vehicles or (
            self.service.mode == "hybrid" and line_vehicles >= self.fleet.vehicles
        ):
            need = "more than" if self.service.mode == "hybrid" else "at least"
            raise _custom(
                "line_vehicles",
                f"fleet.vehicles: must be {need} the {line_vehicles} vehicles the lines use, "
                f"got {self.fleet.vehicles}",
            )
        return self

    # ---------------------------------------------------------- convenience
    @property
    def source_path(self) -> Path | None:
        """The scenario file this was loaded from (None if built in code)."""
        return self._source_path

    @property
    def extends_chain(self) -> tuple[Path, ...]:
        """Files merged into this scenario, the base first, this file last."""
        return self._chain

    @property
    def seed(self) -> int:
        """The scenario's random seed (``demand.seed``)."""
        return self.demand.seed

    @property
    def build_settings(self) -> BuildSettings:
        """Road-graph settings; the fleet's max speed caps the edge speeds."""
        return BuildSettings(
            road_classes=self.map.road_classes,
            speeds_kmh=self.map.speeds_kmh,
            largest_component=self.map.largest_component,
            max_speed_kmh=self.fleet.vehicle.max_speed_kmh,
        )

    def with_seed(self, seed: int) -> Scenario:
        """Return a copy with another ``demand.seed`` (validated)."""
        data = self.model_dump(mode="python")
        data["demand"]["seed"] = seed
        new = Scenario.model_validate(data)
        new._source_path, new._chain = self._source_path, self._chain
        return new

    def content(self) -> dict[str, Any]:
        """The resolved scenario as plain data (JSON types), for hashing and writing."""
        return self.model_dump(mode="json", exclude_none=True)

    def run_id(self, seed: int | None = None) -> str:
        """A short stable hash of what the run computes: content and seed.

        ``name``, ``description`` and ``outputs`` do not change results and are
        left out; files the scenario reads (the OSM map, CSV, GTFS, zones) enter
        by their content hash, never by path or modification time.
        """
        data = self.content()
        for key in ("name", "description", "outputs"):
            data.pop(key, None)
        data["demand"]["seed"] = self.seed if seed is None else int(seed)
        data["map"]["osm"] = _map_fingerprint(self.map.source)
        for model in data["demand"]["models"]:
            for key in ("file", "zones_file", "matrix_file"):
                if key in model:
                    model[key] = _file_fingerprint(model[key])
            if "gtfs" in model:
                model["gtfs"]["feed"] = _file_fingerprint(model["gtfs"]["feed"])
        text = json.dumps(data, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:12]

    def output_folder(self, seed: int | None = None) -> Path:
        """The output folder with ``{name}``, ``{run_id}``, ``{seed}`` filled in."""
        s = self.seed if seed is None else int(seed)
        return Path(self.outputs.folder.format(name=self.name, run_id=self.run_id(s), seed=s))

    def resolved_toml(self) -> str:
        """The resolved scenario (every default, no ``extends``) as TOML text."""
        import tomli_w

        header = f"# resolved scenario {self.name!r}, run id {self.run_id()}\n" + (
            f"# from {self.source_path}\n" if self.source_path else ""
        )
        return header + tomli_w.dumps(_toml_ready(self.content()))


def _toml_ready(value: Any) -> Any:
    """Make data writable as TOML: tuples to lists, tables after plain keys."""
    if isinstance(value, Mapping):
        plain = {k: _toml_ready(v) for k, v in value.items() if not isinstance(v, Mapping)}
        tables = {k: _toml_ready(v) for k, v in value.items() if isinstance(v, Mapping)}
        return {**plain, **tables}
    if isinstance(value, list | tuple):
        return [_toml_ready(v) for v in value]
    return value


def _file_fingerprint(path: str) -> str:
    p = Path(path)
    if p.is_file():
        return "sha256:" + file_sha256(p)
    if p.is_dir():
        h = hashlib.sha256()
        for f in sorted(q for q in p.rglob("*") if q.is_file()):
            h.update(f.relative_to(p).as_posix().encode())
            h.update(file_sha256(f).encode())
        return "sha256:" + h.hexdigest()
    return f"missing:{p.name}"


def _map_fingerprint(source: str | None) -> str:
    from .errors import MapSourceError
    from .maps import resolve_map_source

    try:
        src = resolve_map_source(source)
    except MapSourceError:
        return f"unresolved:{source}"
    if src.kind == "file" and src.path is not None:
        return "sha256:" + file_sha256(src.path)
    return f"{src.kind}:{src.place or src.bbox}"


# ------------------------------------------------------------------- loading
#: Keys holding file paths, resolved relative to the file that names them.
#: Each is a key path where "*" stands for any list index.
_PATH_KEYS = (
    ("map", "osm"),
    ("demand", "models", "*", "file"),
    ("demand", "models", "*", "zones_file"),
    ("demand", "models", "*", "matrix_file"),
    ("demand", "models", "*", "gtfs", "feed"),
)


def display_path(path: Path) -> str:
    """Show ``path`` relative to the working directory when it lies below it."""
    try:
        rel = Path(os.path.relpath(path))
    except ValueError:
        return str(path)
    return str(rel) if not str(rel).startswith("..") else str(path)


def _read_toml(path: Path) -> dict[str, Any]:
    shown = display_path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ScenarioError(f"{shown}: scenario file not found") from None
    except IsADirectoryError:
        raise ScenarioError(f"{shown}: is a folder, not a scenario file") from None
    except OSError as exc:
        raise ScenarioError(f"{shown}: cannot read ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"{shown}: not UTF-8 text (byte {exc.start})") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = re.search(r"\s*\(at line (\d+), column (\d+)\)\s*$", msg)
        if m:
            detail = msg[: m.start()].strip()
            raise ScenarioError(
                f"{shown}: invalid TOML at line {m.group(1)}, column {m.group(2)}: {detail}"
            ) from None
        m = re.search(r"\s*\(at end of document\)\s*$", msg)
        if m:
            raise ScenarioError(
                f"{shown}: invalid TOML at the end of the file: {msg[: m.start()].strip()}"
            ) from None
        raise ScenarioError(f"{shown}: invalid TOML: {msg}") from None


def _resolve_paths(data: dict[str, Any], folder: Path) -> None:
    """Make the file paths of one file's data absolute, relative to ``folder`` (in place)."""

    def walk(node: Any, keys: tuple[str, ...]) -> None:
        if not keys or node is None:
            return
        head, rest = keys[0], keys[1:]
        if head == "*":
            if isinstance(node, list):
                for item in node:
                    walk(item, rest)
            return
        if not isinstance(node, dict) or head not in node:
            return
        if not rest:
            value = node[head]
            if isinstance(value, str) and value:
                node[head] = str((folder / Path(value).expanduser()).resolve())
            return
        walk(node[head], rest)

    for keys in _PATH_KEYS:
        walk(data, keys)


#: Tables whose ``type`` picks a different schema: a file that extends another
#: and names a different ``type`` replaces the table instead of merging into it.
_DISCRIMINATOR = "type"


def _merge(
    base: dict[str, Any],
    override: Mapping[str, Any],
    origin: dict[tuple[str, ...], Path],
    file: Path,
    prefix: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Deep-merge ``override`` into a copy of ``base``; arrays are replaced whole.

    ``origin`` records for each key path which file set it (for messages).
    """
    out = dict(base)
    for key, value in override.items():
        path = (*prefix, key)
        old = out.get(key)
        if (
            isinstance(value, Mapping)
            and isinstance(old, Mapping)
            and not (
                _DISCRIMINATOR in value and old.get(_DISCRIMINATOR) != value.get(_DISCRIMINATOR)
            )
        ):
            out[key] = _merge(dict(old), value, origin, file, path)
        else:
            out[key] = copy.deepcopy(value)
            for p in [p for p in origin if p[: len(path)] == path]:
                del origin[p]
        origin[path] = file
    return out


def _load_chain(
    path: Path, stack: tuple[Path, ...], origin: dict[tuple[str, ...], Path]
) -> tuple[dict[str, Any], tuple[Path, ...]]:
    data = _read_toml(path)
    _resolve_paths(data, path.parent)
    parent = data.pop("extends", None)
    chain: tuple[Path, ...] = ()
    if parent is None:
        merged: dict[str, Any] = {}
    else:
        if not isinstance(parent, str) or not parent.strip():
            raise ScenarioError(
                f"{display_path(path)}: extends: expected the path of another scenario file, "
                f"got {parent!r}"
            )
        target = (path.parent / parent).resolve()
        if target in stack or target == path:
            names = " -> ".join(display_path(p) for p in (*stack, path, target))
            raise ScenarioError(f"{display_path(path)}: extends: cycle {names}")
        if not target.is_file():
            raise ScenarioError(
                f"{display_path(path)}: extends: file not found: {display_path(target)}"
            )
        merged, chain = _load_chain(target, (*stack, path), origin)
    merged = _merge(merged, data, origin, path)
    return merged, (*chain, path)


def load_scenario(
    path: str | os.PathLike[str], *, overrides: Mapping[str, Any] | None = None
) -> Scenario:
    """Read, merge (``extends``) and validate a scenario file.

    Parameters
    ----------
    path
        The scenario TOML file.
    overrides
        Optional dotted keys to set after merging, e.g. ``{"fleet.vehicles": 30}``
        (the command line's ``--set``).

    Returns
    -------
    Scenario
        The frozen, fully defaulted scenario; ``name`` defaults to the file stem.

    Raises
    ------
    ScenarioError
        With one line naming the file, the key path and what was expected.
    """
    file = Path(path).expanduser()
    resolved = file.resolve()
    origin: dict[tuple[str, ...], Path] = {}
    data, chain = _load_chain(resolved, (), origin)
    if overrides:
        for dotted, value in overrides.items():
            keys = dotted.split(".")
            node = data
            for k in keys[:-1]:
                nxt = node.setdefault(k, {})
                if not isinstance(nxt, dict):
                    raise ScenarioError(f"--set {dotted}: {k} is not a table")
                node = nxt
            node[keys[-1]] = value
            origin[tuple(keys)] = Path("--set")
    data.setdefault("name", resolved.stem)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(_format_errors(exc, data, origin, resolved)) from None
    scenario._source_path = resolved
    scenario._chain = chain
    return scenario


def scenario_from_dict(data: Mapping[str, Any], *, label: str = "<scenario>") -> Scenario:
    """Validate a scenario given as a dict (same messages as :func:`load_scenario`)."""
    data = dict(data)
    data.setdefault("name", "scenario")
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(_format_errors(exc, data, {}, Path(label))) from None


# ------------------------------------------------------------- error messages
def _clean_loc(loc: tuple[Any, ...], data: Any, missing: bool = False) -> list[str | int]:
    """Drop the union-tag parts pydantic adds to an error location."""
    out: list[str | int] = []
    node = data
    for i, part in enumerate(loc):
        last = i == len(loc) - 1
        if (isinstance(node, Mapping) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        ):
            out.append(part)
            node = node[part]
        elif missing and last and isinstance(part, str) and isinstance(node, Mapping):
            out.append(part)
        # else: a tag of a discriminated union or a validator name: skip
    return out


def _loc_text(loc: list[str | int]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _short(value: Any) -> str:
    text = repr(value)
    if isinstance(value, Mapping):
        text = "a table"
    elif isinstance(value, list) and len(text) > 60:
        text = f"a list of {len(value)}"
    return text if len(text) <= 60 else text[:57] + "..."


_TYPE_WORDS = {
    "int_type": "an integer",
    "int_parsing": "an integer",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "string_type": "a string",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "list_type": "a list",
    "tuple_type": "a list",
    "dict_type": "a table",
    "model_type": "a table",
    "model_attributes_type": "a table",
    "date_type": "a date",
    "date_from_datetime_parsing": "a date like 2024-05-14",
}


def _message(err: Mapping[str, Any]) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    got = err.get("input")
    if kind in _TYPE_WORDS:
        return f"expected {_TYPE_WORDS[kind]}, got {_short(got)}"
    if kind == "missing":
        return "required key is missing"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        op = {
            "greater_than_equal": ">=",
            "greater_than": ">",
            "less_than_equal": "<=",
            "less_than": "<",
        }[kind]
        bound = next(iter(ctx.values()))
        return f"must be {op} {bound}, got {_short(got)}"
    if kind in ("too_short", "too_long"):
        lo = ctx.get("min_length")
        hi = ctx.get("max_length")
        n = ctx.get("actual_length")
        if kind == "too_short":
            what = "entry" if lo == 1 else "entries"
            return f"needs at least {lo} {what}, got {n}"
        return f"takes at most {hi} entries, got {n}"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected')}, got {_short(got)}"
    if kind == "union_tag_invalid":
        return f"must be one of {ctx.get('expected_tags')}, got {_short(ctx.get('tag'))}"
    if kind == "union_tag_not_found":
        return "required key is missing"
    if kind == "string_pattern_mismatch":
        return f"may use only letters, digits, '-' and '_', got {_short(got)}"
    if kind == "extra_forbidden":
        return "unknown key"
    msg = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
    if kind == "value_error" or kind.startswith(("time", "top_speed")):
        return msg
    return msg.replace("Input should be", "must be")


def _format_errors(
    exc: ValidationError,
    data: Mapping[str, Any],
    origin: Mapping[tuple[str, ...], Path],
    file: Path,
) -> str:
    errors = exc.errors()
    # A union reports one error per member; show the member that took the
    # input's kind (a table for a table) rather than a plain type mismatch.
    mismatch = {*_TYPE_WORDS, "literal_error"}
    err = min(errors, key=lambda e: (e["type"] in mismatch, -len(e["loc"])))
    if err["type"] in mismatch:
        err = errors[0]
    loc = _clean_loc(tuple(err["loc"]), data, missing=err["type"] == "missing")
    kind = err["type"]
    ctx = err.get("ctx") or {}
    msg = _message(err)
    if kind == "unknown_key":
        loc.append(ctx["key"])
    elif kind in ("union_tag_invalid", "union_tag_not_found"):
        loc.append(ctx.get("discriminator", "type").strip("'"))
    elif kind in (
        "lines_missing",
        "lines_unused",
        "line_names",
        "model_names",
        "line_vehicles",
        "top_speed",
    ):
        head, _, msg = msg.partition(": ")
        loc.extend(head.split("."))
        if kind == "line_vehicles":
            loc = ["fleet", "vehicles"]
    # Name the file that set the offending key (it may be an extended base).
    keys = tuple(str(p) for p in loc if isinstance(p, str))
    where = file
    for n in range(len(keys), 0, -1):
        if keys[:n] in origin:
            where = origin[keys[:n]]
            break
    shown_loc = tuple(_clean_loc(tuple(err["loc"]), data))
    others = set()
    for e in errors:
        other = tuple(_clean_loc(tuple(e["loc"]), data))
        n = min(len(other), len(shown_loc))
        if other[:n] != shown_loc[:n]:
            others.add(other)
    more = len(others)
    tail = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
    key = _loc_text(loc)
    shown = str(where) if where == Path("--set") else display_path(where)
    return f"{shown}: {key}: {msg}{tail}" if key else f"{shown}: {msg}{tail}"
