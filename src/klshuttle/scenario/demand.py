"""``[demand]``: the seed, the time window and the demand models.

One spec per demand model, picked by its ``type`` (:data:`DemandModel`).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, Strict, field_validator, model_validator

from .area import PolygonArea
from .base import (
    KEXI_HOURS,
    Lat,
    Location,
    Lon,
    NonNegInt,
    SpecModel,
    Str,
    TimeOfDay,
    TimeWindow,
    custom_error,
)
from .filepaths import FilePath
from .fleet import MAX_CAPACITY

__all__ = [
    "MAX_RIDERS_PER_TRAIN",
    "MAX_TRIPS",
    "MAX_WEIGHT",
    "CsvDemand",
    "DemandModel",
    "DemandSpec",
    "FeederDemand",
    "GtfsSpec",
    "OdMatrixDemand",
    "OsmDemand",
    "Passengers",
    "TimeProfile",
    "TrainTimes",
    "ZoneSpec",
]

#: Upper bound of a relative weight (hourly profile, hubs, shares, group sizes):
#: large enough for any ratio, small enough that no sum of weights overflows.
MAX_WEIGHT = 1e9
#: Upper bound of trips a model may ask for (trips_per_day, an OD matrix total);
#: the run also checks the requests against the memory before drawing them.
MAX_TRIPS = 100_000_000
#: Upper bound of riders per train: more than a full double ICE carries (about 900).
MAX_RIDERS_PER_TRAIN = 10_000

#: A span of time within a day (lead and egress times of feeder riders).
Duration = Annotated[float, Strict(), Field(ge=0, le=6 * 3600)]
Weight = Annotated[float, Strict(), Field(ge=0, le=MAX_WEIGHT, allow_inf_nan=False)]
TimeProfile = (
    Literal["weekday", "flat"] | Annotated[list[Weight], Field(min_length=24, max_length=24)]
)
Passengers = dict[Str, Weight]


def _check_profile(value: Any) -> Any:
    if isinstance(value, list) and len(value) == 24 and sum(value) <= 0:
        raise ValueError("the 24 hourly weights must not all be zero")
    return value


def _check_passengers(value: dict[str, float]) -> dict[str, float]:
    for key in value:
        if not key.isdigit() or not 1 <= int(key) <= MAX_CAPACITY:
            raise ValueError(
                f"group sizes must be whole numbers from 1 to {MAX_CAPACITY}, got {key!r}"
            )
    if sum(value.values()) <= 0:
        raise ValueError("the group-size weights must not all be zero")
    return dict(sorted(value.items(), key=lambda kv: int(kv[0])))


#: KEXI Kelheim takes bookings from right away up to seven days ahead (busnetz.de).
KEXI_BOOKING_HORIZON_S = 7 * 86400.0
#: A booking lead time: from the booking to the ride, up to a KEXI horizon.
LeadTime = Annotated[float, Strict(), Field(ge=0, le=KEXI_BOOKING_HORIZON_S)]


class _DemandModel(SpecModel):
    name: Annotated[Str, Field(min_length=1, pattern=r"^[A-Za-z0-9_\-]+$")] | None = Field(
        default=None, description="tag of the requests of this model (default: its type)"
    )
    # assumption: one passenger per request unless a group-size distribution is given.
    passengers: Passengers = Field(default_factory=lambda: {"1": 1.0})
    # Prebooking (KEXI Kelheim: immediately or up to seven days ahead): this
    # share of the model's riders books ahead, booking_lead_s = [min, max]
    # before the time they are ready at the pickup, drawn uniformly, at most
    # booking_horizon_s ahead. The dispatcher learns of a prebooked ride at
    # its booking time (the start of service if earlier) and plans it into
    # its time window; the others ask when they are ready (immediate).
    prebooked_share: Annotated[float, Strict(), Field(ge=0, le=1)] = 0.0
    # assumption: 30 min to 1 day ahead (KEXI allows 7 days; most rides of a
    # feeder are booked the same day, when the rider knows the train).
    booking_lead_s: tuple[LeadTime, LeadTime] = (1800.0, 86400.0)
    booking_horizon_s: LeadTime = KEXI_BOOKING_HORIZON_S

    _passengers = field_validator("passengers")(_check_passengers)

    @model_validator(mode="after")
    def _booking(self) -> _DemandModel:
        lo, hi = self.booking_lead_s
        if hi < lo:
            raise ValueError(
                f"booking_lead_s must be [min, max] with min <= max, got [{lo:g}, {hi:g}]"
            )
        if hi > self.booking_horizon_s:
            raise ValueError(
                f"booking_lead_s: {hi:g} s ahead is beyond the booking horizon "
                f"booking_horizon_s = {self.booking_horizon_s:g} s"
            )
        return self


#: Destination categories of the ``osm`` model.
_Destination = Literal["hubs", "commercial", "residential"]


def _default_destination_shares() -> dict[_Destination, float]:
    return {"hubs": 0.5, "commercial": 0.3, "residential": 0.2}


class OsmDemand(_DemandModel):
    """Trips from homes to attractors, estimated from the OSM land use.

    Origins: building footprint area in residential land use (or residential
    building tags) inside the service area. Destinations: ``hubs`` (named
    places, stops or points with relative weights), commercial buildings and
    other homes, mixed by ``destination_shares``. Morning trips leave home,
    evening trips return (see :mod:`klshuttle.demand`).
    """

    type: Literal["osm"]
    trips_per_day: Annotated[int, Strict(), Field(ge=1, le=MAX_TRIPS)]
    time_profile: Annotated[TimeProfile, BeforeValidator(_check_profile)] = "weekday"
    hubs: dict[Str, Weight] = Field(
        default_factory=dict, description="place or stop name -> relative weight"
    )
    # assumption (not in DOMAIN.md): half of the shuttle trips go to hubs
    # (stations, campus), the rest to shops/offices and other homes.
    destination_shares: dict[_Destination, Weight] = Field(
        default_factory=_default_destination_shares
    )
    # assumption: trips shorter than about 5 minutes on foot are walked.
    min_trip_m: Annotated[float, Strict(), Field(ge=0, le=100_000)] = 400.0

    @model_validator(mode="after")
    def _shares(self) -> OsmDemand:
        if sum(self.destination_shares.values()) <= 0:
            raise ValueError("destination_shares must not all be zero")
        if self.destination_shares.get("hubs", 0) > 0 and not self.hubs:
            raise ValueError("destination_shares gives hubs a share but no hubs are named")
        return self


class TrainTimes(SpecModel):
    """Train times at the hub: departures (riders go to the hub) and arrivals."""

    departures: list[TimeOfDay] = Field(default_factory=list)
    arrivals: list[TimeOfDay] = Field(default_factory=list)


class GtfsSpec(SpecModel):
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
    ``A`` at a time in ``[A + egress_time_s[0], A + egress_time_s[1]]``
    (the walk inside the station: the earliest pickup). A rider to a train
    must arrive at the hub by ``T - transfer_time_s``; each request keeps its
    train. Homes are residential buildings inside the service area at least
    ``min_distance_m`` from the hub.
    """

    type: Literal["feeder"]
    hub: Location = "Hauptbahnhof"
    trains: TrainTimes | None = None
    gtfs: GtfsSpec | None = None
    riders_per_departure: Annotated[int, Strict(), Field(ge=0, le=MAX_RIDERS_PER_TRAIN)]
    riders_per_arrival: Annotated[int, Strict(), Field(ge=0, le=MAX_RIDERS_PER_TRAIN)]
    # assumption: riders book 20-45 min before their train (up to 20 min wait,
    # MATSim Kelheim, plus the ride and a few minutes to reach the platform).
    lead_time_s: tuple[Duration, Duration] = (1200.0, 2700.0)
    # assumption: 2-8 min from the train to the shuttle stop.
    egress_time_s: tuple[Duration, Duration] = (120.0, 480.0)
    # assumption (not in DOMAIN.md): within about 600 m of the station people walk.
    min_distance_m: Annotated[float, Strict(), Field(ge=0, le=100_000)] = 600.0
    # assumption: 5 min from the shuttle stop on the forecourt to the train.
    # DB sets a minimum transfer time per station (Ril 402.0203, not public);
    # 3-6 min is the usual range for a mid-sized station. A rider to a train
    # must be dropped off by departure - transfer_time_s (a hard limit).
    transfer_time_s: Duration = 300.0

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


class ZoneSpec(SpecModel):
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
    matrix: list[list[Annotated[int, Strict(), Field(ge=0, le=MAX_TRIPS)]]] | None = None
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
        if self.matrix is not None:
            total = sum(map(sum, self.matrix))
            if total == 0:
                raise ValueError("matrix holds no trips")
            if total > MAX_TRIPS:
                raise ValueError(f"matrix holds {total:,} trips, more than {MAX_TRIPS:,}")
        return self


DemandModel = Annotated[
    OsmDemand | FeederDemand | CsvDemand | OdMatrixDemand, Field(discriminator="type")
]


class DemandSpec(SpecModel):
    """``[demand]``: the seed, the time window and the demand models."""

    seed: NonNegInt = 0
    window: TimeWindow = Field(default_factory=lambda: TimeWindow(**KEXI_HOURS))
    models: Annotated[list[DemandModel], Field(min_length=1)]

    @model_validator(mode="after")
    def _names(self) -> DemandSpec:
        tags = [m.name or m.type for m in self.models]
        dup = sorted({t for t in tags if tags.count(t) > 1})
        if dup:
            raise custom_error(
                "model_names",
                f"models: two models are tagged {dup[0]!r}; give each a distinct name",
            )
        return self
