"""``[service]``: the kind of service, its stops, the on-demand rules and the lines."""

from __future__ import annotations

import itertools
from typing import Annotated, Any, Literal

from pydantic import Field, Strict, field_validator, model_validator

from .base import (
    Bool,
    Lat,
    Location,
    Lon,
    NonNegLimit,
    PointSpec,
    PositiveInt,
    PositiveLimit,
    SpecModel,
    Str,
    TimeOfDay,
    custom_error,
    format_time,
)

__all__ = [
    "LIMIT_PRESETS",
    "LineSpec",
    "NamedStops",
    "OnDemandSpec",
    "OsmStops",
    "PointStops",
    "ServiceSpec",
    "StopsSpec",
    "ViaSpec",
    "VirtualStops",
]


class OsmStops(SpecModel):
    """Every named OSM bus stop inside the service area.

    OSM objects of one stop (platforms and stop positions on both sides of the
    street) are merged when they share a name and lie within ``merge_distance_m``.
    """

    type: Literal["osm"] = "osm"
    # assumption (not in DOMAIN.md): in the shared extract the objects of one
    # named stop lie up to 157 m apart (Gusswerk); 250 m merges them all while
    # keeping different stops of the same name in different districts apart.
    merge_distance_m: Annotated[float, Strict(), Field(gt=0, le=2000)] = 250.0


class NamedStops(SpecModel):
    """OSM stops by name, or gazetteer places, or points:
    ``names = ["Hauptbahnhof", { name = "Pfaff Nord", lon = 7.75, lat = 49.44 }]``."""

    type: Literal["named"]
    names: Annotated[list[Location], Field(min_length=1)]
    merge_distance_m: Annotated[float, Strict(), Field(gt=0, le=2000)] = 250.0


class PointStops(SpecModel):
    """Stops at coordinates: ``points = [{ name = "A", lon = ..., lat = ... }, ...]``."""

    type: Literal["coordinates"]
    points: Annotated[list[PointSpec], Field(min_length=1)]

    @field_validator("points")
    @classmethod
    def _named(cls, value: list[PointSpec]) -> list[PointSpec]:
        for i, p in enumerate(value):
            if not p.name:
                raise ValueError(f"point {i} needs a name")
        names = [p.name for p in value if p.name]  # all named (checked above)
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"stop names must be unique, {dup[0]!r} appears twice")
        return value


class VirtualStops(SpecModel):
    """Virtual stops about ``spacing_m`` apart: the distance between neighbouring
    stops (every graph node inside the area lies within ``spacing_m / 2``,
    straight line, of a stop; :func:`klshuttle.stops.virtual_stops`)."""

    type: Literal["virtual"]
    # KEXI Kelheim: about 150 stops at most 250 m apart (shared/DOMAIN.md).
    spacing_m: Annotated[float, Strict(), Field(ge=25, le=5000)] = 250.0


StopsSpec = Annotated[
    OsmStops | NamedStops | PointStops | VirtualStops, Field(discriminator="type")
]


#: Named sets of on-demand limits (``[service.on_demand].limits``); keys a
#: scenario sets itself win over its preset.
LIMIT_PRESETS: dict[str, dict[str, float]] = {
    # Urban ride pooling. CleverShuttle caps the detour of a pooled ride at
    # 50 % of the direct ride (clevershuttle.org/en/faqs); Alonso-Mora et al.
    # 2017 (PNAS 114(3)) run urban pooling with a maximum wait of 2 to 7 min;
    # 7 min, the loosest, for automated shuttles at 20 km/h. assumption: the
    # 120 s offset lets short trips be pooled at all (the checked ride counts
    # the dwell at the pickup stop, up to 60 s, and one more stop's 60 s).
    "urban": {"max_wait_s": 420.0, "max_detour_factor": 1.5, "max_detour_offset_s": 120.0},
    # MATSim Kelheim scenario calibrated on KEXI, a rural district
    # (shared/DOMAIN.md): max wait 1,200 s, max travel time 1.5 x direct + 1,200 s.
    "kelheim": {"max_wait_s": 1200.0, "max_detour_factor": 1.5, "max_detour_offset_s": 1200.0},
}


class OnDemandSpec(SpecModel):
    """``[service.on_demand]``: rules of the pooled on-demand service.

    ``limits`` names a preset of wait and ride limits (:data:`LIMIT_PRESETS`,
    default ``"urban"``); ``max_wait_s``, ``max_detour_factor`` and
    ``max_detour_offset_s`` given in the scenario override it. ``max_ride_s``
    caps every ride in absolute terms; with ``reject_if_walking_faster`` a
    rider is refused (``walking_is_faster``) when no offer gets them there
    sooner than walking the whole way.
    ``max_wait_s = inf`` and ``max_detour_offset_s = inf`` mean no limit on the
    wait and on the ride time (every other number of a scenario must be finite).
    """

    stop_based: Bool = True
    pooling: Bool = True
    limits: Literal["urban", "kelheim"] = "urban"
    max_wait_s: PositiveLimit = LIMIT_PRESETS["urban"]["max_wait_s"]
    max_detour_factor: Annotated[float, Strict(), Field(ge=1, le=10)] = LIMIT_PRESETS["urban"][
        "max_detour_factor"
    ]
    max_detour_offset_s: NonNegLimit = LIMIT_PRESETS["urban"]["max_detour_offset_s"]
    max_ride_s: PositiveLimit | None = None
    reject_if_walking_faster: Bool = False
    # assumption (not in DOMAIN.md): 400 m, about a 5-minute walk, the stop
    # catchment radius German local transport plans commonly use for buses.
    max_walk_m: Annotated[float, Strict(), Field(gt=0, le=5000)] = 400.0
    # assumption: walking distance = straight line x 1.3 (typical ratio of
    # network to straight-line distance in a street grid).
    walk_detour_factor: Annotated[float, Strict(), Field(ge=1, le=3)] = 1.3
    # assumption: 1.34 m/s (4.8 km/h), a usual planning value for walking speed.
    # Bounded below by 0.3 m/s, about a quarter of a slow walking pace: slower
    # values only push every passenger past the end of the service day.
    walk_speed_mps: Annotated[float, Strict(), Field(ge=0.3, le=3)] = 1.34

    @model_validator(mode="before")
    @classmethod
    def _preset(cls, data: Any) -> Any:
        if isinstance(data, dict):
            preset = LIMIT_PRESETS.get(data.get("limits", "urban"))
            if preset is not None:
                return {**preset, **data}
        return data

    def max_ride_time_s(self, direct_time_s: Any) -> Any:
        """Longest accepted in-vehicle time: factor x direct time + offset,
        at most ``max_ride_s``.

        ``direct_time_s`` is one direct time or an array of them (seconds); the
        result has the same shape.
        """
        limit = self.max_detour_factor * direct_time_s + self.max_detour_offset_s
        if self.max_ride_s is None:
            return limit
        import numpy as np  # only here: the scenario layer loads without numpy

        return np.minimum(limit, self.max_ride_s)


class ViaSpec(SpecModel):
    """A point the line passes between two of its stops (no halt there).

    ``after`` names the stop it follows in the forward direction; the point is
    ``lon``/``lat`` or a ``street`` (the node of that street nearest to the
    middle of the two stops). The return direction passes it between the same
    two stops.
    """

    after: Annotated[Str, Field(min_length=1)]
    lon: Lon | None = None
    lat: Lat | None = None
    street: Annotated[Str, Field(min_length=1)] | None = None

    @model_validator(mode="after")
    def _one(self) -> ViaSpec:
        point = self.lon is not None and self.lat is not None
        if (self.lon is None) != (self.lat is None):
            raise ValueError("give both lon and lat")
        if point == (self.street is not None):
            raise ValueError("give either lon and lat or street (not both, not neither)")
        return self


class LineSpec(SpecModel):
    """``[[service.lines]]``: a fixed route through named stops of the service.

    The route is either ``stops`` (fastest paths between them) or ``osm_route``:
    the OSM bus route relations with that ``ref``, their stops and their ways,
    each direction as mapped (``osm_relations`` picks and orders them when the
    ref has more than two, or fixes which is forward). A ``stops`` line passes
    its ``via`` points between the stops they follow. With ``through_running``
    a two-way line runs out and back as one trip: riders stay aboard through
    the far terminal (as on a line whose two directions meet in a loop).

    Give either ``headway_s`` (departures every ``headway_s`` from ``first`` to
    ``last``) or explicit ``departures`` from the first stop. With
    ``both_directions`` vehicles run back after ``layover_s``; the return
    departures follow from the run time unless ``return_departures`` are given.
    """

    name: Annotated[Str, Field(min_length=1)]
    stops: Annotated[list[Annotated[Str, Field(min_length=1)]], Field(min_length=2)] | None = None
    osm_route: Annotated[Str, Field(min_length=1)] | None = Field(
        default=None, description="ref of the OSM bus route relations the line follows"
    )
    osm_relations: (
        Annotated[list[Annotated[int, Strict(), Field(gt=0)]], Field(min_length=1, max_length=2)]
        | None
    ) = Field(default=None, description="relation ids: forward, then backward")
    via: list[ViaSpec] = Field(default_factory=list)
    through_running: Bool = False
    headway_s: Annotated[float, Strict(), Field(ge=60, le=24 * 3600)] | None = None
    departures: Annotated[list[TimeOfDay], Field(min_length=1)] | None = None
    return_departures: Annotated[list[TimeOfDay], Field(min_length=1)] | None = None
    first: TimeOfDay | None = None
    last: TimeOfDay | None = None
    both_directions: Bool = True
    # assumption (not in DOMAIN.md): 5 minutes at each terminal for recovery.
    layover_s: Annotated[float, Strict(), Field(ge=0, le=24 * 3600)] = 300.0
    vehicles: PositiveInt | None = Field(
        default=None, description="vehicles on this line; default: as many as the headway needs"
    )

    @model_validator(mode="after")
    def _timetable(self) -> LineSpec:
        if (self.stops is None) == (self.osm_route is None):
            raise ValueError("give either stops or osm_route (not both, not neither)")
        if self.osm_relations is not None:
            if self.osm_route is None:
                raise ValueError("osm_relations go with osm_route")
            if len(self.osm_relations) != (2 if self.both_directions else 1):
                raise ValueError(
                    "osm_relations: give two relation ids (forward, backward) with "
                    "both_directions = true, one without"
                )
        if self.via and self.stops is None:
            raise ValueError("via goes with stops (an osm_route line follows its relation)")
        for i, v in enumerate(self.via):
            if self.stops is not None and v.after not in self.stops[:-1]:
                raise ValueError(
                    f"via[{i}].after: {v.after!r} is not one of the line's stops before the last"
                )
        if self.through_running and not self.both_directions:
            raise ValueError("through_running needs both_directions = true")
        if self.through_running and self.return_departures is not None:
            raise ValueError(
                "through_running: the return follows the outbound trip; give no return_departures"
            )
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
        stops = self.stops or []
        dup = sorted({s for s in stops if stops.count(s) > 1})
        if dup and not (stops[0] == stops[-1] and len(dup) == 1 and dup[0] == stops[0]):
            raise ValueError(f"stop {dup[0]!r} appears twice in the line")
        return self


class ServiceSpec(SpecModel):
    """``[service]``: the kind of service, its stops and its rules."""

    mode: Literal["line", "on_demand", "hybrid"]
    stops: StopsSpec = Field(default_factory=OsmStops)
    on_demand: OnDemandSpec = Field(default_factory=OnDemandSpec)
    lines: list[LineSpec] = Field(default_factory=list)

    @model_validator(mode="after")
    def _mode(self) -> ServiceSpec:
        if self.mode in ("line", "hybrid") and not self.lines:
            raise custom_error(
                "lines_missing", f"lines: mode {self.mode!r} needs at least one [[service.lines]]"
            )
        if self.mode == "on_demand" and self.lines:
            raise custom_error(
                "lines_unused",
                "lines: only used with mode 'line' or 'hybrid' (mode is 'on_demand'); "
                "set lines = [] to drop lines inherited through extends",
            )
        names = [ln.name for ln in self.lines]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise custom_error("line_names", f"lines: line name {dup[0]!r} appears twice")
        return self
